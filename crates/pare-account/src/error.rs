//! Input errors (fatal for one file) and problems (warnings kept with the model), each naming the file and place.

use std::fmt;

/// A file that cannot be read into the model. `place` is a JSON pointer, `line N` or `line N column C`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{file}` at `{place}`: {message}")]
pub struct InputError {
    pub file: String,
    pub place: String,
    pub message: String,
}

impl InputError {
    pub fn new(file: &str, place: impl Into<String>, message: impl Into<String>) -> Self {
        let place = place.into();
        InputError {
            file: file.to_owned(),
            place: if place.is_empty() {
                "/".to_owned()
            } else {
                place
            },
            message: message.into(),
        }
    }
}

/// Something wrong or incomplete in the input that does not stop the model from being built.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: String,
    pub place: String,
    pub message: String,
}

impl Problem {
    pub fn new(file: &str, place: impl Into<String>, message: impl Into<String>) -> Self {
        let place = place.into();
        Problem {
            file: file.to_owned(),
            place: if place.is_empty() {
                "/".to_owned()
            } else {
                place
            },
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` at `{}`: {}", self.file, self.place, self.message)
    }
}
