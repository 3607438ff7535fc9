//! Access-review campaigns, pure: the fingerprint that decides whether a decision carries over to the next
//! review ([`fingerprint`]), the drift between two account snapshots ([`drift`]), and the report that closes a
//! review, as self-contained HTML or CSV with a SHA-256 seal over its content ([`report`]).
//!
//! No IO, no SQL: accounts, effective permissions and findings come in as data; JSON, HTML and CSV go out.

pub mod drift;
pub mod fingerprint;
pub mod report;

pub use drift::{Drift, diff};
pub use fingerprint::{canonical, identity_fingerprints};
pub use report::{Report, ReportDecision, ReportItem, seal_check};
