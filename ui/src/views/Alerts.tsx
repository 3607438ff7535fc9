// Alerts: every alert the activity policies raised, newest first, in a virtualised list with severity,
// policy, actor, time, event count and status; filters by status, severity and policy. Selecting an alert
// shows its events, the policy's reason and recommendation, triage (dismiss / resolve with a note, by the
// reviewer whose name is stored in the database), a way to adjust the policy, and the investigate pivots
// (the actor's activity, all activity from one source IP) into the Activity screen.
import { useEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import * as ipc from "../ipc";
import type { AlertDetail, AlertFilter, AlertList, AlertRow } from "../ipc";
import { Empty, ErrorState, Loading } from "../components/States";
import { ReviewerName } from "../components/ReviewerName";
import { SeverityBadge, StatusBadge } from "../components/Severity";
import { num, outcomeLabel, shortName, time } from "../lib/format";
import type { Navigate } from "../lib/route";
import "../review.css";

const ROW_HEIGHT = 34;

function CountSelect({
  label,
  value,
  counts,
  onChange,
  testid,
  names,
}: {
  label: string;
  value: string | undefined;
  counts: { name: string; count: number }[];
  onChange: (v: string | undefined) => void;
  testid: string;
  names?: Map<string, string>;
}) {
  return (
    <label>
      {label}
      <select value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)} data-testid={testid}>
        <option value="">All</option>
        {counts.map((c) => (
          <option key={c.name} value={c.name}>
            {names?.get(c.name) ?? c.name} ({num(c.count)})
          </option>
        ))}
      </select>
    </label>
  );
}

