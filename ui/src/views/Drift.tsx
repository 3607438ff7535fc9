// Drift: pick two account snapshots and see what changed between them, as the engine computes it —
// identities added / removed / recreated, policies attached and detached, policy documents changed
// statement by statement, permissions gained and lost per identity (all its policies combined), new and
// resolved findings, and access keys rotated or not.
import { useEffect, useState } from "react";
import * as ipc from "../ipc";
import type { DriftView, SnapshotRow } from "../ipc";
import { Empty, ErrorState, Loading } from "../components/States";
import { SeverityBadge } from "../components/Severity";
import { num, shortName, time } from "../lib/format";
import "../review.css";

function Section({ title, count, testid, children, wide }: { title: string; count: number; testid: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <section className={`panel ${wide ? "wide" : ""}`} data-testid={testid} data-value={count}>
      <h3>
        {title} <small>({num(count)})</small>
      </h3>
      {count === 0 ? <p className="muted">None.</p> : children}
    </section>
  );
}

function ActionList({ actions, className }: { actions: string[]; className: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? actions : actions.slice(0, 12);
  return (
    <span className={className}>
      {shown.join(", ")}
      {actions.length > shown.length ? (
        <>
          {" "}
          <button type="button" className="link" onClick={() => setAll(true)}>
            +{num(actions.length - shown.length)} more
          </button>
        </>
      ) : null}
    </span>
  );
}

export function DriftReport({ drift }: { drift: DriftView }) {
  const identities = drift.identitiesAdded.length + drift.identitiesRemoved.length + drift.identitiesRecreated.length;
  return (
    <div className="drift-grid" data-testid="drift-report">
      <Section title="Identities" count={identities} testid="drift-identities">
        <ul className="plain-list">
          {drift.identitiesAdded.map((i) => (
            <li key={`a${i.arn}`} className="gained">
              + {i.arn} <span className="tag">{i.kind}</span>
            </li>
          ))}
          {drift.identitiesRemoved.map((i) => (
            <li key={`r${i.arn}`} className="lost">
              − {i.arn} <span className="tag">{i.kind}</span>
            </li>
          ))}
          {drift.identitiesRecreated.map((i) => (
            <li key={`c${i.arn}`}>
              ↻ {i.arn} <span className="tag">recreated</span>
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Attached and detached" count={drift.attachments.length} testid="drift-attachments">
        <table className="plain">
          <tbody>
            {drift.attachments.map((a, i) => (
              <tr key={i}>
                <td className={a.change === "attached" ? "gained" : "lost"}>{a.change}</td>
                <td>{a.what}</td>
                <td title={a.name}>{shortName(a.name)}</td>
                <td title={a.holder}>{shortName(a.holder)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Policies changed (statement by statement)" count={drift.policyChanges.length} testid="drift-policies" wide>
        {drift.policyChanges.map((c, i) => (
          <details key={i} open={i < 3}>
            <summary>
              <span className="tag">{c.kind}</span> {c.policy}
              {c.name ? ` · ${c.name}` : ""} — +{c.added.length} −{c.removed.length} ~{c.changed.length} statements
            </summary>
            {c.added.map((s, k) => (
              <pre key={`a${k}`} className="statement added">{s}</pre>
            ))}
            {c.removed.map((s, k) => (
              <pre key={`r${k}`} className="statement removed">{s}</pre>
            ))}
            {c.changed.map((s, k) => (
              <div key={`c${k}`}>
                <strong>Sid {s.sid}</strong>
                <pre className="statement removed">{s.before}</pre>
                <pre className="statement added">{s.after}</pre>
              </div>
            ))}
          </details>
        ))}
      </Section>
      <Section title="Permissions gained and lost" count={drift.permissions.length} testid="drift-permissions" wide>
        <table className="plain">
          <thead>
            <tr>
              <th>Identity</th>
              <th className="n">Gained</th>
              <th className="n">Lost</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {drift.permissions.map((p) => (
              <tr key={p.principal}>
                <td title={p.principal}>{shortName(p.principal)}</td>
                <td className="n gained">+{num(p.gained.length)}</td>
                <td className="n lost">−{num(p.lost.length)}</td>
                <td>
                  {p.gained.length ? <ActionList actions={p.gained} className="gained" /> : null}
                  {p.gained.length && p.lost.length ? <br /> : null}
                  {p.lost.length ? <ActionList actions={p.lost} className="lost" /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="New findings" count={drift.newFindings.length} testid="drift-new-findings">
        <ul className="plain-list">
          {drift.newFindings.map((f) => (
            <li key={f.id}>
              <SeverityBadge severity={f.severity} /> {f.title}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Resolved findings" count={drift.resolvedFindings.length} testid="drift-resolved-findings">
        <ul className="plain-list">
          {drift.resolvedFindings.map((f) => (
            <li key={f.id}>
              <SeverityBadge severity={f.severity} /> {f.title}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Access keys" count={drift.credentials.length} testid="drift-credentials" wide>
        <table className="plain">
          <thead>
            <tr>
              <th>Identity</th>
              <th>Key</th>
              <th>Status</th>
              <th>Last rotated (before → after)</th>
              <th className="n">Age (days)</th>
            </tr>
          </thead>
          <tbody>
            {drift.credentials.map((k) => (
              <tr key={`${k.principal}-${k.key}`}>
                <td title={k.principal}>{shortName(k.principal)}</td>
                <td>{k.key}</td>
                <td className={k.status === "not-rotated" ? "gained" : ""}>{k.status}</td>
                <td>
                  {time(k.fromLastRotated)} → {time(k.toLastRotated)}
                </td>
                <td className="n">{k.ageDays ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

function label(s: SnapshotRow): string {
  return `#${s.id} taken ${time(s.takenAt)}${s.accountId ? ` (${s.accountId})` : ""}`;
}

export function Drift() {
  const [snapshots, setSnapshots] = useState<SnapshotRow[] | null>(null);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [drift, setDrift] = useState<DriftView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ipc.snapshots().then(
      (s) => {
        setSnapshots(s);
        // Newest first: compare the one before the latest with the latest.
        if (s.length >= 2) {
          setFrom(s[1]?.id ?? null);
          setTo(s[0]?.id ?? null);
        }
      },
      (err: unknown) => setError(String(err)),
    );
  }, []);
  if (error && !snapshots) return <ErrorState title="The snapshots could not be loaded" message={error} />;
  if (!snapshots) return <Loading what="account snapshots" />;
  if (snapshots.length < 2)
    return (
      <Empty title={snapshots.length === 0 ? "No account snapshot" : "Only one account snapshot"}>
        Drift compares two snapshots of the account: import IAM authorization details again later (
        <code>pare import --authz FILE</code>) and compare them here.
      </Empty>
    );
  const compare = () => {
    if (from === null || to === null) return;
    setBusy(true);
    setError(null);
    ipc.drift(from, to).then(
      (d) => {
        setBusy(false);
        setDrift(d);
      },
      (err: unknown) => {
        setBusy(false);
        setError(String(err));
      },
    );
  };
  return (
    <div className="drift" data-testid="drift">
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          compare();
        }}
      >
        <label>
          From (earlier)
          <select value={from ?? ""} onChange={(e) => setFrom(Number(e.target.value))} data-testid="drift-from">
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          To (later)
          <select value={to ?? ""} onChange={(e) => setTo(Number(e.target.value))} data-testid="drift-to">
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || from === to} data-testid="drift-compare">
          {busy ? "Comparing…" : "Compare"}
        </button>
      </form>
      {error ? <ErrorState title="The drift could not be computed" message={error} /> : null}
      {drift ? <DriftReport drift={drift} /> : null}
    </div>
  );
}
