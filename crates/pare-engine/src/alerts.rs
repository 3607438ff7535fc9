//! Activity alerts: policies stored with versions, evaluation over the event log (on every import over
//! the new events, on demand over the whole history), triage, and the investigate pivots.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::Path;

use pare_alerts::{AlertEvent, Evaluator, EvaluatorState, EventOutcome, Policy, PolicyFormat};
use pare_store::{
    AlertStatus, EventFilter, EventInput, NewAlert, Store, StoredEvent, StoredOutcome,
};
use serde::Serialize;

use crate::EngineError;

/// The setting holding the reviewer's name (recorded with every triage).
pub const REVIEWER_SETTING: &str = "reviewer";

/// One alert, as `pare alerts --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertView {
    /// Its id (for `--triage`).
    pub id: i64,
    /// The policy's id.
    pub policy: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// The actor's principal key.
    pub actor: String,
    /// The time of the event that raised it.
    pub time: Option<String>,
    /// The `eventID`s of its events.
    pub events: Vec<String>,
    /// `open`, `dismissed`, `resolved`.
    pub status: String,
    /// The triage note.
    pub note: Option<String>,
    /// One line saying what happened.
    #[serde(skip)]
    pub summary: String,
    /// The version of the policy that raised it.
    #[serde(skip)]
    pub policy_version: i64,
    /// Who triaged it.
    #[serde(skip)]
    pub triaged_by: Option<String>,
    /// When it was triaged.
    #[serde(skip)]
    pub triaged_at: Option<String>,
}

impl From<pare_store::AlertRow> for AlertView {
    fn from(a: pare_store::AlertRow) -> Self {
        AlertView {
            id: a.id,
            policy: a.policy_id,
            severity: a.severity,
            actor: a.actor,
            time: a.time,
            events: a.events,
            status: a.status.as_str().to_owned(),
            note: a.note,
            summary: a.summary,
            policy_version: a.policy_version,
            triaged_by: a.triaged_by,
            triaged_at: a.triaged_at,
        }
    }
}

/// A stored policy (its latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyView {
    /// The policy's id.
    pub id: String,
    /// Its latest version.
    pub version: i64,
    /// `builtin` or the file it came from.
    pub source: String,
    /// The policy as a policy file (JSON, `version = 1`), ready to edit and import again.
    pub file: String,
}

/// What an evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EvaluationSummary {
    /// Events evaluated.
    pub events: u64,
    /// Alerts raised that were not stored before.
    pub new_alerts: u64,
}

/// Lowercase hex, without a `String` per byte (this runs for every event evaluated).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

fn unhex(s: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    if s.len() != 32 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// What alert policies read from an event's actor details (JSON text), parsed once per distinct text.
#[derive(Debug, Clone, Default)]
struct ActorFacts {
    actor_type: Option<String>,
    account: Option<String>,
    invoked_by: Option<String>,
    mfa_authenticated: Option<bool>,
}

/// The fields of [`ActorFacts`], borrowed (the quick way to read actor details).
#[derive(serde::Deserialize)]
struct ActorFactsText<'a> {
    #[serde(rename = "type", borrow, default)]
    actor_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    account_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    invoked_by: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    mfa_authenticated: Option<bool>,
}

impl ActorFacts {
    /// As [`ActorFacts::parse_value`] reads them, without building a `serde_json::Value`: details that
    /// the typed form does not take (a duplicate field, a field of another type) go the slow way.
    fn parse(details: &str) -> Self {
        match serde_json::from_str::<ActorFactsText<'_>>(details) {
            Ok(t) => ActorFacts {
                actor_type: t
                    .actor_type
                    .map(|t| t.into_owned())
                    .filter(|t| !t.is_empty()),
                account: t.account_id.map(std::borrow::Cow::into_owned),
                invoked_by: t.invoked_by.map(std::borrow::Cow::into_owned),
                mfa_authenticated: t.mfa_authenticated,
            },
            Err(_) => Self::parse_value(details),
        }
    }

    fn parse_value(details: &str) -> Self {
        let details: serde_json::Value =
            serde_json::from_str(details).unwrap_or(serde_json::Value::Null);
        let text = |k: &str| details.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        ActorFacts {
            actor_type: text("type").filter(|t| !t.is_empty()),
            account: text("account_id"),
            invoked_by: text("invoked_by"),
            mfa_authenticated: details.get("mfa_authenticated").and_then(|v| v.as_bool()),
        }
    }
}

