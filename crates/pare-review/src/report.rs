//! The report that closes a review: the account, the snapshot, the usage window, the data sources and their
//! CloudTrail coverage (regions × days), every item with its decision and note, and the open risks; as one
//! self-contained HTML page (inline CSS, inline SVG charts, no script, nothing fetched) or as CSV of decisions.
//!
//! The HTML carries a SHA-256 seal over its own content: the digest of the page with the seal's 64 hex digits
//! replaced by zeros. [`seal_check`] recomputes it, so any later edit is detected.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::fingerprint::sha256_hex;

/// A decision as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportDecision {
    /// `keep`, `remove`, `rightsize`, `accept-risk`.
    pub decision: String,
    /// Why.
    pub note: String,
    /// Who.
    pub reviewer: String,
    /// When.
    pub decided_at: String,
    /// End of an accepted risk.
    pub expires_at: Option<String>,
    /// The review it was made in, when carried over.
    pub inherited_from: Option<String>,
}

/// An item of the review with its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportItem {
    /// `finding` or `principal`.
    pub subject: String,
    /// The finding id or principal ARN.
    pub key: String,
    /// The principal's ARN.
    pub principal: String,
    /// Finding kind or principal kind.
    pub kind: String,
    /// Finding severity (empty for a principal).
    pub severity: String,
    /// One line.
    pub title: String,
    /// The decision, when made.
    pub decision: Option<ReportDecision>,
}

/// One input file of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    /// `authz`, `credential_report`, …
    pub kind: String,
    /// The path it was imported from.
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
}

/// CloudTrail events stored for one region on one day (UTC) of the usage window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageCell {
    /// `awsRegion`.
    pub region: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Events.
    pub events: u64,
}

/// An open risk: a finding not decided, or accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRisk {
    /// The finding id.
    pub id: String,
    /// Its severity.
    pub severity: String,
    /// Its principal.
    pub principal: String,
    /// One line.
    pub title: String,
    /// `undecided`, `accepted` or `acceptance-expired`.
    pub status: String,
    /// End of the acceptance.
    pub expires_at: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The review's name.
    pub review: String,
    /// The account id.
    pub account: Option<String>,
    /// The snapshot id.
    pub snapshot_id: i64,
    /// When the snapshot's data was taken.
    pub snapshot_taken_at: String,
    /// When it was imported.
    pub snapshot_imported_at: String,
    /// When the review was started.
    pub started_at: String,
    /// The review its decisions came from.
    pub previous_review: Option<String>,
    /// When this report was made.
    pub generated_at: String,
    /// The usage window asked for (`since`, `until`).
    pub window: (Option<String>, Option<String>),
    /// The first and last CloudTrail event stored in that window.
    pub observed: Option<(String, String)>,
    /// The snapshot's input files.
    pub sources: Vec<SourceRef>,
    /// CloudTrail files imported.
    pub cloudtrail_files: u64,
    /// CloudTrail events per region and day in the window.
    pub coverage: Vec<CoverageCell>,
    /// Every item with its decision.
    pub items: Vec<ReportItem>,
}

