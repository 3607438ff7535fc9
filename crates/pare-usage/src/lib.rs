//! CloudTrail usage: the pure core that turns one CloudTrail record into who
//! did what, on which resources, with what outcome.
//!
//! ```
//! use pare_usage::{ActionMapper, CloudTrailRecord, to_usage};
//! let mapper = ActionMapper::bundled()?;
//! let record = CloudTrailRecord::from_json(r#"{
//!     "eventSource": "s3.amazonaws.com", "eventName": "HeadObject", "awsRegion": "us-east-1",
//!     "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
//!     "requestParameters": {"bucketName": "b", "key": "k"}
//! }"#)?;
//! let usage = to_usage(&record, mapper);
//! assert_eq!(usage.actor.principal_key(), "arn:aws:iam::111122223333:user/alice");
//! let action = usage.actions.first().ok_or("no action")?;
//! assert_eq!(mapper.catalog().action_name(action.action), "s3:GetObject");
//! assert_eq!(action.resources, ["arn:aws:s3:::b/k"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! No IO: the mapping table is embedded (`data/cloudtrail-actions.json.gz`,
//! built by `pare-usage-gen`); reading files is the caller's business.

#![warn(missing_docs)]

mod actor;
pub mod artifact;
mod error;
mod mapping;
mod params;
mod record;
mod resources;
mod usage;

pub use actor::{Actor, ActorKind, SSO_ROLE_PREFIX, resolve_actor};
pub use error::UsageError;
pub use mapping::{
    ActionMapper, CONSOLE_SOURCES, Mapping, OVERRIDES, OverrideTarget, strip_api_version,
    unknown_actions,
};
pub use params::RequestParams;
pub use record::{
    CloudTrailRecord, OnBehalfOf, RecordKind, Resource, SessionAttributes, SessionContext,
    SessionIssuer, Str, UserIdentity, WebIdFederationData, parse_records,
};
pub use resources::{TemplateVars, resources_for_action, template_vars, template_vars_of};
pub use usage::{
    ActionUse, Activity, MappingCache, Outcome, UsageEvent, outcome, to_usage, to_usage_cached,
};
