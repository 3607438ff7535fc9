// One identity, everything the engine says about it: the identity graph (groups → policies, trust and can-assume
// chains, escalation paths), granted vs used per service over the observation window, its findings, the
// right-size suggestion with its per-service diff, reduction, replay and subset proofs, and export buttons that
// ask where to save through the native dialog (opened by the Rust side). CloudTrail-only principals show their
// usage and say what is missing. The principal's CloudTrail activity (the earlier principal screen) is a tab.
import { useState } from "react";
import type {
  AssumeLink,
  EscalationView,
  ExportWritten,
  FindingView,
  IdentityDetail as Detail,
  IdentityRightsize,
  PrincipalDetail as Activity,
  ServiceAccess,
} from "../ipc";
import { IdentityGraph } from "../components/IdentityGraph";
import { PolicyDiff } from "../components/PolicyDiff";
import { ErrorState, Loading } from "../components/States";
import { num, pct, time } from "../lib/format";
import type { Navigate } from "../lib/route";
import { PrincipalDetail } from "./PrincipalDetail";

export type ExportFormat = "json" | "terraform" | "cloudformation";
export const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: "json", label: "IAM JSON" },
  { format: "terraform", label: "Terraform" },
  { format: "cloudformation", label: "CloudFormation" },
];

type Tab = "graph" | "access" | "findings" | "rightsize" | "activity";

export interface IdentityProps {
  detail: Detail;
  rightsize: { data?: IdentityRightsize; error?: string; loading: boolean };
  activity?: Activity | null;
  navigate: Navigate;
  onExport: (format: ExportFormat) => Promise<ExportWritten | null>;
  initialTab?: Tab;
}

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

export function IdentityDetail({ detail, rightsize, activity, navigate, onExport, initialTab = "graph" }: IdentityProps) {
  const [tab, setTab] = useState<Tab>(initialTab);
  const tabs: { id: Tab; label: string; count?: number }[] = [
    { id: "graph", label: "Graph" },
    { id: "access", label: "Granted vs used" },
    { id: "findings", label: "Findings", count: detail.findings.length },
    { id: "rightsize", label: "Right-size" },
    ...(activity ? [{ id: "activity" as Tab, label: "Activity" }] : []),
  ];
  return (
    <div className="identity-detail" data-testid="identity-detail">
      <header className="panel">
        <h2 data-testid="identity-key">{detail.arn ?? detail.key}</h2>
        <p>
          <span className="chip">{detail.kind || "principal"}</span>{" "}
          {detail.snapshotId !== null ? (
            <span className="muted">account snapshot {detail.snapshotId} of {time(detail.snapshotTakenAt)}</span>
          ) : (
            <span className="badge own" data-testid="cloudtrail-only">seen only in CloudTrail</span>
          )}
          {detail.riskScore !== null ? (
            <>
              {" "}· risk score <strong data-testid="risk-score" data-value={detail.riskScore}>{detail.riskScore.toFixed(0)}</strong>/100
            </>
          ) : null}
        </p>
        <p className="stats-line">
          {detail.grantedActions !== null ? (
            <>
              <strong data-testid="granted-actions" data-value={detail.grantedActions}>{num(detail.grantedActions)}</strong> actions granted ·{" "}
            </>
          ) : null}
          <strong data-testid="used-actions" data-value={detail.usedActions}>{num(detail.usedActions)}</strong> used ·{" "}
          {detail.grantedActions !== null ? (
            <>
              <strong data-testid="unused-actions" data-value={detail.unusedActions}>{num(detail.unusedActions)}</strong> unused ·{" "}
              <strong>{num(detail.notObservableActions)}</strong> not observable ·{" "}
            </>
          ) : null}
          {detail.window ? (
            <span data-testid="window">
              window {time(detail.window.start)} → {time(detail.window.end)} ({detail.window.days.toFixed(1)} days)
            </span>
          ) : (
            <span>no CloudTrail events</span>
          )}
        </p>
        {detail.notes.map((n) => (
          <p key={n} className="note muted">
            {n}
          </p>
        ))}
      </header>
      <div className="tabs" role="tablist" aria-label="identity views">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={tab === t.id ? "active" : ""}
            onClick={() => setTab(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
            {t.count !== undefined ? <small> ({t.count})</small> : null}
          </button>
        ))}
      </div>
      {tab === "graph" ? <GraphTab detail={detail} navigate={navigate} /> : null}
      {tab === "access" ? <AccessTab services={detail.services} snapshot={detail.grantedActions !== null} /> : null}
      {tab === "findings" ? <FindingsTab findings={detail.findings} /> : null}
      {tab === "rightsize" ? <RightsizeTab state={rightsize} onExport={onExport} /> : null}
      {tab === "activity" && activity ? <PrincipalDetail detail={activity} navigate={navigate} /> : null}
    </div>
  );
}

