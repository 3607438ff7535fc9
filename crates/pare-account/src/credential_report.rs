//! The IAM credential report (`aws iam generate-credential-report` / `get-credential-report`): 22 CSV columns,
//! one row per user plus `<root_account>`, with `N/A`, `not_supported` and `no_information` markers.

use base64::Engine;
use chrono::{DateTime, Utc};

use crate::error::InputError;
use crate::json::parse_time;

/// The 22 columns, in AWS's order.
pub const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// The name the report gives the account root user.
pub const ROOT_USER: &str = "<root_account>";

/// A report cell: a value, or one of AWS's markers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field<T> {
    Value(T),
    /// `N/A`: there is nothing to report (no password, no key, never used).
    NotApplicable,
    /// `not_supported`: the column does not apply to this row (root password fields).
    NotSupported,
    /// `no_information`: IAM has no record (e.g. password last used before October 2014, or never).
    NoInformation,
}

impl<T> Field<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// One access key's columns.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessKeyColumns {
    pub active: bool,
    pub last_rotated: Field<DateTime<Utc>>,
    pub last_used_date: Field<DateTime<Utc>>,
    pub last_used_region: Field<String>,
    pub last_used_service: Field<String>,
}

/// One signing certificate's columns.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertificateColumns {
    pub active: bool,
    pub last_rotated: Field<DateTime<Utc>>,
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CredentialRow {
    /// The CSV line the row starts on (1 = the header).
    pub line: usize,
    pub user: String,
    pub arn: String,
    pub is_root: bool,
    pub user_creation_time: Field<DateTime<Utc>>,
    pub password_enabled: Field<bool>,
    pub password_last_used: Field<DateTime<Utc>>,
    pub password_last_changed: Field<DateTime<Utc>>,
    pub password_next_rotation: Field<DateTime<Utc>>,
    pub mfa_active: bool,
    pub access_keys: [AccessKeyColumns; 2],
    pub certificates: [CertificateColumns; 2],
}

impl CredentialRow {
    /// Whether the row has a console password (root always can sign in with one).
    pub fn has_password(&self) -> bool {
        self.is_root || matches!(self.password_enabled, Field::Value(true))
    }
    pub fn active_access_keys(&self) -> impl Iterator<Item = &AccessKeyColumns> + '_ {
        self.access_keys.iter().filter(|k| k.active)
    }
}

/// The parsed report.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CredentialReport {
    pub rows: Vec<CredentialRow>,
    /// `GeneratedTime` when the input was the `get-credential-report` JSON.
    pub generated_time: Option<DateTime<Utc>>,
}

impl CredentialReport {
    pub fn root(&self) -> Option<&CredentialRow> {
        self.rows.iter().find(|r| r.is_root)
    }
}

/// Parses a credential report: the CSV itself, or the `aws iam get-credential-report` JSON whose `Content` is the
/// base64 CSV.
pub fn parse_credential_report(file: &str, text: &str) -> Result<CredentialReport, InputError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let value = crate::json::parse_json(file, trimmed)?;
        let at = crate::json::At {
            file,
            value: &value,
            pointer: "",
        };
        let content = at.str("Content")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|e| at.error_at("Content", format!("`Content` is not base64: {e}")))?;
        let csv = String::from_utf8(bytes)
            .map_err(|_| at.error_at("Content", "`Content` is not UTF-8 text"))?;
        let mut report = parse_csv_report(file, &csv)?;
        report.generated_time = at.opt_time("GeneratedTime")?;
        return Ok(report);
    }
    parse_csv_report(file, trimmed)
}

fn parse_csv_report(file: &str, text: &str) -> Result<CredentialReport, InputError> {
    let records = split_csv(file, text)?;
    let mut iter = records.into_iter();
    let Some((_, header)) = iter.next() else {
        return Err(InputError::new(
            file,
            "line 1",
            "the credential report is empty",
        ));
    };
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    if header != COLUMNS {
        let missing: Vec<&str> = COLUMNS
            .iter()
            .copied()
            .filter(|c| !header.contains(c))
            .collect();
        let extra: Vec<&str> = header
            .iter()
            .copied()
            .filter(|c| !COLUMNS.contains(c))
            .collect();
        let detail = if missing.is_empty() && extra.is_empty() {
            "the columns are out of order".to_owned()
        } else {
            format!(
                "missing columns [{}], unexpected columns [{}]",
                missing.join(", "),
                extra.join(", ")
            )
        };
        return Err(InputError::new(
            file,
            "line 1",
            format!("the header is not the 22 credential report columns: {detail}"),
        ));
    }
    let mut rows = Vec::new();
    for (line, cells) in iter {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(parse_row(file, line, &cells)?);
    }
    Ok(CredentialReport {
        rows,
        generated_time: None,
    })
}

