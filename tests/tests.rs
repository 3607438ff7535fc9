//! The one integration-test binary: golden scenarios and cross-crate checks.
