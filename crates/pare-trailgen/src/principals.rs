//! The generated callers: IAM users, role sessions (workloads, Identity Center `AWSReservedSSO_*`
//! humans, roles from outside the organisation calling in), AWS services and the accounts' roots.

use serde_json::{Value, json};

use pare_genkit::Rng;

/// The accounts whose trails are written.
pub const ACCOUNTS: &[&str] = &["111122223333", "444455556666", "777788889999"];
/// Accounts outside the tree whose roles call into it.
pub const EXTERNAL: &[&str] = &["210987654321", "999900001111", "123456789012"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Role,
    Sso,
    External,
    Service,
}

#[derive(Debug)]
pub struct Principal {
    pub kind: Kind,
    pub account: &'static str,
    /// User name, role name or service host.
    pub name: String,
    pub path: &'static str,
    /// `AIDA…` / `AROA…`.
    pub id: String,
    pub key: String,
    /// Session base name (a human for SSO, a workload otherwise).
    pub session: String,
    /// Index of the role this one assumes in a chain (role kinds only).
    pub chain: Option<usize>,
}

const PERMISSION_SETS: &[&str] = &[
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "Billing",
    "DataEngineer",
    "Developer",
];
const WORKLOADS: &[&str] = &[
    "app",
    "etl",
    "deploy",
    "ci",
    "lambda-exec",
    "ecs-task",
    "batch",
    "monitoring",
    "backup",
    "terraform",
    "github-actions",
    "airflow",
    "api",
    "ingest",
    "reporting",
];
const SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "cloudformation.amazonaws.com",
    "config.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "autoscaling.amazonaws.com",
    "ssm.amazonaws.com",
    "backup.amazonaws.com",
    "guardduty.amazonaws.com",
    "access-analyzer.amazonaws.com",
];
const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "nia", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf", "zoe",
    "anaya", "mateo", "li", "sofia", "kenji", "amara", "lukas", "priya", "omar",
];

pub fn pool(n: usize, rng: &mut Rng) -> Vec<Principal> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // 40 % users, 30 % workload roles, 20 % SSO, 5 % external roles, 5 % services.
        let kind = match i % 20 {
            0..=7 => Kind::User,
            8..=13 => Kind::Role,
            14..=17 => Kind::Sso,
            18 => Kind::External,
            _ => Kind::Service,
        };
        let account = if kind == Kind::External {
            rng.pick(EXTERNAL).copied().unwrap_or("210987654321")
        } else {
            rng.pick(ACCOUNTS).copied().unwrap_or("111122223333")
        };
        let human = format!(
            "{}.{}{}",
            rng.pick(FIRST).copied().unwrap_or("user"),
            rng.pick(FIRST).copied().unwrap_or("user"),
            i
        );
        let (name, path, session) = match kind {
            Kind::User => (human.replace('.', "-"), "/", String::new()),
            Kind::Role => (
                format!(
                    "{}-{}-{i}",
                    rng.pick(WORKLOADS).copied().unwrap_or("app"),
                    rng.hex(4)
                ),
                "/",
                rng.pick(WORKLOADS).copied().unwrap_or("app").to_owned(),
            ),
            Kind::Sso => (
                format!(
                    "AWSReservedSSO_{}_{}",
                    rng.pick(PERMISSION_SETS)
                        .copied()
                        .unwrap_or("ReadOnlyAccess"),
                    rng.hex(16)
                ),
                "/aws-reserved/sso.amazonaws.com/",
                format!("{human}@example.com"),
            ),
            Kind::External => (
                format!(
                    "{}-cross-account-{i}",
                    rng.pick(WORKLOADS).copied().unwrap_or("audit")
                ),
                "/",
                format!("{}-{i}", rng.pick(WORKLOADS).copied().unwrap_or("audit")),
            ),
            Kind::Service => (
                rng.pick(SERVICES)
                    .copied()
                    .unwrap_or("ec2.amazonaws.com")
                    .to_owned(),
                "/",
                String::new(),
            ),
        };
        let id = match kind {
            Kind::User => format!("AIDA{}", rng.upper(17)),
            _ => format!("AROA{}", rng.upper(17)),
        };
        let key = format!("AKIA{}", rng.upper(16));
        out.push(Principal {
            kind,
            account,
            name,
            path,
            id,
            key,
            session,
            chain: None,
        });
    }
    // One workload role in four assumes another role (same or other account): role chaining.
    let roles: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.kind, Kind::Role | Kind::External))
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in roles.iter().enumerate() {
        if k % 4 == 0
            && let Some(&j) = rng.pick(&roles)
            && j != i
            && let Some(p) = out.get_mut(i)
        {
            p.chain = Some(j);
        }
    }
    out
}

impl Principal {
    pub fn role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account, self.path, self.name
        )
    }

    /// The session name of one event: humans keep theirs, workloads get one of a few per role.
    pub fn session_name(&self, rng: &mut Rng) -> String {
        match self.kind {
            Kind::Role | Kind::External => match rng.below(4) {
                0 => format!("i-0{}", rng.hex(16)),
                1 => format!("botocore-session-{}", 1_700_000_000 + rng.below(40)),
                _ => self.session.clone(),
            },
            _ => self.session.clone(),
        }
    }

    /// The `userIdentity` of one event by this principal.
    pub fn identity(&self, session: &str, created: &str, rng: &mut Rng) -> Value {
        match self.kind {
            Kind::User => json!({
                "type": "IAMUser",
                "principalId": self.id,
                "arn": format!("arn:aws:iam::{}:user/{}", self.account, self.name),
                "accountId": self.account,
                "accessKeyId": if rng.chance(0.7) { self.key.clone() } else { format!("ASIA{}", rng.upper(16)) },
                "userName": self.name,
            }),
            Kind::Service => json!({
                "type": "AWSService",
                "invokedBy": self.name,
            }),
            Kind::Role | Kind::Sso | Kind::External => json!({
                "type": "AssumedRole",
                "principalId": format!("{}:{session}", self.id),
                "arn": format!("arn:aws:sts::{}:assumed-role/{}/{session}", self.account, self.name),
                "accountId": self.account,
                "accessKeyId": format!("ASIA{}", rng.upper(16)),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": self.id,
                        "arn": self.role_arn(),
                        "accountId": self.account,
                        "userName": self.name,
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": created,
                        "mfaAuthenticated": "false",
                    },
                },
            }),
        }
    }
}

pub fn root(account: &str) -> Value {
    json!({
        "type": "Root",
        "principalId": account,
        "arn": format!("arn:aws:iam::{account}:root"),
        "accountId": account,
        "accessKeyId": "",
    })
}