function GraphTab({ detail, navigate }: { detail: Detail; navigate: Navigate }) {
  const open = (id: string) => {
    if (id !== detail.arn && (id.includes(":user/") || id.includes(":role/"))) navigate({ screen: "identity", key: id });
  };
  return (
    <>
      <section className="panel">
        <h3>
          Identity graph <small>groups → policies, trust and can-assume chains, escalation paths, CloudTrail use</small>
        </h3>
        {detail.graphLimit ? (
          <p className="muted" data-testid="graph-limit">
            {detail.graphLimit.linked.toLocaleString()} principals are linked to this identity directly; the graph draws{" "}
            {detail.graphLimit.drawn.toLocaleString()} of them
            {detail.graphLimit.directOnly ? " and does not follow chains beyond its own links" : ""}. The can-assume lists below are
            complete.
          </p>
        ) : null}
        <IdentityGraph graph={detail.graph} onSelect={open} />
        <p className="legend muted">
          <span className="dot focus" /> this identity <span className="dot group" /> group <span className="dot policy" /> policy{" "}
          <span className="line assume" /> can assume <span className="line escalate" /> escalation step{" "}
          <span className="line used" /> used
        </p>
      </section>
      <div className="two">
        <section className="panel">
          <h3>Groups and policies</h3>
          {detail.groups.length === 0 && detail.policies.length === 0 ? <p className="muted">None.</p> : null}
          {detail.groups.length > 0 ? <p>Groups: {detail.groups.join(", ")}</p> : null}
          <ul className="plain-list" data-testid="identity-policies">
            {detail.policies.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
          {detail.boundary ? (
            <p>
              Permissions boundary: <code>{detail.boundary}</code>
            </p>
          ) : null}
        </section>
        <section className="panel">
          <h3>Trust</h3>
          <AssumeList title="Who can assume it" links={detail.assumedBy} testid="assumed-by" onOpen={open} />
          <AssumeList title="What it can assume" links={detail.canAssume} testid="can-assume" onOpen={open} />
        </section>
      </div>
      <section className="panel">
        <h3>Privilege escalation</h3>
        {detail.escalations.length === 0 ? (
          <p className="good" data-testid="no-escalation">No privilege-escalation path starts at this identity.</p>
        ) : (
          <Paths paths={detail.escalations} testid="escalation-paths" />
        )}
        {detail.escalationsInto.length > 0 ? (
          <>
            <h4>Paths of others that reach or go through it</h4>
            <Paths paths={detail.escalationsInto} testid="escalations-into" />
          </>
        ) : null}
      </section>
    </>
  );
}

function AssumeList({ title, links, testid, onOpen }: { title: string; links: AssumeLink[]; testid: string; onOpen: (id: string) => void }) {
  return (
    <>
      <h4>{title}</h4>
      {links.length === 0 ? (
        <p className="muted">Nobody.</p>
      ) : (
        <ul className="plain-list" data-testid={testid}>
          {links.map((l) => (
            <li key={`${l.principal}${l.action}`} title={l.reason}>
              <button type="button" className="link" onClick={() => onOpen(l.principal)}>
                {l.principal}
              </button>{" "}
              <small className="muted">
                {l.action}
                {l.requiresMfa ? " · MFA required" : ""}
                {!l.unconditional ? ` · only if ${l.conditionKeys.join(", ") || "conditions"} hold` : ""}
              </small>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Paths({ paths, testid }: { paths: EscalationView[]; testid: string }) {
  return (
    <ol className="paths" data-testid={testid}>
      {paths.map((p, i) => (
        <li key={i} data-testid="escalation-path">
          {p.conditional ? <span className="chip">rests on a condition</span> : null}
          <ol className="steps">
            {p.steps.map((s, j) => (
              <li key={j} data-testid="escalation-step">
                <strong className="technique">{s.technique}</strong> {s.techniqueName}: <code>{s.from}</code> →{" "}
                <code>{s.to === "admin" ? "admin (full access)" : s.to}</code>
                {s.via ? (
                  <>
                    {" "}
                    via <code>{s.via}</code>
                  </>
                ) : null}
                <div className="muted">
                  uses{" "}
                  {s.permissions.map((x, k) => (
                    <span key={k} className="chip" title={x.resource}>
                      {x.action}
                      {x.conditional ? " (conditional)" : ""}
                    </span>
                  ))}
                </div>
              </li>
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}

function AccessTab({ services, snapshot }: { services: ServiceAccess[]; snapshot: boolean }) {
  const [open, setOpen] = useState<string | null>(null);
  if (services.length === 0) return <p className="panel muted">Nothing granted and nothing used.</p>;
  return (
    <section className="panel">
      <h3>
        Granted vs used per service{" "}
        <small>
          “not observable”: granted actions CloudTrail never records (such as iam:PassRole, or data events when the trail has none) — neither
          used nor unused
        </small>
      </h3>
      <table className="plain" data-testid="granted-vs-used">
        <thead>
          <tr>
            <th scope="col">Service</th>
            {snapshot ? <th scope="col" className="n">Granted</th> : null}
            <th scope="col" className="n">Used</th>
            {snapshot ? (
              <>
                <th scope="col" className="n">Unused</th>
                <th scope="col" className="n">Not observable</th>
              </>
            ) : null}
            <th scope="col" className="n">Events</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => [
            <tr key={s.service} className="group clickable" data-testid="access-service" data-service={s.service} onClick={() => setOpen(open === s.service ? null : s.service)}>
              <th scope="row">
                <button type="button" className="link" aria-expanded={open === s.service}>
                  {s.service}
                </button>
              </th>
              {snapshot ? <td className="n">{num(s.granted ?? 0)}</td> : null}
              <td className="n">{num(s.used)}</td>
              {snapshot ? (
                <>
                  <td className="n">{num(s.unused)}</td>
                  <td className="n">{s.notObservable > 0 ? num(s.notObservable) : "—"}</td>
                </>
              ) : null}
              <td className="n">{num(s.events)}</td>
              <td>{s.lastUsed ? time(s.lastUsed) : "never in the window"}</td>
            </tr>,
            ...(open === s.service
              ? [
                  ...s.usedActions.map((a) => (
                    <tr key={`u${a.action}`} className={a.granted === false ? "denied" : ""}>
                      <td className="indent" colSpan={snapshot ? 4 : 2}>
                        {a.action} {a.granted === false ? <small>(not granted by the current policies)</small> : null}
                      </td>
                      {snapshot ? <td /> : null}
                      <td className="n">{num(a.count)}</td>
                      <td>{time(a.lastUsed)}</td>
                    </tr>
                  )),
                  s.unusedActions.length > 0 ? (
                    <tr key="unused">
                      <td className="indent muted" colSpan={snapshot ? 7 : 4}>
                        unused: {s.unusedActions.join(", ")}
                        {s.unused > s.unusedActions.length ? ` and ${num(s.unused - s.unusedActions.length)} more` : ""}
                      </td>
                    </tr>
                  ) : null,
                  s.notObservableActions.length > 0 ? (
                    <tr key="unobservable">
                      <td className="indent muted" colSpan={snapshot ? 7 : 4}>
                        not observable: {s.notObservableActions.join(", ")}
                        {s.notObservable > s.notObservableActions.length ? ` and ${num(s.notObservable - s.notObservableActions.length)} more` : ""}
                      </td>
                    </tr>
                  ) : null,
                ]
              : []),
          ])}
        </tbody>
      </table>
    </section>
  );
}

function FindingsTab({ findings }: { findings: FindingView[] }) {
  if (findings.length === 0) return <p className="panel good" data-testid="no-findings">No finding about this identity.</p>;
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  return (
    <section className="panel">
      <ul className="findings" data-testid="identity-findings">
        {sorted.map((f) => (
          <li key={f.id} data-testid="identity-finding" data-kind={f.kind}>
            <span className={`sev sev-${f.severity}`}>{f.severity}</span> <strong>{f.title}</strong>{" "}
            <small className="muted">{f.kind}</small>
            <p>{f.explanation}</p>
            <p>
              <em>Recommendation:</em> {f.recommendation}
            </p>
            <details>
              <summary>Evidence</summary>
              <pre>{f.evidence}</pre>
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}

type ExportState = { status: "idle" } | { status: "busy"; format: ExportFormat } | { status: "done"; written: ExportWritten } | { status: "cancelled" } | { status: "error"; message: string };

export function ExportButtons({ available, onExport }: { available: boolean; onExport: (f: ExportFormat) => Promise<ExportWritten | null> }) {
  const [state, setState] = useState<ExportState>({ status: "idle" });
  const run = (format: ExportFormat) => {
    setState({ status: "busy", format });
    onExport(format).then(
      (written) => setState(written ? { status: "done", written } : { status: "cancelled" }),
      (err: unknown) => setState({ status: "error", message: String(err) }),
    );
  };
  return (
    <div className="export" data-testid="export">
      {FORMATS.map((f) => (
        <button
          key={f.format}
          type="button"
          disabled={!available || state.status === "busy"}
          onClick={() => run(f.format)}
          data-testid={`export-${f.format}`}
        >
          {state.status === "busy" && state.format === f.format ? "Exporting…" : `Export ${f.label}…`}
        </button>
      ))}
      <span role="status" data-testid="export-status" data-status={state.status}>
        {state.status === "done" ? (
          <>
            Saved {num(state.written.bytes)} bytes to <code data-testid="export-path">{state.written.path}</code>
          </>
        ) : state.status === "cancelled" ? (
          "Not saved: the dialog was cancelled."
        ) : state.status === "error" ? (
          <span className="error">Export failed: {state.message}</span>
        ) : !available ? (
          "No suggestion to export."
        ) : null}
      </span>
    </div>
  );
}

function RightsizeTab({ state, onExport }: { state: IdentityProps["rightsize"]; onExport: IdentityProps["onExport"] }) {
  const [shown, setShown] = useState<ExportFormat>("json");
  if (state.error) return <ErrorState title="The right-size suggestion could not be made" message={state.error} />;
  if (state.loading || !state.data) return <Loading what="the right-size suggestion (replaying its CloudTrail calls)" />;
  const r = state.data;
  if (r.unavailable) {
    return (
      <section className="panel" data-testid="rightsize-unavailable">
        <h3>No right-size suggestion</h3>
        <p>{r.unavailable}</p>
        <ExportButtons available={false} onExport={onExport} />
      </section>
    );
  }
  const replayOk = r.replayDenied.length === 0;
  const proofOk = r.proofViolations.length === 0;
  const preview = r.exports.find((e) => e.format === shown);
  return (
    <div data-testid="rightsize">
      <section className="panel">
        <h3>
          Right-sized policy{" "}
          <small>
            from {time(r.firstEvent)} to {time(r.lastEvent)}
          </small>
        </h3>
        <div className="stats rs-stats">
          <div className="stat">
            <span className="stat-value" data-testid="rs-before" data-value={r.beforeActions}>{num(r.beforeActions)}</span>
            <span className="stat-label">actions granted now ({num(r.servicesBefore)} services)</span>
          </div>
          <div className="stat">
            <span className="stat-value" data-testid="rs-after" data-value={r.afterActions}>{num(r.afterActions)}</span>
            <span className="stat-label">actions suggested ({num(r.servicesAfter)} services)</span>
          </div>
          <div className="stat">
            <span className="stat-value" data-testid="rs-reduction" data-value={r.reductionPercent}>{pct(r.reductionPercent)}</span>
            <span className="stat-label">of granted actions removed</span>
          </div>
          <div className="stat">
            <span className={`stat-value ${replayOk ? "good" : "error"}`} data-testid="rs-replay" data-value={`${r.replayAllowed}/${r.replayTotal}`}>
              {num(r.replayAllowed)}/{num(r.replayTotal)}
            </span>
            <span className="stat-label">observed events allowed on replay ({num(r.replayDistinctCalls)} distinct calls)</span>
          </div>
          <div className="stat">
            <span className={`stat-value ${proofOk ? "good" : "error"}`} data-testid="rs-proof">{proofOk ? "⊆ current" : "violations"}</span>
            <span className="stat-label">
              subset proof: {num(r.proofStatements)} statements, {num(r.proofPairs)} pairs checked
            </span>
          </div>
          <div className="stat">
            <span className="stat-value">{num(r.highRiskRemoved.length)}</span>
            <span className="stat-label">high-risk actions removed</span>
          </div>
        </div>
        {!replayOk ? (
          <ul className="problems" data-testid="rs-replay-denied">
            {r.replayDenied.map((d) => (
              <li key={`${d.action}${d.resource}`}>
                {d.action} on <code>{d.resource}</code> ({num(d.count)} events): {d.reason}
              </li>
            ))}
          </ul>
        ) : null}
        {!proofOk ? (
          <ul className="problems">
            {r.proofViolations.map((v) => (
              <li key={v}>{v}</li>
            ))}
          </ul>
        ) : null}
        {r.servicesRemoved.length > 0 ? <p>Services removed entirely: {r.servicesRemoved.join(", ")}</p> : null}
        {r.highRiskRemoved.length > 0 ? (
          <p className="muted">
            High-risk actions removed: {r.highRiskRemoved.slice(0, 20).join(", ")}
            {r.highRiskRemoved.length > 20 ? ` and ${num(r.highRiskRemoved.length - 20)} more` : ""}
          </p>
        ) : null}
        {r.keptNotObservable.length > 0 ? (
          <details>
            <summary>{num(r.keptNotObservable.length)} permissions kept although CloudTrail cannot show them</summary>
            <ul>
              {r.keptNotObservable.map((k) => (
                <li key={k.action}>
                  <code>{k.action}</code>: {k.reason}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        {r.notGrantedNow.length > 0 ? (
          <p className="muted">{num(r.notGrantedNow.length)} observed calls are not granted today and stay out of the suggestion.</p>
        ) : null}
        {r.notes.map((n) => (
          <p key={n} className="note muted">
            {n}
          </p>
        ))}
        <ExportButtons available onExport={onExport} />
      </section>
      <section className="panel">
        <h3>Diff against the current policies, per service</h3>
        <PolicyDiff diff={r.diff} />
      </section>
      <section className="panel">
        <h3>
          Proposed policy{" "}
          <small>
            {num(r.sizeChars)} of {num(r.sizeLimit)} characters · {num(r.managedPolicies)} managed polic{r.managedPolicies === 1 ? "y" : "ies"}
          </small>
        </h3>
        <div className="tabs small" role="tablist" aria-label="export format">
          {FORMATS.map((f) => (
            <button key={f.format} type="button" role="tab" aria-selected={shown === f.format} className={shown === f.format ? "active" : ""} onClick={() => setShown(f.format)}>
              {f.label}
            </button>
          ))}
        </div>
        <pre className="policy" data-testid="policy-preview" data-format={shown}>
          {preview?.text}
        </pre>
      </section>
    </div>
  );
}