/// Actor details parsed so far, by their JSON text (a trail has far fewer distinct actors than events).
#[derive(Debug, Default)]
struct ActorCache(rustc_hash::FxHashMap<String, ActorFacts>);

impl ActorCache {
    fn get(&mut self, details: &str) -> &ActorFacts {
        if !self.0.contains_key(details) {
            // Bounded: a trail whose every event has its own actor text parses each once and keeps none.
            if self.0.len() >= 200_000 {
                self.0.clear();
            }
            self.0
                .insert(details.to_owned(), ActorFacts::parse(details));
        }
        self.0.get(details).map_or(&EMPTY_ACTOR_FACTS, |f| f)
    }
}

static EMPTY_ACTOR_FACTS: ActorFacts = ActorFacts {
    actor_type: None,
    account: None,
    invoked_by: None,
    mfa_authenticated: None,
};

/// Milliseconds since the epoch of an RFC 3339 time (CloudTrail's `YYYY-MM-DDTHH:MM:SSZ` without the
/// general parser).
fn time_ms(t: &str) -> Option<i64> {
    crate::import::plain_utc_seconds(t)
        .map(|s| s * 1000)
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|t| t.timestamp_millis())
        })
}

/// A stored event as alert policies see it (`facts`: the facts table). Takes the event, so that its
/// texts move into the alert event instead of being copied.
fn alert_event(
    facts: &HashMap<[u8; 16], String>,
    actors: &mut ActorCache,
    e: EventInput,
) -> AlertEvent {
    let facts: BTreeMap<String, String> = facts
        .get(&e.key)
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    let details = actors.get(&e.principal.details);
    let kind = e.principal.kind.as_str();
    let key = e.principal.key;
    let actor_name = match kind {
        "Root" => Some("root".to_owned()),
        "IamUser" | "RoleSession" | "FederatedUser" => key.rsplit('/').next().map(str::to_owned),
        _ => None,
    };
    let mut outcome = match e.outcome {
        StoredOutcome::Success => EventOutcome::Success,
        StoredOutcome::Denied => EventOutcome::Denied,
        _ => EventOutcome::Failed,
    };
    if facts.get("login_result").map(String::as_str) == Some("Failure") {
        outcome = EventOutcome::Failed;
    }
    let mut facts = facts;
    if let Some(by) = &details.invoked_by {
        facts.insert("invoked_by".to_owned(), by.clone());
    }
    // The log keeps the classification, not `eventType`.
    let event_type = match e.activity {
        "not_a_call" => "AwsServiceEvent",
        "console" if e.event_source == "signin.amazonaws.com" => "AwsConsoleSignIn",
        _ => "AwsApiCall",
    };
    AlertEvent {
        event_id: e.event_id.unwrap_or_default(),
        key: hex(&e.key),
        time_ms: e.time.as_deref().and_then(time_ms),
        time: e.time,
        event_source: e.event_source,
        event_name: e.event_name,
        event_type: Some(event_type.to_owned()),
        actions: e.actions.into_iter().map(|a| a.action).collect(),
        actor_name,
        actor_type: details
            .actor_type
            .clone()
            .unwrap_or_else(|| pare_alerts::actor_type_of_kind(kind).to_owned()),
        root: kind == "Root",
        account: details.account.clone(),
        mfa_used: match facts.get("mfa_used").map(String::as_str) {
            Some("Yes") => Some(true),
            Some("No") => Some(false),
            _ => details.mfa_authenticated,
        },
        actor: key,
        region: e.region,
        source_ip: e.source_ip,
        user_agent: e.user_agent,
        error_code: e.error_code,
        outcome,
        facts,
    }
}

