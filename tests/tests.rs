//! The one integration-test binary: golden scenarios (library and CLI), real-data parsing, CLI contract.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod aws_scan;
mod cli;
mod golden;
mod managed_policies;
mod tidy;
mod usage_import;
