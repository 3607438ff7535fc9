//! Action-list compression: `s3:Get*` replaces a list only when every catalog action it matches is in the
//! list, so a compression never grants anything the list did not.

use pare_catalog::{ActionSet, Catalog};

/// Patterns for `actions` (all of one service or several): `service:*` when the whole service is there,
/// `service:Prefix*` (at a word boundary of the action names) when every action with that prefix is there,
/// the action's own name otherwise. Sorted; `expand` of the result is exactly `actions`.
pub fn compress(actions: &ActionSet, catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let mut services: Vec<&str> = Vec::new();
    for id in actions.iter() {
        if let Some(svc) = catalog.service_of(id) {
            if services.last() != Some(&svc.prefix()) {
                services.push(svc.prefix());
            }
        }
    }
    services.dedup();
    for svc in services {
        let mut in_service = catalog.expand(&format!("{svc}:*"));
        let whole = in_service.clone();
        in_service.intersect_with(actions);
        if in_service == whole && whole.len() > 1 {
            push_if_exact(&mut out, format!("{svc}:*"), &whole, catalog);
            continue;
        }
        compress_service(svc, &in_service, catalog, &mut out);
    }
    out.sort_by_key(|p| p.to_ascii_lowercase());
    out.dedup();
    out
}

fn compress_service(svc: &str, used: &ActionSet, catalog: &Catalog, out: &mut Vec<String>) {
    let names: Vec<String> = used
        .iter()
        .filter_map(|id| catalog.action_info(id).map(|a| a.name().to_owned()))
        .collect();
    let mut prefixes: Vec<String> = names.iter().flat_map(|n| word_prefixes(n)).collect();
    prefixes.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    prefixes.dedup();
    let mut covered = ActionSet::empty(catalog);
    for p in prefixes {
        let pattern = format!("{svc}:{p}*");
        let matched = catalog.expand(&pattern);
        if matched.len() < 2 || !matched.is_subset(used) || matched.is_subset(&covered) {
            continue;
        }
        if matched.intersects(&covered) {
            continue;
        }
        covered.union_with(&matched);
        out.push(pattern);
    }
    for id in used.iter() {
        if !covered.contains(id) {
            out.push(catalog.action_name(id));
        }
    }
}

fn push_if_exact(out: &mut Vec<String>, pattern: String, expected: &ActionSet, catalog: &Catalog) {
    if &catalog.expand(&pattern) == expected {
        out.push(pattern);
    } else {
        out.extend(expected.iter().map(|id| catalog.action_name(id)));
    }
}

/// `GetBucketPolicy` → `Get`, `GetBucket` (proper prefixes ending before an upper-case letter).
fn word_prefixes(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            if let Some(p) = name.get(..i) {
                out.push(p.to_owned());
            }
        }
    }
    out
}

/// Every action the patterns match.
pub fn expand_all(patterns: &[String], catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for p in patterns {
        set.union_with(&catalog.expand(p));
    }
    set
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;

    fn set(catalog: &Catalog, names: &[&str]) -> ActionSet {
        let mut s = ActionSet::empty(catalog);
        for n in names {
            s.insert(catalog.action(n).unwrap());
        }
        s
    }

    #[test]
    fn compresses_only_complete_groups() {
        let catalog = Catalog::bundled().unwrap();
        let mut all_get_bucket: Vec<String> = catalog
            .expand("s3:GetBucket*")
            .iter()
            .map(|id| catalog.action_name(id))
            .collect();
        all_get_bucket.push("s3:PutObject".into());
        let refs: Vec<&str> = all_get_bucket.iter().map(String::as_str).collect();
        let used = set(catalog, &refs);
        let patterns = compress(&used, catalog);
        assert!(
            patterns.contains(&"s3:GetBucket*".to_owned()),
            "{patterns:?}"
        );
        assert!(patterns.contains(&"s3:PutObject".to_owned()));
        assert_eq!(expand_all(&patterns, catalog), used);
    }

    #[test]
    fn a_partial_group_stays_a_list() {
        let catalog = Catalog::bundled().unwrap();
        let used = set(
            catalog,
            &["s3:GetObject", "s3:GetObjectAcl", "iam:ListRoles"],
        );
        let patterns = compress(&used, catalog);
        assert_eq!(
            patterns,
            ["iam:ListRoles", "s3:GetObject", "s3:GetObjectAcl"]
        );
    }

    #[test]
    fn a_whole_service_is_a_star() {
        let catalog = Catalog::bundled().unwrap();
        let used = catalog.expand("sqs:*");
        assert_eq!(compress(&used, catalog), ["sqs:*"]);
    }
}
