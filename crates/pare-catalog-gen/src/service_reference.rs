//! Reader for AWS's official service-reference JSON: one file per service,
//! `{"Name", "Actions", "Resources", "ConditionKeys", "Version"}`.
//!
//! The format has no descriptions, human service names, "required" flags,
//! dependent actions or RCP support; those are left empty, the prefix, and
//! `false`. Access levels are derived from the action's annotations:
//! `IsPermissionManagement` → Permissions management, `IsTaggingOnly` →
//! Tagging, `IsWrite` → Write, `IsList` → List, otherwise Read.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use pare_catalog::AccessLevel;
use pare_catalog::artifact::{
    SourceAction, SourceActionResource, SourceCatalog, SourceConditionKey, SourceResourceType,
    SourceService,
};
use serde::Deserialize;

use crate::{global_keys, read_json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SrService {
    name: String,
    #[serde(default)]
    actions: Vec<SrAction>,
    #[serde(default)]
    resources: Vec<SrResource>,
    #[serde(default)]
    condition_keys: Vec<SrConditionKey>,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SrAction {
    name: String,
    #[serde(default)]
    action_condition_keys: Vec<String>,
    #[serde(default)]
    annotations: SrAnnotations,
    #[serde(default)]
    resources: Vec<SrActionResource>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct SrAnnotations {
    #[serde(default)]
    properties: SrProperties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct SrProperties {
    #[serde(default)]
    is_list: bool,
    #[serde(default)]
    is_permission_management: bool,
    #[serde(default)]
    is_tagging_only: bool,
    #[serde(default)]
    is_write: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SrActionResource {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SrResource {
    name: String,
    #[serde(default, rename = "ARNFormats")]
    arn_formats: Vec<String>,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SrConditionKey {
    name: String,
    #[serde(default)]
    types: Vec<String>,
}

/// The access level an action's annotations describe.
fn access_level(p: &SrProperties) -> AccessLevel {
    if p.is_permission_management {
        AccessLevel::PermissionsManagement
    } else if p.is_tagging_only {
        AccessLevel::Tagging
    } else if p.is_write {
        AccessLevel::Write
    } else if p.is_list {
        AccessLevel::List
    } else {
        AccessLevel::Read
    }
}

/// Reads every `*.json` file of `dir` (in file-name order) as one service.
/// A file whose top level is an array (AWS's index of services) is skipped.
///
/// # Errors
///
/// An unreadable folder, or a file that is not a service document, named in
/// the error.
pub fn read(dir: &Path, label: Option<&str>) -> Result<SourceCatalog> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("{}: no *.json service files", dir.display());
    }

    let mut services = Vec::with_capacity(files.len());
    let mut versions = BTreeSet::new();
    for path in &files {
        let value: serde_json::Value = read_json(path)?;
        if value.is_array() {
            eprintln!("note: skipping {} (a list, not a service)", path.display());
            continue;
        }
        let service: SrService = serde_json::from_value(value)
            .with_context(|| format!("{}: not a service-reference document", path.display()))?;
        if let Some(v) = &service.version {
            versions.insert(v.clone());
        }
        services.push(convert(service));
    }
    let source = match label {
        Some(l) => l.to_owned(),
        None => {
            let v: Vec<&str> = versions.iter().map(String::as_str).collect();
            if v.is_empty() {
                "AWS service reference".to_owned()
            } else {
                format!("AWS service reference {}", v.join("/"))
            }
        }
    };
    Ok(SourceCatalog {
        source,
        global_condition_keys: global_keys::global_condition_keys(),
        services,
    })
}

/// Converts one parsed service.
fn convert(s: SrService) -> SourceService {
    SourceService {
        name: s.name.clone(),
        prefix: s.name,
        rcp_supported: false,
        resource_types: s
            .resources
            .into_iter()
            .map(|r| SourceResourceType {
                name: r.name,
                arn_templates: r.arn_formats,
                condition_keys: r.condition_keys,
            })
            .collect(),
        condition_keys: s
            .condition_keys
            .into_iter()
            .map(|k| SourceConditionKey {
                name: k.name,
                value_type: k
                    .types
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "String".to_owned()),
            })
            .collect(),
        actions: s
            .actions
            .into_iter()
            .map(|a| SourceAction {
                access_level: access_level(&a.annotations.properties),
                name: a.name,
                description: String::new(),
                resource_types: a
                    .resources
                    .into_iter()
                    .map(|r| SourceActionResource {
                        name: r.name,
                        required: false,
                        condition_keys: Vec::new(),
                    })
                    .collect(),
                condition_keys: a.action_condition_keys,
                dependent_actions: Vec::new(),
            })
            .collect(),
    }
}
