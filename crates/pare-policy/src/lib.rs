//! The IAM policy language and AWS's policy evaluation logic, pure and explainable.
//!
//! No IO, no async, no SQL: documents come in as text or JSON values, decisions go out as data.

pub mod actions;
pub mod arn;
pub mod condition;
pub mod context;
pub mod diagnostic;
pub mod document;
pub mod evaluate;
pub mod pattern;
pub mod principal;
pub mod simulate;

pub use context::{Context, ContextValue};
pub use diagnostic::{Diagnostic, Severity};
pub use document::{Effect, PolicyDocument, Statement};
pub use evaluate::{Decision, Evaluation, PolicySet, PolicyType, Request, evaluate};
