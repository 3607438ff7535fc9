//! Timing of catalog loading and pattern expansion (plain `Instant`, no
//! harness): prints the median of N runs. Run with `cargo bench -p pare-catalog`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pare_catalog::{Catalog, CatalogError};

/// Runs `f` `runs` times and returns the (median, minimum) durations.
fn median(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    let med = times.get(times.len() / 2).copied().unwrap_or_default();
    (med, times.first().copied().unwrap_or_default())
}

fn report(name: &str, runs: usize, (med, min): (Duration, Duration)) {
    println!(
        "{name:<40} median of {runs:>4} runs: {:>10.1} µs (min {:>10.1} µs)",
        med.as_secs_f64() * 1e6,
        min.as_secs_f64() * 1e6
    );
}

fn main() -> Result<(), CatalogError> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: run
    // once quickly then, so the bench target still works as a smoke test.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = |full: usize| if quick { 1 } else { full };

    let bytes = Catalog::bundled_artifact();
    let runs = n(31);
    // Keep every loaded catalog so that dropping one is not timed.
    let mut loaded = Vec::with_capacity(runs);
    let load = median(runs, || {
        loaded.push(black_box(Catalog::from_artifact(black_box(bytes))));
    });
    report("load from artifact", runs, load);
    let catalog = match loaded.pop() {
        Some(result) => result?,
        None => Catalog::from_artifact(bytes)?,
    };
    drop(loaded);
    let runs = n(31);
    let first_use = median(runs, || {
        black_box(Catalog::bundled().map(Catalog::action_count).ok());
    });
    report("bundled() after first use", runs, first_use);
    println!(
        "  ({} services, {} actions, artifact {} bytes)",
        catalog.service_count(),
        catalog.action_count(),
        bytes.len()
    );

    for pattern in ["*", "s3:Get*", "*:Describe*", "ec2:Describe?ddresses"] {
        let runs = n(1001);
        let mut count = 0;
        let d = median(runs, || {
            count = black_box(catalog.expand(black_box(pattern))).len();
        });
        report(&format!("expand({pattern:?}) -> {count}"), runs, d);
    }

    let runs = n(1001);
    let d = median(runs, || {
        black_box(catalog.action(black_box("S3:GetObject")));
    });
    report("action(\"S3:GetObject\")", runs, d);
    Ok(())
}
