//! The catalog's data model: services, actions, resource types, condition keys.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

/// A dense index of an action in one [`crate::Catalog`].
///
/// Actions are numbered `0..catalog.action_count()` in the order of
/// (service prefix, action name), compared case-insensitively, so ids are
/// only meaningful together with the catalog that produced them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub(crate) u32);

impl ActionId {
    /// The position of the action in the catalog, `0..action_count()`.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The access level AWS assigns to an action in the Service Authorization
/// Reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// Lists resources ("List").
    List,
    /// Reads resources or their metadata ("Read").
    Read,
    /// Creates, changes or deletes resources ("Write").
    Write,
    /// Changes who may do what: policies, grants, ACLs ("Permissions management").
    PermissionsManagement,
    /// Only adds or removes tags ("Tagging").
    Tagging,
}

impl AccessLevel {
    /// All access levels, in declaration order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// AWS's wording: `"List"`, `"Read"`, `"Write"`, `"Permissions management"`, `"Tagging"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// The compact code used in the artifact.
    pub(crate) fn code(self) -> u8 {
        match self {
            AccessLevel::List => 0,
            AccessLevel::Read => 1,
            AccessLevel::Write => 2,
            AccessLevel::PermissionsManagement => 3,
            AccessLevel::Tagging => 4,
        }
    }

    /// The access level for an artifact code.
    pub(crate) fn from_code(code: u8) -> Option<AccessLevel> {
        AccessLevel::ALL.get(usize::from(code)).copied()
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`AccessLevel`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access level {0:?}")]
pub struct UnknownAccessLevel(pub String);

impl FromStr for AccessLevel {
    type Err = UnknownAccessLevel;

    /// Parses AWS's wording case-insensitively (`"permissions management"`,
    /// also `"PermissionsManagement"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        match norm.as_str() {
            "list" => Ok(AccessLevel::List),
            "read" => Ok(AccessLevel::Read),
            "write" => Ok(AccessLevel::Write),
            "permissionsmanagement" | "permissionmanagement" => {
                Ok(AccessLevel::PermissionsManagement)
            }
            "tagging" => Ok(AccessLevel::Tagging),
            _ => Err(UnknownAccessLevel(s.to_owned())),
        }
    }
}

/// A condition key a service defines, with its value type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionKey {
    pub(crate) name: Arc<str>,
    pub(crate) value_type: Arc<str>,
}

impl ConditionKey {
    /// The key as AWS writes it, e.g. `"s3:prefix"` or `"aws:RequestTag/${TagKey}"`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value type: `String`, `ArrayOfString`, `ARN`, `ArrayOfARN`,
    /// `Bool`, `ArrayOfBool`, `Date`, `IPAddress`, `Numeric`, ...
    #[must_use]
    pub fn value_type(&self) -> &str {
        &self.value_type
    }
}

/// A resource type a service defines, e.g. s3's `object`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub(crate) name: Arc<str>,
    pub(crate) arn_templates: Arc<[Arc<str>]>,
    pub(crate) condition_keys: Vec<Arc<str>>,
}

impl ResourceType {
    /// The resource type's name, e.g. `"object"`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first ARN template, e.g. `"arn:${Partition}:s3:::${BucketName}/${ObjectName}"`.
    #[must_use]
    pub fn arn_template(&self) -> Option<&str> {
        self.arn_templates.first().map(|s| &**s)
    }

    /// All ARN templates (AWS's service reference allows several).
    pub fn arn_templates(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.arn_templates.iter().map(|s| &**s)
    }

    /// Condition keys that apply to resources of this type.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.condition_keys.iter().map(|s| &**s)
    }
}

/// A resource type an action can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResourceType {
    pub(crate) name: Arc<str>,
    pub(crate) required: bool,
    pub(crate) arn_templates: Arc<[Arc<str>]>,
    pub(crate) condition_keys: Vec<Arc<str>>,
}

