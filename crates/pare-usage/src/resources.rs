//! On which resources: ARNs from `resources[]` and from `requestParameters`.
//!
//! For common services (S3, IAM, Lambda, DynamoDB, KMS, SQS, SNS, Secrets
//! Manager) the request parameters name the resource; the ARN is built from
//! the catalog's ARN template of each action's resource types. Otherwise the
//! ARNs of `resources[]` that fit an action's templates are used, and `*`
//! when nothing is known.

use std::collections::BTreeMap;

use pare_catalog::{ActionId, Catalog, wildcard};
use serde_json::Value;

use crate::params::RequestParams;

/// Values for ARN template variables, gathered from one record.
#[derive(Debug, Clone, Default)]
pub struct TemplateVars {
    vars: BTreeMap<&'static str, Vec<String>>,
    /// ARNs given directly in the request (`policyArn`, `topicArn`, ARN-form ids).
    pub direct_arns: Vec<String>,
    /// S3 `CopyObject`/`UploadPartCopy`: the source object (`bucket/key`),
    /// the resource of `s3:GetObject`.
    pub copy_source: Option<String>,
}

impl TemplateVars {
    fn add(&mut self, name: &'static str, value: &str) {
        if !value.is_empty() {
            let v = self.vars.entry(name).or_default();
            if !v.iter().any(|x| x == value) {
                v.push(value.to_owned());
            }
        }
    }

    /// The values of one variable (`"BucketName"`).
    #[must_use]
    pub fn get(&self, name: &str) -> &[String] {
        self.vars.get(name).map_or(&[], Vec::as_slice)
    }
}

/// A string parameter, trimmed.
fn param<'p>(value: &'p crate::params::Param<'_>) -> Option<&'p str> {
    value.as_deref().map(str::trim)
}

/// Gathers template variables from `requestParameters` for the services this
/// crate knows, plus `Partition`, `Region` and `Account` from the record.
#[must_use]
pub fn template_vars(
    prefix: &str,
    params: Option<&Value>,
    region: Option<&str>,
    account: Option<&str>,
    partition: &str,
) -> TemplateVars {
    let params = params.map(RequestParams::from_value);
    template_vars_of(prefix, params.as_ref(), region, account, partition)
}

/// [`template_vars`] from parameters read by [`RequestParams::parse`].
#[must_use]
pub fn template_vars_of(
    prefix: &str,
    params: Option<&RequestParams<'_>>,
    region: Option<&str>,
    account: Option<&str>,
    partition: &str,
) -> TemplateVars {
    let mut t = TemplateVars::default();
    t.add("Partition", partition);
    if let Some(r) = region {
        t.add("Region", r);
    }
    if let Some(a) = account {
        t.add("Account", a);
    }
    let Some(p) = params else {
        return t;
    };
    let arn_or = |t: &mut TemplateVars, var: &'static str, value: Option<&str>| {
        if let Some(v) = value {
            if v.starts_with("arn:") {
                t.direct_arns.push(v.to_owned());
            } else {
                t.add(var, v);
            }
        }
    };
    match prefix {
        "s3" => {
            if let Some(b) = param(&p.bucket_name).or_else(|| param(&p.bucket)) {
                t.add("BucketName", b);
            }
            if let Some(k) = param(&p.key_lower).or_else(|| param(&p.key_upper)) {
                t.add("ObjectName", k);
            }
            if let Some(src) = param(&p.copy_source) {
                // `bucket/key`, `/bucket/key` or `…?versionId=…`.
                let src = src.trim_start_matches('/');
                let src = src.split_once("?versionId=").map_or(src, |(s, _)| s);
                if src.contains('/') {
                    t.copy_source = Some(src.to_owned());
                }
            }
            for k in &p.delete_keys {
                t.add("ObjectName", k.trim());
            }
        }
        "iam" => {
            for (value, var) in [
                (&p.role_name, "RoleNameWithPath"),
                (&p.user_name, "UserNameWithPath"),
                (&p.group_name, "GroupNameWithPath"),
            ] {
                if let Some(v) = param(value) {
                    let path = param(&p.path).unwrap_or("/");
                    let path = path.strip_prefix('/').unwrap_or(path);
                    t.add(var, &format!("{path}{v}"));
                }
            }
            arn_or(&mut t, "PolicyNameWithPath", param(&p.policy_arn));
        }
        "lambda" => {
            let f = param(&p.function_name_lower).or_else(|| param(&p.function_name_upper));
            arn_or(&mut t, "FunctionName", f);
        }
        "dynamodb" => {
            let table = param(&p.table_name_lower).or_else(|| param(&p.table_name_upper));
            arn_or(&mut t, "TableName", table);
        }
        "kms" => {
            let key = param(&p.key_id_lower).or_else(|| param(&p.key_id_upper));
            match key {
                Some(k) if k.starts_with("alias/") => {
                    t.add("Alias", k.trim_start_matches("alias/"));
                }
                k => arn_or(&mut t, "KeyId", k),
            }
        }
        "sqs" => {
            if let Some(url) = param(&p.queue_url_lower).or_else(|| param(&p.queue_url_upper)) {
                // https://sqs.us-east-1.amazonaws.com/111122223333/name
                let mut parts = url.rsplit('/');
                if let (Some(name), Some(account)) = (parts.next(), parts.next()) {
                    t.add("QueueName", name);
                    if account.bytes().all(|b| b.is_ascii_digit()) {
                        t.vars.insert("Account", vec![account.to_owned()]);
                    }
                }
            }
            if let Some(n) = param(&p.queue_name) {
                t.add("QueueName", n);
            }
        }
        "ec2" => {
            for (value, var) in [
                (&p.instance_id, "InstanceId"),
                (&p.group_id, "SecurityGroupId"),
                (&p.snapshot_id, "SnapshotId"),
                (&p.image_id, "ImageId"),
                (&p.volume_id, "VolumeId"),
            ] {
                if let Some(v) = param(value) {
                    t.add(var, v);
                }
            }
            for v in &p.instances_set {
                t.add("InstanceId", v.trim());
            }
        }
        "sts" => {
            for value in [&p.role_arn_lower, &p.role_arn_upper] {
                if let Some(a) = param(value) {
                    if a.starts_with("arn:") {
                        t.direct_arns.push(a.to_owned());
                    }
                }
            }
        }
        "sns" => {
            for value in [&p.topic_arn_lower, &p.topic_arn_upper, &p.target_arn] {
                if let Some(a) = param(value) {
                    if a.starts_with("arn:") {
                        t.direct_arns.push(a.to_owned());
                    }
                }
            }
        }
        "secretsmanager" => {
            let id = param(&p.secret_id_lower).or_else(|| param(&p.secret_id_upper));
            // A name-only secret id: AWS appends six random characters.
            match id {
                Some(i) if !i.starts_with("arn:") => t.add("SecretId", &format!("{i}-??????")),
                i => arn_or(&mut t, "SecretId", i),
            }
            for i in &p.secret_id_list {
                if i.starts_with("arn:") {
                    t.direct_arns.push(i.to_string());
                } else {
                    t.add("SecretId", &format!("{i}-??????"));
                }
            }
        }
        _ => {}
    }
    t
}

