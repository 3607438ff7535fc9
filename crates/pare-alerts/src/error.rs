//! Why a policy file was refused: the file, the line and column, the field, and what is wrong.

/// A policy file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: `{field}`: {message}")]
pub struct PolicyError {
    /// The file name given to [`crate::parse_policies`].
    pub file: String,
    /// 1-based line (0 when the position is unknown).
    pub line: usize,
    /// 1-based column (0 when the position is unknown).
    pub column: usize,
    /// The field, as a path (`policy[2].match.source_ip`); `.` for the whole file.
    pub field: String,
    /// What is wrong, lowercase.
    pub message: String,
}
