//! Walking raw JSON with a JSON pointer at hand, so every input error names the file and the element at fault.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::InputError;

/// A JSON value and where it is: the file name and its JSON pointer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'a> {
    pub file: &'a str,
    pub value: &'a Value,
    pub pointer: &'a str,
}

pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn child_pointer(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape(key))
}

impl<'a> At<'a> {
    pub fn error(&self, message: impl Into<String>) -> InputError {
        InputError::new(self.file, self.pointer, message)
    }

    pub fn error_at(&self, key: &str, message: impl Into<String>) -> InputError {
        InputError::new(self.file, child_pointer(self.pointer, key), message)
    }

    pub fn object(&self) -> Result<&'a serde_json::Map<String, Value>, InputError> {
        self.value
            .as_object()
            .ok_or_else(|| self.error(format!("expected an object, found {}", kind(self.value))))
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    /// A required string field.
    pub fn str(&self, key: &str) -> Result<&'a str, InputError> {
        match self.value.get(key) {
            Some(Value::String(s)) => Ok(s),
            None | Some(Value::Null) => Err(self.error(format!("missing `{key}`"))),
            Some(other) => Err(self.error_at(
                key,
                format!("`{key}` must be a string, found {}", kind(other)),
            )),
        }
    }

    /// An optional string field.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, InputError> {
        match self.value.get(key) {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) => Ok(None),
            Some(other) => Err(self.error_at(
                key,
                format!("`{key}` must be a string, found {}", kind(other)),
            )),
        }
    }

    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, InputError> {
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.error_at(
                    key,
                    format!("`{key}` must be a whole number, found {}", kind(v)),
                )
            }),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, InputError> {
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.error_at(
                key,
                format!("`{key}` must be true or false, found {}", kind(v)),
            )),
        }
    }

    /// An optional timestamp (`2014-07-30T17:09:20Z`, `2019-12-18 19:10:08+00:00`).
    pub fn opt_time(&self, key: &str) -> Result<Option<DateTime<Utc>>, InputError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => parse_time(s)
                .map(Some)
                .ok_or_else(|| self.error_at(key, format!("`{s}` is not a timestamp"))),
        }
    }

    /// The elements of an optional list field with their pointers. A single object where a list belongs (a quirk
    /// of the AWS CLI documentation example) counts as a one-element list.
    pub fn list(&self, key: &str) -> Result<Vec<(String, &'a Value)>, InputError> {
        let base = child_pointer(self.pointer, key);
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{base}/{i}"), v))
                .collect()),
            Some(v @ Value::Object(_)) => Ok(vec![(base, v)]),
            Some(other) => Err(self.error_at(
                key,
                format!("`{key}` must be a list, found {}", kind(other)),
            )),
        }
    }

    /// A list of strings.
    pub fn str_list(&self, key: &str) -> Result<Vec<&'a str>, InputError> {
        let base = child_pointer(self.pointer, key);
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.as_str()]),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().ok_or_else(|| {
                        InputError::new(
                            self.file,
                            format!("{base}/{i}"),
                            format!("expected a string, found {}", kind(v)),
                        )
                    })
                })
                .collect(),
            Some(other) => Err(self.error_at(
                key,
                format!("`{key}` must be a list of strings, found {}", kind(other)),
            )),
        }
    }
}

/// The JSON type of a value, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses the timestamp forms AWS tools print: RFC 3339 with `T` or a space, with `Z` or an offset.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let with_t = s.replacen(' ', "T", 1);
    DateTime::parse_from_rfc3339(&with_t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses JSON text; a syntax error names the file, line and column.
pub(crate) fn parse_json(file: &str, text: &str) -> Result<Value, InputError> {
    serde_json::from_str(text).map_err(|e| {
        InputError::new(
            file,
            format!("line {} column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })
}
