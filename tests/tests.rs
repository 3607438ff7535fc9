//! The one integration-test binary: golden scenarios (library and CLI), real-data parsing, CLI contract.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod account_import;
mod alerts_cli;
mod aws_access_analyzer;
mod aws_scan;
mod cli;
mod e2e;
mod e2e_connect;
mod e2e_identities;
mod e2e_identity;
mod e2e_review;
mod findings;
mod findings_fast_path;
mod golden;
mod graph_escalation_cli;
mod identity_detail;
mod managed_policies;
mod reviews;
mod rightsize;
mod tidy;
mod usage_import;
