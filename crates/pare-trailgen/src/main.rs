//! `pare-trailgen`: a benchmark tool. Generates a large, realistic, deterministic CloudTrail S3 tree from
//! the shapes of the repository's real CloudTrail fixtures (`--out DIR --events N --seed S`), or measures
//! the read floor on a tree (`--floor DIR`: parallel gunzip + `serde_json` `IgnoredAny`). Used by
//! `benches/cloudtrail/run.sh`; not part of Pare itself.

mod floor;
mod generate;
mod principals;
mod templates;
mod time;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Write the tree here (AWSLogs/… is created inside).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Number of events.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Random seed: same seed and event count, same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Size of the principal pool (IAM users, role sessions, SSO users, external roles, services).
    #[arg(long, default_value_t = 6_000)]
    principals: usize,
    /// Instead of generating, measure the floor on the log files under DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    floor: Option<PathBuf>,
    /// Best of this many floor runs.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// gzip level of the log files, 0-9 (1 is about twice as fast to write, 6 is gzip's default).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    level: u32,
    /// Threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        args.threads
    };
    if let Some(dir) = &args.floor {
        let files = floor::log_files(dir)?;
        if files.is_empty() {
            bail!("no *.json.gz log files under {}", dir.display());
        }
        let mut best: Option<floor::Floor> = None;
        for _ in 0..args.runs.max(1) {
            let f = floor::measure(&files, threads)?;
            if best.is_none_or(|b| f.elapsed < b.elapsed) {
                best = Some(f);
            }
        }
        if let Some(f) = best {
            let s = f.elapsed.as_secs_f64();
            println!(
                "FLOOR files={} events={} gz_bytes={} raw_bytes={} secs={s:.3} threads={threads} runs={} events_per_s={:.0} raw_mb_per_s={:.1} gz_mb_per_s={:.1}",
                f.files,
                f.events,
                f.gz_bytes,
                f.raw_bytes,
                args.runs.max(1),
                f.events as f64 / s,
                f.raw_bytes as f64 / s / 1e6,
                f.gz_bytes as f64 / s / 1e6,
            );
        }
        return Ok(());
    }
    let Some(out) = args.out else {
        bail!("give --out DIR (generate) or --floor DIR (measure)");
    };
    let start = Instant::now();
    let (templates, pairs) = templates::load()?;
    let stats = generate::run(
        &generate::Config {
            seed: args.seed,
            events: args.events,
            principals: args.principals,
            threads,
            level: args.level,
            out: out.clone(),
        },
        &templates,
    )?;
    println!(
        "GENERATED dir={} events={} files={} digests={} denied={} templates={} pairs={} principals={} raw_bytes={} gz_bytes={} secs={:.2} seed={} level={} threads={threads}",
        out.display(),
        stats.events,
        stats.files,
        stats.digests,
        stats.denied,
        templates.len(),
        pairs,
        args.principals,
        stats.raw_bytes,
        stats.gz_bytes,
        start.elapsed().as_secs_f64(),
        args.seed,
        args.level,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = floor::log_files(dir).unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| {
                let name = p.strip_prefix(dir).unwrap_or(p).display().to_string();
                (name, std::fs::read(p).unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn same_seed_same_tree_whatever_the_thread_count_and_the_floor_reads_every_event() {
        let (templates, pairs) = templates::load().unwrap();
        assert!(
            pairs > 300,
            "{pairs} distinct (eventSource, eventName) pairs"
        );
        let base = std::env::temp_dir().join(format!("pare-trailgen-test-{}", std::process::id()));
        let run = |name: &str, seed: u64, threads: usize| {
            let out = base.join(name);
            let stats = generate::run(
                &generate::Config {
                    seed,
                    events: 5_000,
                    principals: 600,
                    threads,
                    level: 1,
                    out: out.clone(),
                },
                &templates,
            )
            .unwrap();
            (out, stats)
        };
        let (a, stats) = run("a", 7, 1);
        let (b, _) = run("b", 7, 2);
        let (c, _) = run("c", 8, 2);
        assert_eq!(stats.events, 5_000);
        assert!(stats.files >= 3 && stats.digests >= 1);
        assert!(
            stats.denied > 100 && stats.denied < 500,
            "{} denied",
            stats.denied
        );
        assert_eq!(tree(&a), tree(&b));
        assert_ne!(tree(&a), tree(&c));
        let files = floor::log_files(&a).unwrap();
        let f = floor::measure(&files, 2).unwrap();
        assert_eq!(f.events, 5_000);
        // Every record is a real-looking event: a caller, no `resources: null`; people (IAM users, root)
        // call from a few usual addresses.
        let mut addresses: std::collections::HashMap<String, std::collections::HashSet<String>> =
            std::collections::HashMap::new();
        let mut people_calls = 0;
        for p in &files {
            let mut text = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap()),
                &mut text,
            )
            .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
            for r in v["Records"].as_array().unwrap() {
                // (one real fixture's AWS-internal caller has no `type`)
                assert!(r["userIdentity"].is_object(), "{r}");
                assert!(r.get("resources").is_none_or(|x| !x.is_null()));
                let who = &r["userIdentity"];
                if matches!(who["type"].as_str(), Some("IAMUser" | "Root"))
                    && let (Some(arn), Some(ip)) =
                        (who["arn"].as_str(), r["sourceIPAddress"].as_str())
                    && !ip.ends_with("amazonaws.com")
                {
                    people_calls += 1;
                    addresses
                        .entry(arn.to_owned())
                        .or_default()
                        .insert(ip.to_owned());
                }
            }
        }
        let distinct: usize = addresses.values().map(std::collections::HashSet::len).sum();
        assert!(people_calls > 1_000, "{people_calls} calls by people");
        // At most 3 usual addresses each, plus the 0.2 % of calls from anywhere (and the real fixtures'
        // own addresses for callers they keep).
        assert!(
            distinct <= addresses.len() * 3 + people_calls / 100,
            "{distinct} addresses for {} people over {people_calls} calls",
            addresses.len()
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
