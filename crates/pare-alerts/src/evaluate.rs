//! The evaluator: policies over events in time order, with the state thresholds and first-seen forms need.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::event::AlertEvent;
use crate::pattern::parse_ip;
use crate::policy::{FirstSeenOf, FirstSeenPer, Policy, Severity};

/// One alert: a policy matched one event, or a threshold window filled, or a value was seen first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The policy's id.
    pub policy: String,
    /// The policy's severity.
    pub severity: Severity,
    /// The actor's principal key (for a group by account or source IP: the actor of the last event).
    pub actor: String,
    /// The time of the event that raised it.
    pub time: Option<String>,
    /// The `eventID`s of the events that caused it, in time order.
    pub events: Vec<String>,
    /// The events' [`AlertEvent::key`]s, in the same order.
    pub keys: Vec<String>,
    /// One line saying what happened.
    pub summary: String,
}

/// The matching events of a threshold window: (ms since the epoch, eventID, key).
type Window = VecDeque<(i64, String, String)>;

/// What the evaluator remembers between events (serialisable, so a later run continues).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluatorState {
    /// Per threshold policy and group: the matching events in the current window (ms, eventID, actor).
    windows: BTreeMap<String, BTreeMap<String, Window>>,
    /// Per first-seen policy and group: the values seen.
    seen: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// Runs policies over events. Feed events in time order ([`Evaluator::sort`]); the same events in the
/// same order give the same alerts.
#[derive(Debug, Clone)]
pub struct Evaluator {
    policies: Vec<Policy>,
    state: EvaluatorState,
}

fn group_key(per: FirstSeenPer, e: &AlertEvent) -> Option<String> {
    match per {
        FirstSeenPer::Actor => Some(e.actor.clone()),
        FirstSeenPer::Account => e.account.clone(),
        FirstSeenPer::SourceIp => e.source_ip.clone(),
    }
}

fn summary(e: &AlertEvent) -> String {
    let who = e.actor_name.as_deref().unwrap_or(&e.actor);
    let mut s = format!("{who} called {}", e.event_name);
    if !e.event_source.is_empty() {
        s.push_str(&format!(" ({})", e.event_source));
    }
    if let Some(ip) = &e.source_ip {
        s.push_str(&format!(" from {ip}"));
    }
    if let Some(r) = &e.region {
        s.push_str(&format!(" in {r}"));
    }
    if let Some(code) = &e.error_code {
        s.push_str(&format!(", error {code}"));
    }
    s
}

impl Evaluator {
    /// An evaluator with empty state.
    #[must_use]
    pub fn new(policies: Vec<Policy>) -> Self {
        Self::with_state(policies, EvaluatorState::default())
    }

    /// An evaluator continuing from `state`.
    #[must_use]
    pub fn with_state(policies: Vec<Policy>, state: EvaluatorState) -> Self {
        Evaluator { policies, state }
    }

    /// The policies.
    #[must_use]
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The state to keep for the next run.
    #[must_use]
    pub fn state(&self) -> &EvaluatorState {
        &self.state
    }

    /// Sorts events into evaluation order: by time, then `eventID`; events without a time last, in their
    /// given order.
    pub fn sort(events: &mut [AlertEvent]) {
        events.sort_by(|a, b| {
            (a.time_ms.is_none(), a.time_ms, &a.event_id).cmp(&(
                b.time_ms.is_none(),
                b.time_ms,
                &b.event_id,
            ))
        });
    }

    /// Evaluates one event against every policy, in policy order.
    pub fn evaluate(&mut self, e: &AlertEvent) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for policy in &self.policies {
            if !policy.filter().matches(e) {
                continue;
            }
            let alert = |events: Vec<(String, String)>, actor: String, summary: String| Alert {
                policy: policy.id().to_owned(),
                severity: policy.severity(),
                actor,
                time: e.time.clone(),
                keys: events.iter().map(|(_, k)| k.clone()).collect(),
                events: events.into_iter().map(|(id, _)| id).collect(),
                summary,
            };
            let this = || vec![(e.event_id.clone(), e.key.clone())];
            if let Some(t) = policy.threshold() {
                let (Some(now), Some(group)) = (e.time_ms, group_key(t.per, e)) else {
                    continue;
                };
                let window = self
                    .state
                    .windows
                    .entry(policy.id().to_owned())
                    .or_default()
                    .entry(group.clone())
                    .or_default();
                let span = i64::from(t.within_minutes.get()) * 60_000;
                while window.front().is_some_and(|(at, _, _)| *at <= now - span) {
                    window.pop_front();
                }
                window.push_back((now, e.event_id.clone(), e.key.clone()));
                if window.len() > t.count.get() as usize {
                    let events: Vec<(String, String)> =
                        window.drain(..).map(|(_, id, key)| (id, key)).collect();
                    let text = format!(
                        "{} matching events within {} minutes for {group}; last: {}",
                        events.len(),
                        t.within_minutes,
                        summary(e)
                    );
                    let actor = match t.per {
                        FirstSeenPer::Actor => group,
                        _ => e.actor.clone(),
                    };
                    alerts.push(alert(events, actor, text));
                }
            } else if let Some(f) = policy.first_seen() {
                // Texts are copied only when they are new to the state (this runs for every event).
                let value: Option<std::borrow::Cow<'_, str>> = match f.of {
                    FirstSeenOf::SourceIp => e
                        .source_ip
                        .as_deref()
                        .and_then(parse_ip)
                        .map(|ip| std::borrow::Cow::Owned(ip.to_string())),
                    FirstSeenOf::Region => e.region.as_deref().map(std::borrow::Cow::Borrowed),
                };
                let group = match f.per {
                    FirstSeenPer::Actor => Some(e.actor.as_str()),
                    FirstSeenPer::Account => e.account.as_deref(),
                    FirstSeenPer::SourceIp => e.source_ip.as_deref(),
                };
                let (Some(value), Some(group)) = (value, group) else {
                    continue;
                };
                if !self.state.seen.contains_key(policy.id()) {
                    self.state
                        .seen
                        .insert(policy.id().to_owned(), BTreeMap::new());
                }
                let Some(groups) = self.state.seen.get_mut(policy.id()) else {
                    continue;
                };
                let had_history = groups.contains_key(group);
                if !had_history {
                    groups.insert(group.to_owned(), BTreeSet::new());
                }
                let Some(values) = groups.get_mut(group) else {
                    continue;
                };
                let new_value = !values.contains(value.as_ref());
                if new_value {
                    values.insert(value.clone().into_owned());
                }
                if new_value && had_history {
                    let what = match f.of {
                        FirstSeenOf::SourceIp => "source ip",
                        FirstSeenOf::Region => "region",
                    };
                    let text = format!("first use of {what} {value} for {group}: {}", summary(e));
                    alerts.push(alert(this(), e.actor.clone(), text));
                }
            } else {
                alerts.push(alert(this(), e.actor.clone(), summary(e)));
            }
        }
        alerts
    }

    /// Evaluates events in the order given.
    pub fn evaluate_all<'e>(
        &mut self,
        events: impl IntoIterator<Item = &'e AlertEvent>,
    ) -> Vec<Alert> {
        events.into_iter().flat_map(|e| self.evaluate(e)).collect()
    }
}
