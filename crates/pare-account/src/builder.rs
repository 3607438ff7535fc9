//! Merges validated inputs (authorization-details pages, the credential report, organization policies, known
//! accounts) into one cross-referenced [`Account`].

use std::collections::{BTreeMap, HashMap};

use crate::authz::{
    AuthzPage, PolicyRef, RawIdentity, is_aws_managed, parse_authz, parse_managed_policy_library,
};
use crate::credential_report::{CredentialReport, parse_credential_report};
use crate::error::{InputError, Problem};
use crate::model::{
    Account, Group, GroupId, InstanceProfile, KnownAccount, ManagedPolicy, PolicyId, Principal,
    PrincipalId, PrincipalKind, RoleDetails,
};
use crate::org::{OrgPolicies, parse_known_accounts, parse_org_policies};

/// A named input file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Everything an account is built from; kept whole so a stored snapshot can rebuild its model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSources {
    pub authz: Vec<SourceFile>,
    pub credential_report: Option<SourceFile>,
    pub org_policies: Option<SourceFile>,
    pub known_accounts: Option<SourceFile>,
    /// Managed policies to fill in those the dumps reference without content (see
    /// [`crate::authz::parse_managed_policy_library`]).
    pub managed_policies: Option<SourceFile>,
}

/// Parses and cross-references every source. The first bad file is the error, naming the file and place.
pub fn load_account(sources: &AccountSources) -> Result<Account, InputError> {
    let mut builder = AccountBuilder::default();
    for f in &sources.authz {
        builder.add_authz_page(parse_authz(&f.name, &f.text)?);
    }
    if let Some(f) = &sources.credential_report {
        builder.credential_report(&f.name, parse_credential_report(&f.name, &f.text)?);
    }
    if let Some(f) = &sources.org_policies {
        let mut problems = Vec::new();
        let org = parse_org_policies(&f.name, &f.text, &mut problems)?;
        builder.org_policies(org, problems);
    }
    if let Some(f) = &sources.known_accounts {
        builder.known_accounts(parse_known_accounts(&f.name, &f.text)?);
    }
    if let Some(f) = &sources.managed_policies {
        builder.managed_policy_library(parse_managed_policy_library(&f.name, &f.text)?);
    }
    Ok(builder.build())
}

/// Collects inputs, then [`AccountBuilder::build`]s the model.
#[derive(Debug, Default)]
pub struct AccountBuilder {
    pages: Vec<AuthzPage>,
    report: Option<(String, CredentialReport)>,
    org: OrgPolicies,
    known: Vec<KnownAccount>,
    library: HashMap<String, ManagedPolicy>,
    problems: Vec<Problem>,
}

impl AccountBuilder {
    pub fn add_authz_page(&mut self, page: AuthzPage) {
        self.pages.push(page);
    }
    pub fn credential_report(&mut self, file: &str, report: CredentialReport) {
        self.report = Some((file.to_owned(), report));
    }
    pub fn org_policies(&mut self, org: OrgPolicies, problems: Vec<Problem>) {
        self.org = org;
        self.problems.extend(problems);
    }
    pub fn known_accounts(&mut self, known: Vec<KnownAccount>) {
        self.known = known;
    }
    /// Managed policies to use for references the dumps make without including the content.
    pub fn managed_policy_library(&mut self, policies: Vec<ManagedPolicy>) {
        self.library
            .extend(policies.into_iter().map(|p| (p.arn.clone(), p)));
    }