/// The stored policies, parsed; the built-in pack is stored first where a policy of its id is not.
fn stored_policies(store: &mut Store) -> Result<Vec<(i64, Policy)>, EngineError> {
    let stored = store.alert_policies()?;
    let missing: Vec<(String, String, String)> = pare_alerts::builtin_policies()?
        .iter()
        .filter(|p| !stored.iter().any(|s| s.policy_id == p.id()))
        .map(|p| {
            (
                p.id().to_owned(),
                p.to_json().to_string(),
                "builtin".to_owned(),
            )
        })
        .collect();
    if !missing.is_empty() {
        store.store_alert_policies(&missing)?;
    }
    let mut out = Vec::new();
    for p in store.alert_policies()? {
        let file = format!("{{\"version\": 1, \"policy\": [{}]}}", p.body);
        let name = format!("stored policy `{}` version {}", p.policy_id, p.version);
        let mut parsed = pare_alerts::parse_policies(&name, &file, PolicyFormat::Json)?;
        if let Some(policy) = parsed.pop() {
            out.push((p.row, policy));
        }
    }
    Ok(out)
}

/// The evaluator and what it raised.
struct Run {
    evaluator: Evaluator,
    /// Policy id → its stored row.
    rows: BTreeMap<String, i64>,
    raised: Vec<NewAlert>,
    summary: EvaluationSummary,
}

impl Run {
    /// Evaluates one block's events (sorted here), leaving `events` empty.
    fn evaluate_block(&mut self, events: &mut Vec<AlertEvent>) {
        Evaluator::sort(events);
        self.summary.events += events.len() as u64;
        for e in events.drain(..) {
            for a in self.evaluator.evaluate(&e) {
                let Some(row) = self.rows.get(&a.policy) else {
                    continue;
                };
                self.raised.push(NewAlert {
                    policy_row: *row,
                    policy_id: a.policy,
                    severity: a.severity.as_str().to_owned(),
                    actor: a.actor,
                    time: a.time,
                    summary: a.summary,
                    events: a
                        .events
                        .into_iter()
                        .zip(a.keys.iter().map(|k| unhex(k).unwrap_or_default()))
                        .collect(),
                });
            }
        }
    }
}

/// Evaluates the stored policies over the event log's blocks after `after_block` with `state`,
/// block by block (events sorted by time within a block), and stores the alerts and the progress.
fn evaluate_from(
    store: &mut Store,
    after_block: i64,
    state: EvaluatorState,
) -> Result<EvaluationSummary, EngineError> {
    let policies = stored_policies(store)?;
    let rows: BTreeMap<String, i64> = policies
        .iter()
        .map(|(row, p)| (p.id().to_owned(), *row))
        .collect();
    let mut run = Run {
        evaluator: Evaluator::with_state(policies.into_iter().map(|(_, p)| p).collect(), state),
        rows,
        raised: Vec::new(),
        summary: EvaluationSummary::default(),
    };
    let facts = store.all_alert_facts()?;
    let mut actors = ActorCache::default();
    // One block (an imported file) at a time, its events sorted by time.
    let mut current: (i64, Vec<AlertEvent>) = (after_block, Vec::new());
    let last = store.events_after_block(after_block, |block, e| {
        if block != current.0 {
            run.evaluate_block(&mut current.1);
            current.0 = block;
        }
        current.1.push(alert_event(&facts, &mut actors, e.event));
    })?;
    run.evaluate_block(&mut current.1);
    let state = serde_json::to_string(run.evaluator.state()).unwrap_or_default();
    let mut summary = run.summary;
    summary.new_alerts = store.record_alerts(&run.raised, last, &state)?.len() as u64;
    Ok(summary)
}

