//! The AWS profiles a user can scan with, read from their AWS config and credentials files for the
//! desktop app's "Connect to AWS" screen: names, the profile's region and how it gets credentials
//! (SSO, `credential_process`, assume-role, keys). No secret is read into memory: the credentials
//! file contributes only its `[section]` names, and of the config file only `region` keeps its value
//! (every other key is looked at by name only).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Regions offered when a profile has none (the commercial partition's).
pub const AWS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-east-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "il-central-1",
];

/// One profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AwsProfile {
    /// Its name (`default` included).
    pub name: String,
    /// Its `region`, when the config file sets one.
    pub region: Option<String>,
    /// How it gets credentials: `sso`, `credential-process`, `assume-role`, `keys`, `web-identity`,
    /// or `other`.
    pub kind: String,
    /// Where it is defined: `config`, `credentials` or `both`.
    pub source: String,
}

/// The AWS config file: `AWS_CONFIG_FILE`, else `~/.aws/config`.
fn config_path() -> Option<PathBuf> {
    std::env::var_os("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".aws/config")))
}

/// The credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
fn credentials_path() -> Option<PathBuf> {
    std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".aws/credentials")))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// A section header's name (`[profile dev]` → `profile dev`), or `None` for other lines.
fn section(line: &str) -> Option<&str> {
    let t = line.trim();
    t.strip_prefix('[')?.strip_suffix(']').map(str::trim)
}

/// `key = value` → (lowercase key, value); the value is kept only for `region`.
fn key_of(line: &str) -> Option<(String, Option<String>)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with(';') || line.starts_with([' ', '\t']) {
        return None;
    }
    let (key, value) = t.split_once('=')?;
    let key = key.trim().to_ascii_lowercase();
    let value = (key == "region").then(|| value.trim().to_owned());
    Some((key, value))
}

#[derive(Default)]
struct Found {
    keys: Vec<String>,
    region: Option<String>,
    in_config: bool,
    in_credentials: bool,
}

/// Profiles in a config file's text (`[default]`, `[profile NAME]`; `[sso-session …]` and
/// `[services …]` sections are not profiles).
fn read_config(text: &str, found: &mut BTreeMap<String, Found>) {
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = section(line) {
            current = if name == "default" {
                Some("default".to_owned())
            } else {
                name.strip_prefix("profile ")
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
            };
            if let Some(n) = &current {
                found.entry(n.clone()).or_default().in_config = true;
            }
            continue;
        }
        let (Some(name), Some((key, value))) = (&current, key_of(line)) else {
            continue;
        };
        let entry = found.entry(name.clone()).or_default();
        if key == "region" {
            entry.region = value.filter(|v| !v.is_empty());
        }
        entry.keys.push(key);
    }
}

/// Profiles in a credentials file's text: section names only.
fn read_credentials(text: &str, found: &mut BTreeMap<String, Found>) {
    for line in text.lines() {
        if let Some(name) = section(line).filter(|n| !n.is_empty()) {
            found.entry(name.to_owned()).or_default().in_credentials = true;
        }
    }
}

fn kind(f: &Found) -> &'static str {
    let has = |k: &str| f.keys.iter().any(|x| x == k);
    if has("sso_session") || has("sso_start_url") {
        "sso"
    } else if has("credential_process") {
        "credential-process"
    } else if has("web_identity_token_file") {
        "web-identity"
    } else if has("role_arn") {
        "assume-role"
    } else if f.in_credentials {
        "keys"
    } else {
        "other"
    }
}

/// The profiles of these files' texts, sorted by name with `default` first.
#[must_use]
pub fn profiles_in(config: Option<&str>, credentials: Option<&str>) -> Vec<AwsProfile> {
    let mut found = BTreeMap::new();
    if let Some(text) = config {
        read_config(text, &mut found);
    }
    if let Some(text) = credentials {
        read_credentials(text, &mut found);
    }
    let mut out: Vec<AwsProfile> = found
        .iter()
        .map(|(name, f)| AwsProfile {
            name: name.clone(),
            region: f.region.clone(),
            kind: kind(f).to_owned(),
            source: match (f.in_config, f.in_credentials) {
                (true, true) => "both",
                (false, true) => "credentials",
                _ => "config",
            }
            .to_owned(),
        })
        .collect();
    out.sort_by_key(|p| (p.name != "default", p.name.clone()));
    out
}

fn read(path: Option<&Path>) -> Option<String> {
    std::fs::read_to_string(path?).ok()
}

/// The profiles in the user's AWS config and credentials files (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`); missing files give none.
#[must_use]
pub fn aws_profiles() -> Vec<AwsProfile> {
    let config = read(config_path().as_deref());
    // Only section names are taken from the credentials file (see `read_credentials`).
    let credentials = read(credentials_path().as_deref());
    profiles_in(config.as_deref(), credentials.as_deref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, reason = "test code")]

    use super::*;

    const CONFIG: &str = "\
[default]
region = eu-west-1
output = json

[profile dev-sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile legacy-sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile audit]
role_arn = arn:aws:iam::444455556666:role/Audit
source_profile = default

[profile vault]
credential_process = /usr/bin/aws-vault export --format=json vault

[services local]
iam =
  endpoint_url = http://127.0.0.1:5000
";

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[ci]
aws_access_key_id = AKIDEXAMPLE2
aws_secret_access_key = secret
";

    #[test]
    fn profiles_from_both_files_with_their_kind_and_region_and_no_secret() {
        let p = profiles_in(Some(CONFIG), Some(CREDENTIALS));
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["default", "audit", "ci", "dev-sso", "legacy-sso", "vault"]
        );
        let by = |n: &str| p.iter().find(|p| p.name == n).unwrap();
        assert_eq!(by("default").kind, "keys");
        assert_eq!(by("default").source, "both");
        assert_eq!(by("default").region.as_deref(), Some("eu-west-1"));
        assert_eq!(by("dev-sso").kind, "sso");
        assert_eq!(by("dev-sso").region.as_deref(), Some("us-east-2"));
        assert_eq!(by("legacy-sso").kind, "sso");
        assert_eq!(by("audit").kind, "assume-role");
        assert_eq!(by("vault").kind, "credential-process");
        assert_eq!(by("ci").kind, "keys");
        assert_eq!(by("ci").source, "credentials");
        assert_eq!(by("ci").region, None);
        let text = serde_json::to_string(&p).unwrap();
        for secret in [
            "AKIDEXAMPLE",
            "wJalr",
            "secret",
            "aws-vault",
            "Audit",
            "awsapps",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }

    #[test]
    fn no_files_no_profiles() {
        assert!(profiles_in(None, None).is_empty());
        assert!(profiles_in(Some("# nothing\n"), Some("")).is_empty());
    }
}
