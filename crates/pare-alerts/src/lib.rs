//! Activity alert policies over CloudTrail events, pure: policies as data, an evaluator, a built-in pack.
//!
//! A policy file (TOML or JSON, `version = 1`) holds `[[policy]]` entries: an id, a name, a severity, a
//! description, a reason, a recommendation and a `match` filter over [`AlertEvent`]s (actor, event name,
//! action, service, source IP CIDR, region, user agent, error code, outcome, MFA, time window, facts drawn
//! from the request), combined with `all`/`any`/`not`. A policy may add a `threshold` ("more than N matching
//! events by one actor within T minutes") or a `first_seen` form (a new source IP for an identity, a region
//! never used before in the account). [`parse_policies`] refuses bad files with the file, line and field.
//! [`Evaluator`] runs policies over events in time order, keeps the state thresholds and first-seen forms
//! need (serialisable, so a later run continues where the last one stopped), and is deterministic.
//! [`builtin_policies`] is the bundled pack.

mod builtin;
mod error;
mod evaluate;
mod event;
mod filter;
mod pattern;
mod policy;

pub use builtin::{BUILTIN_POLICIES_TOML, builtin_policies};
pub use error::PolicyError;
pub use evaluate::{Alert, Evaluator, EvaluatorState};
pub use event::{AlertEvent, EventOutcome, actor_type_of_kind, facts_of, stored_facts};
pub use filter::Filter;
pub use pattern::{Cidr, Pattern, parse_ip};
pub use policy::{
    FORMAT_VERSION, FirstSeen, FirstSeenOf, FirstSeenPer, Policy, PolicyFormat, Severity,
    Threshold, parse_policies,
};