impl ActionResourceType {
    /// The resource type's name, e.g. `"object"`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether AWS marks the resource type as required for the action.
    #[must_use]
    pub fn required(&self) -> bool {
        self.required
    }

    /// The first ARN template of the resource type in its service, if the
    /// service defines it.
    #[must_use]
    pub fn arn_template(&self) -> Option<&str> {
        self.arn_templates.first().map(|s| &**s)
    }

    /// All ARN templates of the resource type.
    pub fn arn_templates(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.arn_templates.iter().map(|s| &**s)
    }

    /// Condition keys that apply when the action acts on this resource type.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.condition_keys.iter().map(|s| &**s)
    }
}

/// One IAM action, e.g. `s3:GetObject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub(crate) id: ActionId,
    pub(crate) service_prefix: Arc<str>,
    pub(crate) name: Arc<str>,
    pub(crate) description: Arc<str>,
    pub(crate) access_level: AccessLevel,
    pub(crate) resource_types: Vec<ActionResourceType>,
    pub(crate) condition_keys: Vec<Arc<str>>,
    pub(crate) dependent_actions: Vec<Arc<str>>,
}

impl Action {
    /// The action's id in its catalog.
    #[must_use]
    pub fn id(&self) -> ActionId {
        self.id
    }

    /// The service prefix, e.g. `"s3"`.
    #[must_use]
    pub fn service_prefix(&self) -> &str {
        &self.service_prefix
    }

    /// The action name without the prefix, e.g. `"GetObject"`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The canonical full name, e.g. `"s3:GetObject"`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service_prefix, self.name)
    }

    /// AWS's description, e.g. "Grants permission to retrieve objects from
    /// Amazon S3". Empty when the source had none.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The action's access level.
    #[must_use]
    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// The resource types the action can act on. Empty for actions that
    /// only support `"Resource": "*"`.
    #[must_use]
    pub fn resource_types(&self) -> &[ActionResourceType] {
        &self.resource_types
    }

    /// Condition keys of the action itself (resource-type condition keys are
    /// on [`ActionResourceType::condition_keys`]).
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.condition_keys.iter().map(|s| &**s)
    }

    /// Other actions a caller also needs, e.g. `"iam:PassRole"`.
    pub fn dependent_actions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.dependent_actions.iter().map(|s| &**s)
    }
}

/// One AWS service, e.g. `s3` ("Amazon S3").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub(crate) prefix: Arc<str>,
    pub(crate) name: Arc<str>,
    pub(crate) rcp_supported: bool,
    pub(crate) actions: Range<u32>,
    pub(crate) resource_types: Vec<ResourceType>,
    pub(crate) condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// The service prefix used in actions, e.g. `"s3"`.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The human name, e.g. `"Amazon S3"` (the prefix when the source had none).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether resource control policies (RCPs) apply to the service.
    #[must_use]
    pub fn rcp_supported(&self) -> bool {
        self.rcp_supported
    }

    /// The ids of the service's actions: a contiguous range, in name order.
    pub fn action_ids(
        &self,
    ) -> impl ExactSizeIterator<Item = ActionId> + DoubleEndedIterator + Clone + use<> {
        self.actions.clone().map(ActionId)
    }

    /// The number of actions in the service.
    #[must_use]
    pub fn action_count(&self) -> usize {
        self.actions.len()
    }

    /// The index range of the service's actions, `start..end` over
    /// [`ActionId::index`].
    #[must_use]
    pub fn action_range(&self) -> Range<usize> {
        self.actions.start as usize..self.actions.end as usize
    }

    /// The resource types the service defines.
    #[must_use]
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type with this name, case-insensitive.
    #[must_use]
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|rt| crate::text::eq_ci(&rt.name, name))
    }

    /// The condition keys the service defines, with their types.
    #[must_use]
    pub fn condition_keys(&self) -> &[ConditionKey] {
        &self.condition_keys
    }
}