/// Evaluates the stored policies over the events stored since the last evaluation (called by every
/// import, so a re-import, which stores no new events, raises nothing).
///
/// # Errors
///
/// [`EngineError`] if the database fails or a stored policy no longer parses.
pub fn evaluate_new_events(store: &mut Store) -> Result<EvaluationSummary, EngineError> {
    let (last, state) = store.alert_evaluation()?;
    let state: EvaluatorState = state
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    evaluate_from(store, last, state)
}

/// Evaluates the stored policies over the whole history, from an empty state. Alerts already stored
/// (the same policy on the same events) are kept as they are, triage included.
///
/// # Errors
///
/// [`EngineError`] if the database fails or a stored policy no longer parses.
pub fn evaluate_alerts(db: &Path) -> Result<EvaluationSummary, EngineError> {
    let mut store = Store::open(db)?;
    evaluate_from(&mut store, 0, EvaluatorState::default())
}

/// Reads policy files `(name, text)` (TOML, or JSON when the name ends in `.json`) and stores their
/// policies: a changed policy becomes a new version. All files are checked before anything is stored:
/// one bad file stores nothing.
///
/// # Errors
///
/// [`EngineError::Policy`] naming the file, line and field of the first problem; [`EngineError::Store`]
/// if the database fails.
pub fn import_alert_policies(
    db: &Path,
    files: &[(String, String)],
) -> Result<Vec<PolicyView>, EngineError> {
    let mut parsed = Vec::new();
    for (name, text) in files {
        for p in pare_alerts::parse_policies(name, text, PolicyFormat::from_file_name(name))? {
            parsed.push((p.id().to_owned(), p.to_json().to_string(), name.clone()));
        }
    }
    let mut store = Store::open(db)?;
    // The built-in pack goes in first, so that a file adjusting a built-in policy is its next version.
    stored_policies(&mut store)?;
    store.store_alert_policies(&parsed)?;
    let ids: HashSet<&str> = parsed.iter().map(|(id, _, _)| id.as_str()).collect();
    Ok(alert_policies_in(&store)?
        .into_iter()
        .filter(|p| ids.contains(p.id.as_str()))
        .collect())
}

fn alert_policies_in(store: &Store) -> Result<Vec<PolicyView>, EngineError> {
    Ok(store
        .alert_policies()?
        .into_iter()
        .map(|p| PolicyView {
            file: format!(
                "{{\n  \"version\": 1,\n  \"policy\": [\n    {}\n  ]\n}}\n",
                p.body
            ),
            id: p.policy_id,
            version: p.version,
            source: p.source,
        })
        .collect())
}

/// The stored policies (latest versions); the built-in pack is stored first if it is not.
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn alert_policies(db: &Path) -> Result<Vec<PolicyView>, EngineError> {
    let mut store = Store::open(db)?;
    stored_policies(&mut store)?;
    alert_policies_in(&store)
}

/// Stored alerts, of one status or all.
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn alerts(db: &Path, status: Option<AlertStatus>) -> Result<Vec<AlertView>, EngineError> {
    let store = Store::open(db)?;
    Ok(store
        .alerts(status)?
        .into_iter()
        .map(AlertView::from)
        .collect())
}

/// Triage: sets an alert's status and note, recording who (`who`, else the reviewer setting, else
/// `unknown`) and when.
///
/// # Errors
///
/// [`EngineError::UnknownAlert`] if there is no such alert; [`EngineError::Store`] if the database fails.
pub fn triage_alert(
    db: &Path,
    id: i64,
    status: AlertStatus,
    note: Option<&str>,
    who: Option<&str>,
) -> Result<AlertView, EngineError> {
    let mut store = Store::open(db)?;
    let who = match who {
        Some(w) => w.to_owned(),
        None => store
            .setting(REVIEWER_SETTING)?
            .unwrap_or_else(|| "unknown".to_owned()),
    };
    if !store.triage_alert(id, status, note, &who)? {
        return Err(EngineError::UnknownAlert(id));
    }
    store
        .alerts(None)?
        .into_iter()
        .find(|a| a.id == id)
        .map(AlertView::from)
        .ok_or(EngineError::UnknownAlert(id))
}

