//! The request context: condition keys and their values, with keys nobody supplied kept apart from keys known
//! to be absent, so that a decision never silently rests on a value nobody gave.

use std::collections::HashMap;

/// The value of one context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key such as `aws:SourceIp`.
    Single(String),
    /// A multi-valued key such as `aws:TagKeys` (possibly empty).
    Multi(Vec<String>),
    /// Known to be absent from the request (`null` in the simulate input).
    Absent,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    Single(&'a str),
    Multi(&'a [String]),
    /// Known to be absent.
    Absent,
    /// Not supplied: evaluated as absent, and reported.
    Unknown,
}

/// Condition keys and values of one request; keys are case-insensitive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    values: HashMap<String, ContextValue>,
}

impl Context {
    pub fn new() -> Self {
        Context::default()
    }

    /// Sets a key, replacing any earlier value.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.values.insert(key.to_lowercase(), value);
    }

    /// Sets a key only when the caller did not give it.
    pub fn insert_default(&mut self, key: &str, value: ContextValue) {
        self.values.entry(key.to_lowercase()).or_insert(value);
    }

    pub fn get(&self, key: &str) -> Lookup<'_> {
        // Keys are stored lowercased; a key that is already lowercase ASCII is looked up without a copy.
        let found = if key.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            self.values.get(key)
        } else {
            self.values.get(&key.to_lowercase())
        };
        match found {
            Some(ContextValue::Single(s)) => Lookup::Single(s),
            Some(ContextValue::Multi(v)) => Lookup::Multi(v),
            Some(ContextValue::Absent) => Lookup::Absent,
            None => Lookup::Unknown,
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
