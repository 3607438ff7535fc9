//! The floor for reading a trail: every log file gunzipped whole and validated by `serde_json` into
//! `IgnoredAny`, on all cores. No reader of these files can do less work than this.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use serde::de::IgnoredAny;

#[derive(Deserialize)]
struct Records {
    #[serde(rename = "Records")]
    records: Vec<IgnoredAny>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Floor {
    pub files: usize,
    pub events: u64,
    pub gz_bytes: u64,
    pub raw_bytes: u64,
    pub elapsed: Duration,
}

/// The log files under `dir` (digests left out), sorted.
pub fn log_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("read {}", d.display()))? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".json.gz")
                && !path.to_string_lossy().contains("CloudTrail-Digest")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn measure(files: &[PathBuf], threads: usize) -> Result<Floor> {
    let next = AtomicUsize::new(0);
    let events = AtomicU64::new(0);
    let gz = AtomicU64::new(0);
    let raw = AtomicU64::new(0);
    let error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut packed = Vec::new();
                let mut text = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = files.get(i) else { return };
                    let result = (|| -> Result<()> {
                        packed.clear();
                        text.clear();
                        std::fs::File::open(p)?.read_to_end(&mut packed)?;
                        flate2::read::MultiGzDecoder::new(packed.as_slice())
                            .read_to_end(&mut text)?;
                        let r: Records = serde_json::from_slice(&text)?;
                        events.fetch_add(r.records.len() as u64, Ordering::Relaxed);
                        gz.fetch_add(packed.len() as u64, Ordering::Relaxed);
                        raw.fetch_add(text.len() as u64, Ordering::Relaxed);
                        Ok(())
                    })();
                    if let Err(e) = result {
                        if let Ok(mut slot) = error.lock() {
                            slot.get_or_insert(anyhow!("{}: {e}", p.display()));
                        }
                        return;
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(Floor {
        files: files.len(),
        events: events.into_inner(),
        gz_bytes: gz.into_inner(),
        raw_bytes: raw.into_inner(),
        elapsed,
    })
}