export function AlertDetailPanel({
  detail,
  reviewer,
  onTriaged,
  navigate,
}: {
  detail: AlertDetail;
  reviewer: string | null;
  onTriaged: (row: AlertRow) => void;
  navigate: Navigate;
}) {
  const a = detail.alert;
  const [note, setNote] = useState(a.note ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setNote(a.note ?? "");
    setError(null);
  }, [a.id, a.note]);
  const triage = (status: "dismissed" | "resolved" | "open") => {
    setBusy(true);
    setError(null);
    ipc.triageAlert(a.id, status, note).then(
      (row) => {
        setBusy(false);
        onTriaged(row);
      },
      (err: unknown) => {
        setBusy(false);
        setError(String(err));
      },
    );
  };
  const p = detail.policy;
  return (
    <section className="panel detail-pane" data-testid="alert-detail" data-id={a.id} aria-label="alert detail">
      <h3>
        <SeverityBadge severity={a.severity} /> {a.policyName}
      </h3>
      <p>{a.summary}</p>
      <dl>
        <dt>Status</dt>
        <dd data-testid="alert-status" data-value={a.status}>
          <StatusBadge status={a.status} />
          {a.triagedBy ? ` by ${a.triagedBy}` : ""}
          {a.triagedAt ? ` at ${time(a.triagedAt)}` : ""}
        </dd>
        {a.note ? (
          <>
            <dt>Note</dt>
            <dd>{a.note}</dd>
          </>
        ) : null}
        <dt>Actor</dt>
        <dd title={a.actor}>{a.actor}</dd>
        <dt>Time</dt>
        <dd>{time(a.time)}</dd>
        <dt>Policy</dt>
        <dd>
          {a.policy} v{a.policyVersion}
        </dd>
      </dl>
      {p ? (
        <>
          <h4>Why it matters</h4>
          <p data-testid="policy-reason">{p.reason}</p>
          <h4>What to do</h4>
          <p data-testid="policy-recommendation">{p.recommendation}</p>
        </>
      ) : (
        <p className="muted">The policy that raised it is no longer stored.</p>
      )}
      <h4>Triage</h4>
      {reviewer ? null : <p className="muted">Set your name as reviewer above so triage records who decided.</p>}
      <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder="Note (why)" data-testid="triage-note" aria-label="triage note" />
      <div className="actions">
        <button type="button" disabled={busy || a.status === "dismissed"} onClick={() => triage("dismissed")} data-testid="triage-dismiss">
          Dismiss
        </button>
        <button type="button" disabled={busy || a.status === "resolved"} onClick={() => triage("resolved")} data-testid="triage-resolve">
          Resolve
        </button>
        <button type="button" disabled={busy || a.status === "open"} onClick={() => triage("open")} data-testid="triage-reopen">
          Reopen
        </button>
      </div>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
      <h4>Investigate</h4>
      <div className="actions">
        <button type="button" onClick={() => navigate({ screen: "activity", filter: { principal: a.actor } })} data-testid="pivot-actor">
          Activity of {shortName(a.actor)}
        </button>
        {detail.sourceIps.map((ip) => (
          <button key={ip} type="button" onClick={() => navigate({ screen: "activity", filter: { sourceIp: ip } })} data-testid="pivot-ip">
            All activity from {ip}
          </button>
        ))}
        <button type="button" onClick={() => navigate({ screen: "alert-policy", id: a.policy })} data-testid="adjust-policy">
          Adjust the policy that raised it
        </button>
      </div>
      <h4>
        Events <small className="muted">({num(detail.events.length)})</small>
      </h4>
      <table className="plain" data-testid="alert-events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Call</th>
            <th>Source IP</th>
            <th>Region</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {detail.events.map((e, i) => (
            <tr key={`${e.eventId ?? ""}-${i}`} className={e.outcome === "denied" ? "denied" : ""} title={e.eventId ?? undefined}>
              <td>{time(e.time)}</td>
              <td>
                {e.eventName} <small className="muted">{e.eventSource.replace(".amazonaws.com", "")}</small>
              </td>
              <td>{e.sourceIp ?? "—"}</td>
              <td>{e.region ?? "—"}</td>
              <td>
                {outcomeLabel(e.outcome)}
                {e.errorCode ? <small> {e.errorCode}</small> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Alerts({ initialFilter, initialSelected, navigate }: { initialFilter: AlertFilter; initialSelected?: number; navigate: Navigate }) {
  const [filter, setFilter] = useState<AlertFilter>(initialFilter);
  const [list, setList] = useState<AlertList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | undefined>(initialSelected);
  const [detail, setDetail] = useState<AlertDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    ipc.alerts(filter).then(
      (l) => {
        if (!live) return;
        setList(l);
        setError(null);
      },
      (err: unknown) => live && setError(String(err)),
    );
    return () => {
      live = false;
    };
  }, [filter, reload]);

  useEffect(() => {
    if (selected === undefined) {
      setDetail(null);
      return;
    }
    let live = true;
    ipc.alertDetail(selected).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        setDetailError(null);
      },
      (err: unknown) => live && setDetailError(String(err)),
    );
    return () => {
      live = false;
    };
  }, [selected, reload]);

  const rows = list?.rows ?? [];
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    initialRect: { width: 800, height: 600 },
  });

  if (error) return <ErrorState title="The alerts could not be loaded" message={error} />;
  if (!list) return <Loading what="alerts" />;
  const names = new Map(list.rows.map((r) => [r.policy, r.policyName]));
  const update = (patch: Partial<AlertFilter>) => setFilter({ ...filter, ...patch });
  const onKey = (e: React.KeyboardEvent) => {
    if (rows.length === 0) return;
    const at = Math.max(0, rows.findIndex((r) => r.id === selected));
    let next = at;
    if (e.key === "ArrowDown") next = Math.min(rows.length - 1, at + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, at - 1);
    else return;
    e.preventDefault();
    setSelected(rows[next]?.id);
    virtualizer.scrollToIndex(next);
  };

  return (
    <div className="alerts">
      <ReviewerName name={list.reviewer} onSaved={() => setReload((r) => r + 1)} />
      <div className="filters">
        <CountSelect label="Status" value={filter.status} counts={list.byStatus} onChange={(v) => update({ status: v })} testid="alerts-filter-status" />
        <CountSelect label="Severity" value={filter.severity} counts={list.bySeverity} onChange={(v) => update({ severity: v })} testid="alerts-filter-severity" />
        <CountSelect label="Policy" value={filter.policy} counts={list.byPolicy} names={names} onChange={(v) => update({ policy: v })} testid="alerts-filter-policy" />
        <p className="count" data-testid="alerts-shown" data-value={rows.length}>
          {num(rows.length)} of <span data-testid="alerts-total" data-value={list.total}>{num(list.total)}</span> alerts
        </p>
      </div>
      {list.total === 0 ? (
        <Empty title="No alerts">
          The activity policies raised nothing on the events imported so far. Alerts are evaluated on every import.
        </Empty>
      ) : (
        <div className="split">
          {rows.length === 0 ? (
            <Empty title="No alerts match these filters">Clear a filter to see more.</Empty>
          ) : (
            <div className="table-box alerts-table" role="grid" aria-label="alerts" aria-rowcount={rows.length} tabIndex={0} onKeyDown={onKey} ref={scroller} data-testid="alerts-table">
              <div className="row head" role="row">
                <span role="columnheader">Severity</span>
                <span role="columnheader">Policy</span>
                <span role="columnheader">Actor</span>
                <span role="columnheader">Time</span>
                <span role="columnheader">Events</span>
                <span role="columnheader">Status</span>
              </div>
              <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
                {virtualizer.getVirtualItems().map((item) => {
                  const r = rows[item.index];
                  if (!r) return null;
                  return (
                    <div
                      key={r.id}
                      role="row"
                      aria-rowindex={item.index + 2}
                      aria-selected={r.id === selected}
                      className={`row clickable ${r.id === selected ? "selected" : ""}`}
                      style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                      onClick={() => setSelected(r.id)}
                      data-testid="alert-row"
                      data-id={r.id}
                      data-status={r.status}
                    >
                      <span role="gridcell">
                        <SeverityBadge severity={r.severity} />
                      </span>
                      <span role="gridcell" title={r.summary}>
                        {r.policyName}
                      </span>
                      <span role="gridcell" title={r.actor}>
                        {shortName(r.actor)}
                      </span>
                      <span role="gridcell">{time(r.time)}</span>
                      <span role="gridcell">{num(r.eventCount)}</span>
                      <span role="gridcell">
                        <StatusBadge status={r.status} />
                      </span>
                    </div>
                  );
                })}
              </div>
            </div>
          )}
          {detailError ? (
            <ErrorState title="This alert could not be loaded" message={detailError} />
          ) : detail ? (
            <AlertDetailPanel detail={detail} reviewer={list.reviewer} onTriaged={() => setReload((r) => r + 1)} navigate={navigate} />
          ) : (
            <p className="muted panel">Select an alert to see its events, the policy's reason and recommendation, and to triage it.</p>
          )}
        </div>
      )}
    </div>
  );
}
