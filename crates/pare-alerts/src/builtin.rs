//! The built-in policy pack, bundled as a TOML policy file.

use crate::error::PolicyError;
use crate::policy::{Policy, PolicyFormat, parse_policies};

/// The built-in pack as a policy file.
pub const BUILTIN_POLICIES_TOML: &str = include_str!("builtin.toml");

/// The built-in pack.
///
/// # Errors
///
/// [`PolicyError`] only if the bundled file is broken (a test checks it is not).
pub fn builtin_policies() -> Result<Vec<Policy>, PolicyError> {
    parse_policies("builtin.toml", BUILTIN_POLICIES_TOML, PolicyFormat::Toml)
}