/// Counts the report states (and the JSON gives): findings by severity, decisions by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportCounts {
    /// Findings per severity, worst first (`critical`, `high`, `medium`, `low`, `info`).
    pub findings_by_severity: Vec<(String, usize)>,
    /// Decisions per kind (`keep`, `remove`, `rightsize`, `accept-risk`), and `undecided`.
    pub decisions: Vec<(String, usize)>,
    /// Identities reviewed.
    pub identities: usize,
    /// Decisions carried over from an earlier review.
    pub inherited: usize,
    /// Open risks.
    pub open_risks: usize,
    /// Regions with CloudTrail events.
    pub regions: usize,
    /// Days with CloudTrail events.
    pub days: usize,
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
const DECISIONS: [&str; 4] = ["keep", "remove", "rightsize", "accept-risk"];
const SEAL_MARK: &str = "pare-sha256:";
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Report {
    /// The findings not decided or accepted (accepted risks stay risks), worst first.
    #[must_use]
    pub fn open_risks(&self) -> Vec<OpenRisk> {
        self.items
            .iter()
            .filter(|i| i.subject == "finding")
            .filter_map(|i| {
                let (status, expires_at) = match &i.decision {
                    None => ("undecided", None),
                    Some(d) if d.decision == "accept-risk" => {
                        let expired = d
                            .expires_at
                            .as_deref()
                            .is_some_and(|e| e <= self.generated_at.as_str());
                        (
                            if expired {
                                "acceptance-expired"
                            } else {
                                "accepted"
                            },
                            d.expires_at.clone(),
                        )
                    }
                    Some(_) => return None,
                };
                Some(OpenRisk {
                    id: i.key.clone(),
                    severity: i.severity.clone(),
                    principal: i.principal.clone(),
                    title: i.title.clone(),
                    status: status.to_owned(),
                    expires_at,
                })
            })
            .collect()
    }

    /// The counts.
    #[must_use]
    pub fn counts(&self) -> ReportCounts {
        let findings: Vec<&ReportItem> = self
            .items
            .iter()
            .filter(|i| i.subject == "finding")
            .collect();
        let mut decisions: Vec<(String, usize)> = DECISIONS
            .iter()
            .map(|d| {
                let n = self
                    .items
                    .iter()
                    .filter(|i| i.decision.as_ref().is_some_and(|x| x.decision == *d))
                    .count();
                ((*d).to_owned(), n)
            })
            .collect();
        decisions.push((
            "undecided".to_owned(),
            self.items.iter().filter(|i| i.decision.is_none()).count(),
        ));
        ReportCounts {
            findings_by_severity: SEVERITIES
                .iter()
                .map(|s| {
                    (
                        (*s).to_owned(),
                        findings.iter().filter(|f| f.severity == *s).count(),
                    )
                })
                .collect(),
            decisions,
            identities: self
                .items
                .iter()
                .filter(|i| i.subject == "principal")
                .count(),
            inherited: self
                .items
                .iter()
                .filter(|i| {
                    i.decision
                        .as_ref()
                        .is_some_and(|d| d.inherited_from.is_some())
                })
                .count(),
            open_risks: self.open_risks().len(),
            regions: self
                .coverage
                .iter()
                .map(|c| c.region.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
            days: self
                .coverage
                .iter()
                .map(|c| c.day.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
        }
    }

    /// The CSV of decisions: one row per decided item (RFC 4180 quoting).
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "review,subject,key,principal,kind,severity,title,decision,note,reviewer,decided_at,expires_at,inherited_from\r\n",
        );
        for i in &self.items {
            let Some(d) = &i.decision else { continue };
            let fields = [
                self.review.as_str(),
                &i.subject,
                &i.key,
                &i.principal,
                &i.kind,
                &i.severity,
                &i.title,
                &d.decision,
                &d.note,
                &d.reviewer,
                &d.decided_at,
                d.expires_at.as_deref().unwrap_or(""),
                d.inherited_from.as_deref().unwrap_or(""),
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// The sealed, self-contained HTML page.
    #[must_use]
    pub fn to_html(&self) -> String {
        seal(&self.html_unsealed())
    }

    fn html_unsealed(&self) -> String {
        let counts = self.counts();
        let risks = self.open_risks();
        let mut h = String::with_capacity(64 * 1024);
        let account = self.account.as_deref().unwrap_or("unknown");
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"pare-seal\" content=\"{SEAL_MARK}{ZEROS}\">\n\
             <title>Access review {} — account {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
            esc(&self.review),
            esc(account)
        );
        let _ = write!(
            h,
            "<h1>Access review <span id=\"review-name\">{}</span></h1>\n<table class=\"facts\">\n",
            esc(&self.review)
        );
        let window = format!(
            "{} → {}",
            self.window.0.as_deref().unwrap_or("(start of data)"),
            self.window.1.as_deref().unwrap_or("(end of data)")
        );
        let observed = self.observed.as_ref().map_or_else(
            || "no CloudTrail events".to_owned(),
            |(a, b)| format!("{a} → {b}"),
        );
        for (id, label, value) in [
            ("account", "Account", account.to_owned()),
            (
                "snapshot",
                "Account snapshot",
                format!(
                    "#{} taken {} (imported {})",
                    self.snapshot_id, self.snapshot_taken_at, self.snapshot_imported_at
                ),
            ),
            ("started", "Review started", self.started_at.clone()),
            (
                "previous",
                "Decisions carried over from",
                self.previous_review.clone().unwrap_or_else(|| "—".into()),
            ),
            ("window", "Usage window", window),
            ("observed", "CloudTrail events in the window", observed),
            ("generated", "Report generated", self.generated_at.clone()),
        ] {
            let _ = writeln!(
                h,
                "<tr><th>{label}</th><td id=\"fact-{id}\">{}</td></tr>",
                esc(&value)
            );
        }
        h.push_str("</table>\n");

        // Summary numbers.
        h.push_str("<h2>Summary</h2>\n<ul class=\"numbers\">\n");
        let total_findings: usize = counts.findings_by_severity.iter().map(|(_, n)| n).sum();
        for (id, label, n) in [
            ("findings", "findings", total_findings),
            ("identities", "identities", counts.identities),
            (
                "decided",
                "decisions",
                self.items.iter().filter(|i| i.decision.is_some()).count(),
            ),
            ("inherited", "carried over", counts.inherited),
            ("open-risks", "open risks", counts.open_risks),
            ("regions", "regions with CloudTrail", counts.regions),
            ("days", "days with CloudTrail", counts.days),
        ] {
            let _ = writeln!(
                h,
                "<li><b id=\"count-{id}\" data-count=\"{n}\">{n}</b> {label}</li>"
            );
        }
        h.push_str("</ul>\n<div class=\"charts\">\n");
        bar_chart(
            &mut h,
            "chart-severity",
            "Findings by severity",
            &counts.findings_by_severity,
        );
        bar_chart(
            &mut h,
            "chart-decisions",
            "Items by decision",
            &counts.decisions,
        );
        h.push_str("</div>\n");

        // Data sources and coverage.
        h.push_str("<h2>Data sources</h2>\n<table class=\"list\" id=\"sources\">\n<tr><th>Kind</th><th>File</th><th>SHA-256</th></tr>\n");
        for s in &self.sources {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&s.kind),
                esc(&s.path),
                esc(&s.sha256)
            );
        }
        let _ = writeln!(
            h,
            "<tr><td>cloudtrail</td><td><span id=\"cloudtrail-files\">{}</span> files imported</td><td></td></tr>\n</table>",
            self.cloudtrail_files
        );
        h.push_str("<h3>CloudTrail coverage (events per region and day, UTC)</h3>\n");
        coverage_chart(&mut h, &self.coverage);

        // Open risks.
        h.push_str("<h2>Open risks</h2>\n");
        if risks.is_empty() {
            h.push_str("<p id=\"open-risks\">None: every finding has a decision other than accepting it.</p>\n");
        } else {
            h.push_str("<table class=\"list\" id=\"open-risks\">\n<tr><th>Severity</th><th>Principal</th><th>Finding</th><th>Status</th></tr>\n");
            for r in &risks {
                let status = match &r.expires_at {
                    Some(e) => format!("{} (until {e})", r.status),
                    None => r.status.clone(),
                };
                let _ = writeln!(
                    h,
                    "<tr class=\"sev-{}\"><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td>{}</td></tr>",
                    esc(&r.severity),
                    esc(&r.severity),
                    esc(&r.principal),
                    esc(&r.title),
                    esc(&r.id),
                    esc(&status)
                );
            }
            h.push_str("</table>\n");
        }

        // Every item with its decision.
        h.push_str("<h2>Decisions</h2>\n<table class=\"list\" id=\"decisions\">\n<tr><th>Item</th><th>Principal</th><th>Decision</th><th>Note</th><th>By</th></tr>\n");
        for i in &self.items {
            let what = if i.subject == "finding" {
                format!(
                    "{} — {}<br><code>{}</code>",
                    esc(&i.severity),
                    esc(&i.title),
                    esc(&i.key)
                )
            } else {
                format!("{} <code>{}</code>", esc(&i.kind), esc(&i.key))
            };
            let (decision, note, by) = match &i.decision {
                Some(d) => {
                    let mut decision = esc(&d.decision);
                    if let Some(e) = &d.expires_at {
                        let _ = write!(decision, " until {}", esc(e));
                    }
                    let mut by = format!("{}, {}", esc(&d.reviewer), esc(&d.decided_at));
                    if let Some(r) = &d.inherited_from {
                        let _ = write!(by, "<br>carried over from {}", esc(r));
                    }
                    (decision, esc(&d.note), by)
                }
                None => (
                    "<em>undecided</em>".to_owned(),
                    String::new(),
                    String::new(),
                ),
            };
            let _ = writeln!(
                h,
                "<tr data-subject=\"{}\" data-key=\"{}\" data-decision=\"{}\"><td>{what}</td><td>{}</td><td>{decision}</td><td>{note}</td><td>{by}</td></tr>",
                esc(&i.subject),
                esc(&i.key),
                esc(i.decision.as_ref().map_or("", |d| d.decision.as_str())),
                esc(&i.principal),
            );
        }
        h.push_str("</table>\n");
        let _ = write!(
            h,
            "<footer><p>SHA-256 of this report's content (with these 64 digits read as zeros): \
             <code id=\"seal\">{ZEROS}</code>. Check it with <code>pare review verify --file REPORT</code>.</p>\
             <p>Made by Pare, offline.</p></footer>\n</body>\n</html>\n"
        );
        h
    }
}