    /// Cross-references the pages: policies by ARN, groups by name, instance profiles by ARN; merges the
    /// credential report into users and root; every dangling reference or duplicate becomes a problem.
    pub fn build(self) -> Account {
        let AccountBuilder {
            pages,
            report,
            org,
            known,
            library,
            problems,
        } = self;
        let mut acc = Account {
            library,
            partition: "aws".to_owned(),
            org_policies: org,
            known_accounts: known,
            problems,
            ..Account::default()
        };
        for page in &pages {
            acc.problems.extend(page.problems.iter().cloned());
        }

        // Managed policies (first occurrence wins).
        for page in &pages {
            for (ptr, p) in &page.policies {
                if let Some(&existing) = acc.policy_by_arn.get(&p.arn) {
                    if acc.policies.get(existing.index()) != Some(p) {
                        acc.problems.push(Problem::new(
                            &page.file,
                            ptr,
                            format!(
                                "policy `{}` appears again with other content; the first is kept",
                                p.arn
                            ),
                        ));
                    }
                    continue;
                }
                acc.policy_by_arn
                    .insert(p.arn.clone(), PolicyId(acc.policies.len() as u32));
                acc.policies.push(p.clone());
            }
        }

        // Account ID and partition, from the first principal or group ARN.
        let first_arn = pages.iter().find_map(|pg| {
            pg.users
                .first()
                .map(|u| u.identity.arn.clone())
                .or_else(|| pg.roles.first().map(|r| r.identity.arn.clone()))
                .or_else(|| pg.groups.first().map(|g| g.arn.clone()))
        });
        if let Some(arn) = first_arn {
            let parts: Vec<&str> = arn.split(':').collect();
            if let Some(p) = parts.get(1) {
                acc.partition = (*p).to_owned();
            }
            acc.account_id = parts
                .get(4)
                .map(|s| (*s).to_owned())
                .filter(|s| !s.is_empty());
        }

        // Groups.
        let mut group_by_name: HashMap<String, GroupId> = HashMap::new();
        for page in &pages {
            for g in &page.groups {
                if acc.group_by_arn.contains_key(&g.arn) {
                    acc.problems
                        .push(duplicate(&page.file, &g.pointer, "group", &g.arn));
                    continue;
                }
                let id = GroupId(acc.groups.len() as u32);
                let attached = resolve_refs(&mut acc, &page.file, &g.attached);
                acc.group_by_arn.insert(g.arn.clone(), id);
                group_by_name.insert(g.name.to_ascii_lowercase(), id);
                acc.groups.push(Group {
                    arn: g.arn.clone(),
                    name: g.name.clone(),
                    group_id: g.unique_id.clone(),
                    path: g.path.clone(),
                    create_date: g.create_date,
                    attached,
                    inline: g.inline.clone(),
                    members: Vec::new(),
                });
            }
        }

        // Users and roles.
        let mut profiles: BTreeMap<String, (InstanceProfile, Vec<String>)> = BTreeMap::new();
        for page in &pages {
            for u in &page.users {
                let Some(id) =
                    add_principal(&mut acc, &page.file, &u.identity, PrincipalKind::User, None)
                else {
                    continue;
                };
                for (i, gname) in u.group_names.iter().enumerate() {
                    match group_by_name.get(&gname.to_ascii_lowercase()) {
                        Some(&gid) => {
                            if let Some(p) = acc.principals.get_mut(id.index()) {
                                p.groups.push(gid);
                            }
                            if let Some(g) = acc.groups.get_mut(gid.index()) {
                                g.members.push(id);
                            }
                        }
                        None => acc.problems.push(Problem::new(
                            &page.file,
                            format!("{}/GroupList/{i}", u.identity.pointer),
                            format!(
                                "user `{}` is in group `{gname}`, which is not in the input",
                                u.identity.name
                            ),
                        )),
                    }
                }
            }
            for r in &page.roles {
                let details = RoleDetails {
                    trust_policy: r.trust_policy.clone(),
                    last_used: r.last_used.clone(),
                    instance_profiles: Vec::new(),
                    service_linked: r
                        .identity
                        .path
                        .as_deref()
                        .is_some_and(|p| p.starts_with("/aws-service-role/"))
                        || r.identity.name.starts_with("AWSServiceRoleFor"),
                    identity_center: r.identity.name.starts_with("AWSReservedSSO_"),
                    max_session_duration: r.max_session_duration,
                };
                if add_principal(
                    &mut acc,
                    &page.file,
                    &r.identity,
                    PrincipalKind::Role,
                    Some(details),
                )
                .is_none()
                {
                    continue;
                }
                for ip in &r.instance_profiles {
                    profiles.entry(ip.arn.clone()).or_insert_with(|| {
                        (
                            InstanceProfile {
                                arn: ip.arn.clone(),
                                name: ip.name.clone(),
                                instance_profile_id: ip.id.clone(),
                                path: ip.path.clone(),
                                create_date: ip.create_date,
                                roles: Vec::new(),
                            },
                            ip.role_arns.clone(),
                        )
                    });
                }
            }
        }
        for (_, (mut profile, role_arns)) in profiles {
            let index = acc.instance_profiles.len();
            for arn in role_arns {
                if let Some(&rid) = acc.by_arn.get(&arn) {
                    profile.roles.push(rid);
                    if let Some(details) = acc
                        .principals
                        .get_mut(rid.index())
                        .and_then(|p| p.role.as_mut())
                    {
                        details.instance_profiles.push(index);
                    }
                }
            }
            acc.instance_profiles.push(profile);
        }

        // The root user exists in every account.
        if let Some(account_id) = acc.account_id.clone() {
            let arn = format!("arn:{}:iam::{account_id}:root", acc.partition);
            let id = PrincipalId(acc.principals.len() as u32);
            acc.by_arn.insert(arn.clone(), id);
            acc.principals.push(Principal {
                kind: PrincipalKind::Root,
                arn,
                name: crate::credential_report::ROOT_USER.to_owned(),
                unique_id: None,
                path: None,
                create_date: None,
                groups: Vec::new(),
                attached: Vec::new(),
                inline: Vec::new(),
                permissions_boundary: None,
                tags: Vec::new(),
                role: None,
                credentials: None,
            });
        }

        // The credential report.
        if let Some((file, report)) = report {
            acc.credential_report_time = report.generated_time;
            for row in report.rows {
                let target = if row.is_root {
                    acc.principals
                        .iter()
                        .position(|p| p.kind == PrincipalKind::Root)
                } else {
                    acc.principal_by_arn(&row.arn).map(PrincipalId::index)
                };
                match target.and_then(|i| acc.principals.get_mut(i)) {
                    Some(p) => {
                        if p.kind == PrincipalKind::Root {
                            p.create_date = row.user_creation_time.value().copied();
                        }
                        p.credentials = Some(row);
                    }
                    None => {
                        acc.problems.push(Problem::new(
                            &file,
                            format!("line {}", row.line),
                            format!("user `{}` is in the credential report but not in the authorization details", row.user),
                        ));
                        acc.orphan_credentials.push(row);
                    }
                }
            }
        }
        acc
    }
}