struct Cells<'a> {
    file: &'a str,
    line: usize,
    cells: &'a [String],
}

impl Cells<'_> {
    fn raw(&self, col: usize) -> &str {
        self.cells.get(col).map(|s| s.trim()).unwrap_or("")
    }
    fn place(&self, col: usize) -> String {
        format!(
            "line {} column {}",
            self.line,
            COLUMNS.get(col).copied().unwrap_or("?")
        )
    }
    fn marker<T>(&self, col: usize) -> Option<Field<T>> {
        match self.raw(col) {
            "N/A" | "" => Some(Field::NotApplicable),
            "not_supported" => Some(Field::NotSupported),
            "no_information" => Some(Field::NoInformation),
            _ => None,
        }
    }
    fn time(&self, col: usize) -> Result<Field<DateTime<Utc>>, InputError> {
        if let Some(m) = self.marker(col) {
            return Ok(m);
        }
        let raw = self.raw(col);
        parse_time(raw).map(Field::Value).ok_or_else(|| {
            InputError::new(
                self.file,
                self.place(col),
                format!("`{raw}` is not a timestamp"),
            )
        })
    }
    fn text(&self, col: usize) -> Field<String> {
        self.marker(col)
            .unwrap_or_else(|| Field::Value(self.raw(col).to_owned()))
    }
    fn boolean_field(&self, col: usize) -> Result<Field<bool>, InputError> {
        if let Some(m) = self.marker(col) {
            return Ok(m);
        }
        self.boolean(col).map(Field::Value)
    }
    fn boolean(&self, col: usize) -> Result<bool, InputError> {
        let raw = self.raw(col);
        if raw.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(InputError::new(
                self.file,
                self.place(col),
                format!("`{raw}` is not true or false"),
            ))
        }
    }
}

fn parse_row(file: &str, line: usize, cells: &[String]) -> Result<CredentialRow, InputError> {
    if cells.len() != COLUMNS.len() {
        return Err(InputError::new(
            file,
            format!("line {line}"),
            format!("expected 22 columns, found {}", cells.len()),
        ));
    }
    let c = Cells { file, line, cells };
    let user = c.raw(0).to_owned();
    let arn = c.raw(1).to_owned();
    if user.is_empty() {
        return Err(InputError::new(file, c.place(0), "the user name is empty"));
    }
    if !arn.starts_with("arn:") {
        return Err(InputError::new(
            file,
            c.place(1),
            format!("`{arn}` is not an ARN"),
        ));
    }
    let key = |base: usize| -> Result<AccessKeyColumns, InputError> {
        Ok(AccessKeyColumns {
            active: c.boolean(base)?,
            last_rotated: c.time(base + 1)?,
            last_used_date: c.time(base + 2)?,
            last_used_region: c.text(base + 3),
            last_used_service: c.text(base + 4),
        })
    };
    let cert = |base: usize| -> Result<CertificateColumns, InputError> {
        Ok(CertificateColumns {
            active: c.boolean(base)?,
            last_rotated: c.time(base + 1)?,
        })
    };
    Ok(CredentialRow {
        line,
        is_root: user == ROOT_USER,
        user,
        arn,
        user_creation_time: c.time(2)?,
        password_enabled: c.boolean_field(3)?,
        password_last_used: c.time(4)?,
        password_last_changed: c.time(5)?,
        password_next_rotation: c.time(6)?,
        mfa_active: c.boolean(7)?,
        access_keys: [key(8)?, key(13)?],
        certificates: [cert(18)?, cert(20)?],
    })
}

/// Splits RFC 4180 CSV into records, each with the line it starts on. Quoted fields may hold commas, quotes
/// (`""`) and line breaks.
fn split_csv(file: &str, text: &str) -> Result<Vec<(usize, Vec<String>)>, InputError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start_line = 1;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match ch {
            '"' if field.is_empty() => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push((start_line, std::mem::take(&mut record)));
                line += 1;
                start_line = line;
            }
            other => field.push(other),
        }
    }
    if in_quotes {
        return Err(InputError::new(
            file,
            format!("line {start_line}"),
            "a quoted field is not closed",
        ));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((start_line, record));
    }
    Ok(records)
}