/// Sets the reviewer's name recorded with triage.
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn set_reviewer(db: &Path, name: &str) -> Result<(), EngineError> {
    Ok(Store::open(db)?.set_setting(REVIEWER_SETTING, name)?)
}

/// The reviewer's name, if set.
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn reviewer(db: &Path) -> Result<Option<String>, EngineError> {
    Ok(Store::open(db)?.setting(REVIEWER_SETTING)?)
}

/// One event in an investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// `eventTime`.
    pub time: Option<String>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// The actor's principal key.
    pub actor: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// The IAM actions.
    pub actions: Vec<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `success`, `denied`, `failed`, `failed_before_authorization`.
    pub outcome: &'static str,
    /// `errorCode`.
    pub error_code: Option<String>,
}

fn event_view(e: &StoredEvent) -> EventView {
    let e = &e.event;
    EventView {
        time: e.time.clone(),
        event_id: e.event_id.clone(),
        actor: e.principal.key.clone(),
        event_source: e.event_source.clone(),
        event_name: e.event_name.clone(),
        actions: e.actions.iter().map(|a| a.action.clone()).collect(),
        region: e.region.clone(),
        source_ip: e.source_ip.clone(),
        outcome: match e.outcome {
            StoredOutcome::Success => "success",
            StoredOutcome::Denied => "denied",
            StoredOutcome::Failed => "failed",
            _ => "failed_before_authorization",
        },
        error_code: e.error_code.clone(),
    }
}

/// Activity grouped for a pivot: the events in time order and counts by action, IP, region, actor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// The events, in time order.
    pub timeline: Vec<EventView>,
    /// Events per IAM action (or `eventSource:eventName` for calls without actions).
    pub actions: BTreeMap<String, u64>,
    /// Events per source IP.
    pub source_ips: BTreeMap<String, u64>,
    /// Events per region.
    pub regions: BTreeMap<String, u64>,
    /// Events per actor.
    pub actors: BTreeMap<String, u64>,
}

impl Activity {
    fn add(&mut self, e: &StoredEvent) {
        let v = event_view(e);
        if v.actions.is_empty() {
            *self
                .actions
                .entry(format!("{}:{}", v.event_source, v.event_name))
                .or_default() += 1;
        }
        for a in &v.actions {
            *self.actions.entry(a.clone()).or_default() += 1;
        }
        if let Some(ip) = &v.source_ip {
            *self.source_ips.entry(ip.clone()).or_default() += 1;
        }
        if let Some(r) = &v.region {
            *self.regions.entry(r.clone()).or_default() += 1;
        }
        *self.actors.entry(v.actor.clone()).or_default() += 1;
        self.timeline.push(v);
    }

    fn sorted(mut self) -> Self {
        self.timeline
            .sort_by(|a, b| (&a.time, &a.event_id).cmp(&(&b.time, &b.event_id)));
        self
    }
}

/// Pivot: everything one actor did (a principal key; a role session's ARN names its role).
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn actor_activity(db: &Path, actor: &str) -> Result<Activity, EngineError> {
    let mut out = Activity::default();
    let filter = EventFilter {
        principal: Some(actor.to_owned()),
        ..EventFilter::default()
    };
    crate::events(db, &filter, |e| {
        out.add(e);
        ControlFlow::Continue(())
    })?;
    Ok(out.sorted())
}

/// Pivot: all activity from one source IP.
///
/// # Errors
///
/// [`EngineError`] if the database fails.
pub fn ip_activity(db: &Path, ip: &str) -> Result<Activity, EngineError> {
    let mut out = Activity::default();
    crate::events(db, &EventFilter::default(), |e| {
        if e.event.source_ip.as_deref() == Some(ip) {
            out.add(e);
        }
        ControlFlow::Continue(())
    })?;
    Ok(out.sorted())
}