fn duplicate(file: &str, pointer: &str, what: &str, arn: &str) -> Problem {
    Problem::new(
        file,
        pointer,
        format!("{what} `{arn}` appears more than once; the first is kept"),
    )
}

fn add_principal(
    acc: &mut Account,
    file: &str,
    raw: &RawIdentity,
    kind: PrincipalKind,
    role: Option<RoleDetails>,
) -> Option<PrincipalId> {
    if acc.by_arn.contains_key(&raw.arn) {
        acc.problems
            .push(duplicate(file, &raw.pointer, kind.as_str(), &raw.arn));
        return None;
    }
    if let Some(account_id) = &acc.account_id
        && raw.arn.split(':').nth(4) != Some(account_id.as_str())
    {
        acc.problems.push(Problem::new(
            file,
            format!("{}/Arn", raw.pointer),
            format!("`{}` is not in account `{account_id}`", raw.arn),
        ));
    }
    let id = PrincipalId(acc.principals.len() as u32);
    let attached = resolve_refs(acc, file, &raw.attached);
    let permissions_boundary = raw.boundary.as_ref().map(|b| resolve_ref(acc, file, b));
    acc.by_arn.insert(raw.arn.clone(), id);
    acc.by_arn.entry(raw.arn.to_ascii_lowercase()).or_insert(id);
    acc.principals.push(Principal {
        kind,
        arn: raw.arn.clone(),
        name: raw.name.clone(),
        unique_id: raw.unique_id.clone(),
        path: raw.path.clone(),
        create_date: raw.create_date,
        groups: Vec::new(),
        attached,
        inline: raw.inline.clone(),
        permissions_boundary,
        tags: raw.tags.clone(),
        role,
        credentials: None,
    });
    Some(id)
}

fn resolve_refs(acc: &mut Account, file: &str, refs: &[PolicyRef]) -> Vec<PolicyId> {
    refs.iter().map(|r| resolve_ref(acc, file, r)).collect()
}

/// The policy a reference names; a policy not in the input is added without content, and said so once.
fn resolve_ref(acc: &mut Account, file: &str, r: &PolicyRef) -> PolicyId {
    if let Some(&id) = acc.policy_by_arn.get(&r.arn) {
        return id;
    }
    let id = PolicyId(acc.policies.len() as u32);
    if let Some(p) = acc.library.get(&r.arn).cloned() {
        acc.policy_by_arn.insert(r.arn.clone(), id);
        acc.policies.push(p);
        return id;
    }
    acc.problems.push(Problem::new(
        file,
        r.pointer.clone(),
        format!(
            "policy `{}` is attached but its document is not in the input; it grants nothing in this model",
            r.arn
        ),
    ));
    let name = r
        .name
        .clone()
        .unwrap_or_else(|| r.arn.rsplit('/').next().unwrap_or(&r.arn).to_owned());
    acc.policy_by_arn.insert(r.arn.clone(), id);
    acc.policies.push(ManagedPolicy {
        aws_managed: is_aws_managed(&r.arn),
        arn: r.arn.clone(),
        name,
        policy_id: None,
        path: None,
        default_version_id: None,
        versions: Vec::new(),
        attachment_count: None,
        permissions_boundary_usage_count: None,
        is_attachable: None,
        create_date: None,
        update_date: None,
        from_library: false,
    });
    id
}
