// One review: its progress (decided / total, carried over), the decision grid per identity and finding
// (virtualised; decisions carried over from the previous review are marked), the decision form (keep /
// remove / right-size / accept risk with an expiry, and a note), and closing it into a report — HTML, PDF
// or CSV, written where the native save dialog says (the files `pare review report` writes).
import { useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import * as ipc from "../ipc";
import type { ReviewDetail as Detail, ReviewItemRow, SavedReport } from "../ipc";
import { ErrorState, Loading } from "../components/States";
import { ReviewerName } from "../components/ReviewerName";
import { SeverityBadge } from "../components/Severity";
import { date, num, shortName, time } from "../lib/format";
import type { Navigate } from "../lib/route";
import "../review.css";

const ROW_HEIGHT = 34;
export const DECISIONS: { value: string; label: string }[] = [
  { value: "keep", label: "Keep" },
  { value: "remove", label: "Remove" },
  { value: "rightsize", label: "Right-size" },
  { value: "accept-risk", label: "Accept risk" },
];
const LABEL = new Map(DECISIONS.map((d) => [d.value, d.label]));

type Show = "all" | "undecided" | "findings" | "identities" | "carried";

export function DecisionForm({ review, item, onDecided }: { review: string; item: ReviewItemRow; onDecided: () => void }) {
  const [decision, setDecision] = useState(item.decision?.decision ?? "keep");
  const [note, setNote] = useState(item.decision?.note ?? "");
  const [expires, setExpires] = useState(item.decision?.expiresAt?.slice(0, 10) ?? "");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDecision(item.decision?.decision ?? "keep");
    setNote(item.decision?.note ?? "");
    setExpires(item.decision?.expiresAt?.slice(0, 10) ?? "");
    setError(null);
  }, [item]);
  const d = item.decision;
  return (
    <section className="panel detail-pane" data-testid="decision-form" aria-label="decision">
      <h3>
        {item.subject === "finding" ? <SeverityBadge severity={item.severity} /> : <span className="tag">identity</span>} {item.title}
      </h3>
      <dl>
        <dt>Identity</dt>
        <dd>{item.principal}</dd>
        <dt>{item.subject === "finding" ? "Finding" : "Kind"}</dt>
        <dd>{item.subject === "finding" ? `${item.kind} · ${item.key}` : item.kind}</dd>
        {d ? (
          <>
            <dt>Decision</dt>
            <dd data-testid="current-decision" data-value={d.decision}>
              {LABEL.get(d.decision) ?? d.decision} by {d.reviewer} on {time(d.decidedAt)}
              {d.expiresAt ? `, until ${date(d.expiresAt)}` : ""}
              {d.inheritedFrom ? <strong> — carried over from {d.inheritedFrom}</strong> : null}
            </dd>
            <dt>Note</dt>
            <dd>{d.note}</dd>
          </>
        ) : null}
      </dl>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          ipc.decide(review, item.subject, item.key, decision, note, decision === "accept-risk" ? expires || null : null).then(
            () => onDecided(),
            (err: unknown) => setError(String(err)),
          );
        }}
      >
        <div className="actions" role="radiogroup" aria-label="decision">
          {DECISIONS.map((o) => (
            <label key={o.value}>
              <input type="radio" name="decision" value={o.value} checked={decision === o.value} onChange={() => setDecision(o.value)} data-testid={`decision-${o.value}`} /> {o.label}
            </label>
          ))}
        </div>
        {decision === "accept-risk" ? (
          <label className="filters">
            Look at it again on
            <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} required data-testid="decision-expires" />
          </label>
        ) : null}
        <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder="Note (why; required)" data-testid="decision-note" aria-label="decision note" />
        <div className="actions">
          <button type="submit" data-testid="decision-save">
            {d ? "Change decision" : "Record decision"}
          </button>
        </div>
        {error ? (
          <p className="error-text" role="alert" data-testid="decision-error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}

export function ReportButtons({ review }: { review: string }) {
  const [saved, setSaved] = useState<SavedReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const save = (format: "html" | "pdf" | "csv") => {
    setBusy(format);
    setError(null);
    ipc.saveReviewReport(review, format).then(
      (s) => {
        setBusy(null);
        if (s) setSaved(s);
      },
      (err: unknown) => {
        setBusy(null);
        setError(String(err));
      },
    );
  };
  return (
    <div className="actions" aria-label="report">
      <strong>Close into a report:</strong>
      {(["html", "pdf", "csv"] as const).map((f) => (
        <button key={f} type="button" disabled={busy !== null} onClick={() => save(f)} data-testid={`report-${f}`}>
          {busy === f ? "Writing…" : `${f.toUpperCase()}…`}
        </button>
      ))}
      {saved ? (
        <span data-testid="report-saved" data-value={saved.path}>
          Wrote <code>{saved.path}</code> (SHA-256 <code title={saved.sha256}>{saved.sha256.slice(0, 16)}…</code>)
        </span>
      ) : null}
      {error ? (
        <span className="error-text" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function ReviewGrid({ detail, navigate }: { detail: Detail; navigate: Navigate }) {
  const [show, setShow] = useState<Show>("all");
  const [selected, setSelected] = useState<string | null>(null);
  const [current, setCurrent] = useState(detail);
  const [reviewer, setReviewer] = useState(detail.reviewer);
  useEffect(() => setCurrent(detail), [detail]);
  const rows = useMemo(
    () =>
      current.items.filter((i) =>
        show === "undecided"
          ? !i.decision
          : show === "findings"
            ? i.subject === "finding"
            : show === "identities"
              ? i.subject === "principal"
              : show === "carried"
                ? !!i.decision?.inheritedFrom
                : true,
      ),
    [current, show],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    initialRect: { width: 800, height: 600 },
  });
  const s = current.summary;
  const item = current.items.find((i) => `${i.subject}:${i.key}` === selected);
  const refresh = () => ipc.review(s.name).then(setCurrent, () => undefined);
  return (
    <div className="review-detail" data-testid="review-detail" data-name={s.name}>
      <p>
        <button type="button" className="link" onClick={() => navigate({ screen: "reviews" })}>
          ← Reviews
        </button>
      </p>
      <section className="panel">
        <h3>
          {s.name}{" "}
          <small>
            snapshot #{s.snapshotId}
            {current.snapshot ? ` taken ${time(current.snapshot.takenAt)}` : ""}
            {current.snapshot?.accountId ? ` · account ${current.snapshot.accountId}` : ""} · usage {date(s.since)} → {date(s.until)}
            {s.previous ? ` · carried over from ${s.previous}` : ""}
          </small>
        </h3>
        <p>
          <progress className="progress" max={s.total || 1} value={s.decided} />
          <span data-testid="review-progress" data-value={`${s.decided}/${s.total}`}>
            {num(s.decided)} of {num(s.total)} decided
          </span>
          , <span data-testid="review-inherited" data-value={s.inherited}>{num(s.inherited)} carried over</span>
        </p>
        <ReportButtons review={s.name} />
      </section>
      <ReviewerName name={reviewer} onSaved={setReviewer} />
      <div className="filters">
        <label>
          Show
          <select value={show} onChange={(e) => setShow(e.target.value as Show)} data-testid="review-show">
            <option value="all">Everything</option>
            <option value="undecided">Undecided</option>
            <option value="findings">Findings</option>
            <option value="identities">Identities</option>
            <option value="carried">Carried over</option>
          </select>
        </label>
        <p className="count">{num(rows.length)} items</p>
      </div>
      <div className="split">
        <div className="table-box review-grid" role="grid" aria-label="decisions" aria-rowcount={rows.length} ref={scroller} data-testid="review-grid">
          <div className="row head" role="row">
            <span role="columnheader">Item</span>
            <span role="columnheader">Severity</span>
            <span role="columnheader">Identity</span>
            <span role="columnheader">What</span>
            <span role="columnheader">Decision</span>
          </div>
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((v) => {
              const i = rows[v.index];
              if (!i) return null;
              const id = `${i.subject}:${i.key}`;
              return (
                <div
                  key={id}
                  role="row"
                  aria-rowindex={v.index + 2}
                  aria-selected={id === selected}
                  className={`row clickable ${id === selected ? "selected" : ""}`}
                  style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                  onClick={() => setSelected(id)}
                  data-testid="review-item"
                  data-subject={i.subject}
                  data-key={i.key}
                  data-decision={i.decision?.decision ?? ""}
                >
                  <span role="gridcell">{i.subject === "finding" ? "Finding" : "Identity"}</span>
                  <span role="gridcell">{i.subject === "finding" ? <SeverityBadge severity={i.severity} /> : "—"}</span>
                  <span role="gridcell" title={i.principal}>
                    {shortName(i.principal)}
                  </span>
                  <span role="gridcell" title={i.title}>
                    {i.title}
                  </span>
                  <span role="gridcell">
                    {i.decision ? (
                      <>
                        {LABEL.get(i.decision.decision) ?? i.decision.decision}
                        {i.decision.inheritedFrom ? <small title={`carried over from ${i.decision.inheritedFrom}`}> ↻ {i.decision.inheritedFrom}</small> : null}
                      </>
                    ) : (
                      <span className="muted">undecided</span>
                    )}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
        {item ? (
          <DecisionForm review={s.name} item={item} onDecided={() => void refresh()} />
        ) : (
          <p className="muted panel">Select a finding or an identity to record a decision.</p>
        )}
      </div>
    </div>
  );
}

export function ReviewDetail({ name, navigate }: { name: string; navigate: Navigate }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ipc.review(name).then(setDetail, (err: unknown) => setError(String(err)));
  }, [name]);
  if (error) return <ErrorState title="This review could not be loaded" message={error} />;
  if (!detail) return <Loading what="the review" />;
  return <ReviewGrid detail={detail} navigate={navigate} />;
}
