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

fn str_param<'v>(params: &'v Value, name: &str) -> Option<&'v str> {
    params.get(name).and_then(Value::as_str).map(str::trim)
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
            if let Some(b) = str_param(p, "bucketName").or_else(|| str_param(p, "Bucket")) {
                t.add("BucketName", b);
            }
            if let Some(k) = str_param(p, "key").or_else(|| str_param(p, "Key")) {
                t.add("ObjectName", k);
            }
            if let Some(src) = str_param(p, "x-amz-copy-source") {
                // `bucket/key`, `/bucket/key` or `…?versionId=…`.
                let src = src.trim_start_matches('/');
                let src = src.split_once("?versionId=").map_or(src, |(s, _)| s);
                if src.contains('/') {
                    t.copy_source = Some(src.to_owned());
                }
            }
            if let Some(objects) = p
                .get("Delete")
                .and_then(|d| d.get("Object"))
                .and_then(Value::as_array)
            {
                for o in objects {
                    if let Some(k) = str_param(o, "Key") {
                        t.add("ObjectName", k);
                    }
                }
            }
        }
        "iam" => {
            for (param, var) in [
                ("roleName", "RoleNameWithPath"),
                ("userName", "UserNameWithPath"),
                ("groupName", "GroupNameWithPath"),
            ] {
                if let Some(v) = str_param(p, param) {
                    let path = str_param(p, "path").unwrap_or("/");
                    let path = path.strip_prefix('/').unwrap_or(path);
                    t.add(var, &format!("{path}{v}"));
                }
            }
            arn_or(&mut t, "PolicyNameWithPath", str_param(p, "policyArn"));
        }
        "lambda" => {
            let f = str_param(p, "functionName").or_else(|| str_param(p, "FunctionName"));
            arn_or(&mut t, "FunctionName", f);
        }
        "dynamodb" => {
            let table = str_param(p, "tableName").or_else(|| str_param(p, "TableName"));
            arn_or(&mut t, "TableName", table);
        }
        "kms" => {
            let key = str_param(p, "keyId").or_else(|| str_param(p, "KeyId"));
            match key {
                Some(k) if k.starts_with("alias/") => {
                    t.add("Alias", k.trim_start_matches("alias/"));
                }
                k => arn_or(&mut t, "KeyId", k),
            }
        }
        "sqs" => {
            if let Some(url) = str_param(p, "queueUrl").or_else(|| str_param(p, "QueueUrl")) {
                // https://sqs.us-east-1.amazonaws.com/111122223333/name
                let mut parts = url.rsplit('/');
                if let (Some(name), Some(account)) = (parts.next(), parts.next()) {
                    t.add("QueueName", name);
                    if account.bytes().all(|b| b.is_ascii_digit()) {
                        t.vars.insert("Account", vec![account.to_owned()]);
                    }
                }
            }
            if let Some(n) = str_param(p, "queueName") {
                t.add("QueueName", n);
            }
        }
        "ec2" => {
            for (param, var) in [
                ("instanceId", "InstanceId"),
                ("groupId", "SecurityGroupId"),
                ("snapshotId", "SnapshotId"),
                ("imageId", "ImageId"),
                ("volumeId", "VolumeId"),
            ] {
                if let Some(v) = str_param(p, param) {
                    t.add(var, v);
                }
            }
            if let Some(items) = p
                .get("instancesSet")
                .and_then(|s| s.get("items"))
                .and_then(Value::as_array)
            {
                for i in items {
                    if let Some(v) = str_param(i, "instanceId") {
                        t.add("InstanceId", v);
                    }
                }
            }
        }
        "sts" => {
            for param in ["roleArn", "RoleArn"] {
                if let Some(a) = str_param(p, param) {
                    if a.starts_with("arn:") {
                        t.direct_arns.push(a.to_owned());
                    }
                }
            }
        }
        "sns" => {
            for param in ["topicArn", "TopicArn", "targetArn"] {
                if let Some(a) = str_param(p, param) {
                    if a.starts_with("arn:") {
                        t.direct_arns.push(a.to_owned());
                    }
                }
            }
        }
        "secretsmanager" => {
            let id = str_param(p, "secretId").or_else(|| str_param(p, "SecretId"));
            // A name-only secret id: AWS appends six random characters.
            match id {
                Some(i) if !i.starts_with("arn:") => t.add("SecretId", &format!("{i}-??????")),
                i => arn_or(&mut t, "SecretId", i),
            }
            if let Some(list) = p.get("secretIdList").and_then(Value::as_array) {
                for i in list.iter().filter_map(Value::as_str) {
                    if i.starts_with("arn:") {
                        t.direct_arns.push(i.to_owned());
                    } else {
                        t.add("SecretId", &format!("{i}-??????"));
                    }
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
    let service = catalog.service(info.service_prefix());
    let templates: Vec<&str> = info
        .resource_types()
        .iter()
        .filter_map(|rt| service.and_then(|s| s.resource_type(rt.name())))
        .flat_map(|rt| rt.arn_templates())
        .collect();
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
