//! Access-review findings, privilege-escalation paths and explainable risk scores, pure.
//!
//! No IO, no async, no SQL: the account model and CloudTrail usage come in as data (or through the
//! [`paths::PermissionOracle`] trait), findings go out as data.

pub mod paths;
pub mod risk;
pub mod techniques;

pub use paths::{
    Access, EscalationPath, PermissionOracle, PrincipalInfo, PrincipalKind, Resource, find_paths,
};
pub use techniques::{Gain, Technique};