/// Seals a page: its SHA-256 with the placeholder digits at the mark (and everywhere else they appear) as zeros.
fn seal(unsealed: &str) -> String {
    let digest = sha256_hex(unsealed.as_bytes());
    unsealed.replace(ZEROS, &digest)
}

/// Checks a sealed text: `Ok(digest)` when the seal matches its content, `Err(why)` otherwise.
///
/// # Errors
///
/// A message saying the text has no seal, or that its content does not match it.
pub fn seal_check(text: &str) -> Result<String, String> {
    let Some(at) = text.find(SEAL_MARK) else {
        return Err("no pare-sha256 seal in the file".to_owned());
    };
    let stated: String = text
        .get(at + SEAL_MARK.len()..)
        .unwrap_or("")
        .chars()
        .take(64)
        .collect();
    if stated.len() != 64 || !stated.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("the seal is not 64 hex digits".to_owned());
    }
    let actual = sha256_hex(text.replace(&stated, ZEROS).as_bytes());
    if actual == stated {
        Ok(stated)
    } else {
        Err(format!(
            "the content does not match its seal: sealed {stated}, content hashes to {actual}"
        ))
    }
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}

/// HTML-escapes text for element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:70em;color:#1b1f24;padding:0 1em}\
h1{font-size:1.6em;margin-bottom:.3em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0}th,td{text-align:left;vertical-align:top;padding:.3em .6em}\
table.list{width:100%}table.list tr:nth-child(even){background:#f6f8fa}table.list th{background:#eaeef2}\
table.facts th{color:#57606a;font-weight:600}code{font-size:.85em;word-break:break-all}\
ul.numbers{display:flex;flex-wrap:wrap;gap:1.2em;list-style:none;padding:0}ul.numbers b{font-size:1.5em;display:block}\
.charts{display:flex;flex-wrap:wrap;gap:2em}svg text{font:12px system-ui,sans-serif;fill:#1b1f24}\
tr.sev-critical td:first-child{color:#a40e26;font-weight:700}tr.sev-high td:first-child{color:#bc4c00;font-weight:700}\
footer{margin-top:2em;color:#57606a;font-size:.9em}@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}";

fn bar_colour(label: &str) -> &'static str {
    match label {
        "critical" => "#a40e26",
        "high" => "#bc4c00",
        "medium" => "#bf8700",
        "low" => "#1a7f37",
        "info" => "#0969da",
        "keep" => "#1a7f37",
        "remove" => "#a40e26",
        "rightsize" => "#8250df",
        "accept-risk" => "#bf8700",
        _ => "#8c959f",
    }
}

/// A horizontal bar chart as inline SVG; every bar carries its label and count.
fn bar_chart(h: &mut String, id: &str, title: &str, bars: &[(String, usize)]) {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let row = 24;
    let height = 30 + row * bars.len();
    let _ = writeln!(
        h,
        "<figure><figcaption>{}</figcaption><svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = 10 + row * i;
        let w = 220 * n / max;
        let _ = writeln!(
            h,
            "<g class=\"bar\" data-label=\"{l}\" data-count=\"{n}\"><text x=\"0\" y=\"{ty}\">{l}</text>\
             <rect x=\"90\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"{c}\"><title>{l}: {n}</title></rect>\
             <text x=\"{tx}\" y=\"{ty}\">{n}</text></g>",
            l = esc(label),
            ty = y + 13,
            c = bar_colour(label),
            tx = 96 + w,
        );
    }
    h.push_str("</svg></figure>\n");
}

/// Every day (`YYYY-MM-DD`) from the first to the last of `days`, when there are at most 400.
fn every_day(days: &[&str]) -> Option<Vec<String>> {
    let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let (first, last) = (parse(days.first()?)?, parse(days.last()?)?);
    if (last - first).num_days() > 400 {
        return None;
    }
    Some(
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect(),
    )
}

/// CloudTrail events per region (rows) and day (columns) as an inline SVG heat map.
fn coverage_chart(h: &mut String, cells: &[CoverageCell]) {
    if cells.is_empty() {
        h.push_str("<p id=\"coverage-none\">No CloudTrail events in the usage window: usage-based findings rest on no data.</p>\n");
        return;
    }
    let regions: Vec<&str> = cells
        .iter()
        .map(|c| c.region.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let with_events: Vec<&str> = cells
        .iter()
        .map(|c| c.day.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Every day from the first to the last with events, so the gaps show, unless that is more than a year and a
    // month of columns: then only the days with events.
    let span = every_day(&with_events);
    let days: Vec<&str> = match &span {
        Some(all) => all.iter().map(String::as_str).collect(),
        None => with_events.clone(),
    };
    let _ = writeln!(
        h,
        "<p id=\"coverage-summary\">CloudTrail events on <b>{}</b> of {} days from {} to {}{}; regions: {}.</p>",
        with_events.len(),
        span.as_ref()
            .map_or_else(|| "the".to_owned(), |a| a.len().to_string()),
        with_events.first().copied().unwrap_or(""),
        with_events.last().copied().unwrap_or(""),
        if span.is_none() {
            " (only the days with events are drawn)"
        } else {
            ""
        },
        esc(&regions.join(", "))
    );
    let by: BTreeMap<(&str, &str), u64> = cells
        .iter()
        .map(|c| ((c.region.as_str(), c.day.as_str()), c.events))
        .collect();
    let max = cells.iter().map(|c| c.events).max().unwrap_or(1).max(1);
    let cell = 14usize;
    let left = 120usize;
    let width = left + cell * days.len() + 10;
    let height = 40 + cell * regions.len();
    let _ = writeln!(
        h,
        "<svg id=\"chart-coverage\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"CloudTrail events per region and day\">"
    );
    for (r, region) in regions.iter().enumerate() {
        let y = 10 + cell * r;
        let _ = writeln!(h, "<text x=\"0\" y=\"{}\">{}</text>", y + 11, esc(region));
        for (d, day) in days.iter().enumerate() {
            let x = left + cell * d;
            let n = by.get(&(*region, *day)).copied().unwrap_or(0);
            // Log scale so one busy day does not hide the rest; empty cells stay grey.
            let fill = if n == 0 {
                "#ebedf0".to_owned()
            } else {
                let t = ((n as f64).ln_1p() / (max as f64).ln_1p()).clamp(0.0, 1.0);
                let light = 80.0 - 50.0 * t;
                format!("hsl(140,60%,{light:.0}%)")
            };
            let _ = writeln!(
                h,
                "<rect class=\"cell\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" data-region=\"{}\" data-day=\"{day}\" data-events=\"{n}\"><title>{} {day}: {n} events</title></rect>",
                cell - 2,
                cell - 2,
                esc(region),
                esc(region),
            );
        }
    }
    let y = 10 + cell * regions.len() + 14;
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = writeln!(
            h,
            "<text x=\"{left}\" y=\"{y}\">{first}</text><text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{last}</text>",
            width - 10
        );
    }
    h.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;

    fn report() -> Report {
        Report {
            review: "Q1 <2026>".into(),
            account: Some("123456789012".into()),
            snapshot_id: 1,
            snapshot_taken_at: "2026-01-01T00:00:00Z".into(),
            snapshot_imported_at: "2026-01-02T00:00:00Z".into(),
            started_at: "2026-01-03T00:00:00Z".into(),
            previous_review: None,
            generated_at: "2026-03-01T00:00:00Z".into(),
            window: (Some("2025-12-01T00:00:00Z".into()), None),
            observed: Some(("2025-12-01T01:00:00Z".into(), "2025-12-02T01:00:00Z".into())),
            sources: vec![SourceRef {
                kind: "authz".into(),
                path: "a.json".into(),
                sha256: "ab".into(),
            }],
            cloudtrail_files: 2,
            coverage: vec![
                CoverageCell {
                    region: "us-east-1".into(),
                    day: "2025-12-01".into(),
                    events: 10,
                },
                CoverageCell {
                    region: "eu-west-1".into(),
                    day: "2025-12-02".into(),
                    events: 1,
                },
            ],
            items: vec![
                ReportItem {
                    subject: "finding".into(),
                    key: "admin-equivalent-1".into(),
                    principal: "arn:aws:iam::123456789012:user/a".into(),
                    kind: "admin-equivalent".into(),
                    severity: "high".into(),
                    title: "a is admin".into(),
                    decision: Some(ReportDecision {
                        decision: "accept-risk".into(),
                        note: "break-glass, \"approved\"".into(),
                        reviewer: "ana".into(),
                        decided_at: "2026-01-04T00:00:00Z".into(),
                        expires_at: Some("2026-02-01".into()),
                        inherited_from: None,
                    }),
                },
                ReportItem {
                    subject: "finding".into(),
                    key: "unused-identity-2".into(),
                    principal: "arn:aws:iam::123456789012:user/b".into(),
                    kind: "unused-identity".into(),
                    severity: "low".into(),
                    title: "b unused".into(),
                    decision: None,
                },
                ReportItem {
                    subject: "principal".into(),
                    key: "arn:aws:iam::123456789012:user/a".into(),
                    principal: "arn:aws:iam::123456789012:user/a".into(),
                    kind: "user".into(),
                    severity: String::new(),
                    title: "a".into(),
                    decision: Some(ReportDecision {
                        decision: "keep".into(),
                        note: "owner: ops".into(),
                        reviewer: "ana".into(),
                        decided_at: "2026-01-04T00:00:00Z".into(),
                        expires_at: None,
                        inherited_from: Some("Q4".into()),
                    }),
                },
            ],
        }
    }

    #[test]
    fn the_html_is_sealed_and_an_edit_breaks_the_seal() {
        let html = report().to_html();
        let digest = seal_check(&html).unwrap();
        assert!(html.contains(&format!("<code id=\"seal\">{digest}</code>")));
        assert!(html.contains("Q1 &lt;2026&gt;"));
        assert!(!html.contains("http://") || !html.contains("src=\"http"));
        let edited = html.replace("owner: ops", "owner: opz");
        assert!(seal_check(&edited).unwrap_err().contains("does not match"));
        assert!(seal_check("<html></html>").is_err());
    }

    #[test]
    fn counts_open_risks_and_csv() {
        let r = report();
        let c = r.counts();
        assert_eq!(c.findings_by_severity[1], ("high".to_owned(), 1));
        assert_eq!(c.findings_by_severity[3], ("low".to_owned(), 1));
        assert_eq!(c.inherited, 1);
        assert_eq!((c.regions, c.days), (2, 2));
        let risks = r.open_risks();
        let status: Vec<&str> = risks.iter().map(|x| x.status.as_str()).collect();
        assert_eq!(status, ["acceptance-expired", "undecided"]);
        let html = r.to_html();
        assert_eq!(html.matches("class=\"cell\"").count(), 2 * 2);
        assert!(
            html.contains("CloudTrail events on <b>2</b> of 2 days from 2025-12-01 to 2025-12-02")
        );
        let mut gap = r.clone();
        gap.coverage[1].day = "2025-12-05".into();
        let html = gap.to_html();
        assert_eq!(
            html.matches("class=\"cell\"").count(),
            2 * 5,
            "the days without events are drawn"
        );
        assert!(html.contains("data-day=\"2025-12-03\" data-events=\"0\""));
        let csv = r.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "header and the two decisions");
        assert!(lines[1].contains("\"break-glass, \"\"approved\"\"\""));
        assert!(lines[2].ends_with(",Q4"));
    }
}