/// Fills `${Var}` in `template` with every combination of values; `None` if
/// a variable has no value.
fn fill(template: &str, vars: &TemplateVars) -> Option<Vec<String>> {
    let mut outs = vec![String::new()];
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let end = rest.get(start..)?.find('}')? + start;
        let lit = rest.get(..start)?;
        let name = rest.get(start + 2..end)?;
        let values = vars.get(name);
        if values.is_empty() {
            return None;
        }
        outs = outs
            .iter()
            .flat_map(|o| values.iter().map(move |v| format!("{o}{lit}{v}")))
            .collect();
        rest = rest.get(end + 1..)?;
    }
    for o in &mut outs {
        o.push_str(rest);
    }
    Some(outs)
}

/// A template as a wildcard pattern (`${Var}` → `*`).
fn template_pattern(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        out.push('*');
        match rest.get(start..).and_then(|r| r.find('}')) {
            Some(end) => rest = rest.get(start + end + 1..).unwrap_or_default(),
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The resources one action touched: ARNs built from the request for the
/// action's resource types, else those of `event_arns` (from `resources[]`
/// and direct ARNs) that fit its templates, else `["*"]`.
#[must_use]
pub fn resources_for_action(
    catalog: &Catalog,
    action: ActionId,
    vars: &TemplateVars,
    event_arns: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(info) = catalog.action_info(action) else {
        return vec!["*".to_owned()];
    };
    if let Some(src) = &vars.copy_source {
        if info.service_prefix() == "s3" && info.name() == "GetObject" {
            let partition = vars.get("Partition").first().map_or("aws", String::as_str);
            return vec![format!("arn:{partition}:s3:::{src}")];
        }
    }
    // The action's resource types carry their service's templates (looked up by exact name);
    // the service is searched (case-insensitively) only for a type without them.
    let mut templates: Vec<&str> = Vec::new();
    for rt in info.resource_types() {
        if rt.arn_templates().len() > 0 {
            templates.extend(rt.arn_templates());
        } else if let Some(t) = catalog
            .service(info.service_prefix())
            .and_then(|s| s.resource_type(rt.name()))
        {
            templates.extend(t.arn_templates());
        }
    }
    for t in &templates {
        if let Some(arns) = fill(t, vars) {
            for a in arns {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    if out.is_empty() {
        for arn in event_arns.iter().chain(&vars.direct_arns) {
            if templates
                .iter()
                .any(|t| wildcard::matches(&template_pattern(t), arn, false))
                && !out.contains(arn)
            {
                out.push(arn.clone());
            }
        }
    }
    if out.is_empty() {
        out.push("*".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_templates() {
        let mut v = TemplateVars::default();
        v.add("Partition", "aws");
        v.add("BucketName", "b");
        v.add("ObjectName", "k1");
        v.add("ObjectName", "k2");
        assert_eq!(
            fill("arn:${Partition}:s3:::${BucketName}/${ObjectName}", &v),
            Some(vec![
                "arn:aws:s3:::b/k1".to_owned(),
                "arn:aws:s3:::b/k2".to_owned()
            ])
        );
        assert_eq!(fill("arn:${Partition}:sqs:${Region}", &v), None);
        assert_eq!(
            template_pattern("arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
            "arn:*:s3:::*/*"
        );
    }
}