/// The events of one alert, in time order (from there: [`actor_activity`] of the alert's actor and
/// [`ip_activity`] of the events' source IPs).
///
/// # Errors
///
/// [`EngineError::UnknownAlert`] if there is no such alert; [`EngineError::Store`] if the database fails.
pub fn alert_events(db: &Path, id: i64) -> Result<Vec<EventView>, EngineError> {
    let store = Store::open(db)?;
    if !store.alerts(None)?.iter().any(|a| a.id == id) {
        return Err(EngineError::UnknownAlert(id));
    }
    let keys: HashSet<[u8; 16]> = store.alert_event_keys(id)?.into_iter().collect();
    let mut out = Activity::default();
    store.events(&EventFilter::default(), |e| {
        if keys.contains(&e.event.key) {
            out.add(e);
        }
        ControlFlow::Continue(())
    })?;
    Ok(out.sorted().timeline)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    #[test]
    fn hex_as_format_writes_it_and_unhex_reads_it_back() {
        let key: [u8; 16] = [
            0, 1, 0x0f, 0x10, 0x7f, 0x80, 0xab, 0xff, 9, 10, 11, 12, 13, 14, 15, 16,
        ];
        let want: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::hex(&key), want);
        assert_eq!(super::unhex(&want).unwrap(), key);
    }

    #[test]
    fn times_in_ms_as_rfc3339_reads_them() {
        for t in [
            "2026-10-01T00:00:00Z",
            "2026-10-01T00:00:00.250Z",
            "2026-10-01T02:00:00+02:00",
        ] {
            assert_eq!(
                super::time_ms(t),
                Some(
                    chrono::DateTime::parse_from_rfc3339(t)
                        .unwrap()
                        .timestamp_millis()
                ),
                "{t}"
            );
        }
        assert_eq!(super::time_ms("yesterday"), None);
    }

    #[test]
    fn actor_facts_read_quickly_as_through_a_json_value() {
        for details in [
            r#"{"type":"AssumedRole","account_id":"1","invoked_by":"x","mfa_authenticated":false}"#,
            r#"{"type":"","account_id":null,"other":{"a":[1,2]},"mfa_authenticated":null}"#,
            r#"{"type":"A","type":"B"}"#,
            r#"{"account_id":5,"type":"IAMUser"}"#,
            r#"{"mfa_authenticated":"true","type":"Root"}"#,
            r#"{"type":"esc\"aped\u00e9"}"#,
            r#"[1]"#,
            "",
            "not json",
        ] {
            let quick = super::ActorFacts::parse(details);
            let slow = super::ActorFacts::parse_value(details);
            assert_eq!(
                (
                    quick.actor_type,
                    quick.account,
                    quick.invoked_by,
                    quick.mfa_authenticated
                ),
                (
                    slow.actor_type,
                    slow.account,
                    slow.invoked_by,
                    slow.mfa_authenticated
                ),
                "{details}"
            );
        }
    }

    #[test]
    fn actor_facts_read_the_stored_details() {
        let f = super::ActorFacts::parse(
            r#"{"type":"AssumedRole","account_id":"111122223333","invoked_by":"ec2.amazonaws.com","mfa_authenticated":true}"#,
        );
        assert_eq!(f.actor_type.as_deref(), Some("AssumedRole"));
        assert_eq!(f.account.as_deref(), Some("111122223333"));
        assert_eq!(f.invoked_by.as_deref(), Some("ec2.amazonaws.com"));
        assert_eq!(f.mfa_authenticated, Some(true));
        let empty = super::ActorFacts::parse(r#"{"type":""}"#);
        assert_eq!(empty.actor_type, None);
        let mut cache = super::ActorCache::default();
        assert_eq!(
            cache.get(r#"{"account_id":"1"}"#).account.as_deref(),
            Some("1")
        );
        assert_eq!(
            cache.get(r#"{"account_id":"1"}"#).account.as_deref(),
            Some("1")
        );
        assert_eq!(cache.0.len(), 1);
    }
}
