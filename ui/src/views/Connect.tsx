// "Connect to AWS": pick a profile from the user's own AWS config (names only; credentials stay
// with the AWS SDK), a region and the CloudTrail window, then watch the scan stage by stage (with
// Cancel) and see what it read: the account, the identities, what could not be read. The scan goes
// into the user's own database, so the other screens show it next.
import { useEffect, useState } from "react";
import * as ipc from "../ipc";
import type { ConnectChoices, DatabaseInfo, ScanOutcome, ScanStatus } from "../ipc";
import { ErrorState, Loading } from "../components/States";
import { num } from "../lib/format";
import type { Navigate } from "../lib/route";

/** The default chain (environment variables, SSO cache, instance role) when no profile is picked. */
const DEFAULT_CHAIN = "";

type StageState = "pending" | "running" | "done";

interface StageLine {
  state: StageState;
  message: string;
}

const STAGE_LABELS: Record<string, string> = {
  identity: "Identity (sts:GetCallerIdentity)",
  "iam authorization details": "IAM users, groups, roles and policies",
  "credential report": "Credential report",
  "account settings": "Account summary, password policy, access keys",
  "access advisor": "Access Advisor (last accessed)",
  cloudtrail: "CloudTrail",
  "access analyzer": "IAM Access Analyzer",
  organizations: "Organizations (SCPs and RCPs)",
  "cloudtrail import": "CloudTrail import",
};

export function label(stage: string): string {
  return STAGE_LABELS[stage] ?? stage;
}

/** The stage lines after one progress report: earlier stages are done once a later one starts. */
export function advance(lines: Record<string, StageLine>, stages: string[], s: ScanStatus): Record<string, StageLine> {
  const next = { ...lines };
  const at = stages.indexOf(s.stage);
  for (const [i, name] of stages.entries()) {
    if (i < at && next[name]?.state === "running") next[name] = { ...next[name], state: "done" };
  }
  next[s.stage] = { state: s.done ? "done" : "running", message: s.message };
  return next;
}

export function Connect({ navigate, onDatabase }: { navigate: Navigate; onDatabase: (db: DatabaseInfo) => void }) {
  const [choices, setChoices] = useState<ConnectChoices | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [profile, setProfile] = useState(DEFAULT_CHAIN);
  const [region, setRegion] = useState("");
  const [since, setSince] = useState("");
  const [running, setRunning] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [lines, setLines] = useState<Record<string, StageLine>>({});
  const [outcome, setOutcome] = useState<ScanOutcome | null>(null);
  const [startError, setStartError] = useState<string | null>(null);

  useEffect(() => {
    ipc.awsConnectChoices().then(
      (c) => {
        setChoices(c);
        const first = c.profiles[0];
        if (first) {
          setProfile(first.name);
          setRegion(first.region ?? "");
        }
        setSince(c.defaultSince);
      },
      (err: unknown) => setLoadError(String(err)),
    );
  }, []);

  useEffect(() => {
    if (!choices) return;
    let unlisten: (() => void) | undefined;
    let live = true;
    void ipc
      .onScan(
        (s) => setLines((l) => advance(l, choices.stages, s)),
        (o) => {
          setRunning(false);
          setCancelling(false);
          setOutcome(o);
          if (o.database) onDatabase(o.database);
        },
      )
      .then((u) => {
        if (live) unlisten = u;
        else u();
      });
    return () => {
      live = false;
      unlisten?.();
    };
  }, [choices, onDatabase]);

  if (loadError) return <ErrorState title="Your AWS profiles could not be read" message={loadError} />;
  if (!choices) return <Loading what="your AWS profiles" />;

  const pickProfile = (name: string) => {
    setProfile(name);
    const p = choices.profiles.find((x) => x.name === name);
    if (p?.region) setRegion(p.region);
  };

  const start = () => {
    setStartError(null);
    setOutcome(null);
    setLines({});
    setRunning(true);
    ipc.startAwsScan(profile === DEFAULT_CHAIN ? null : profile, region || null, since || null).catch((err: unknown) => {
      setRunning(false);
      setStartError(String(err));
    });
  };

  const report = outcome?.report ?? null;
  const regions = region && !choices.regions.includes(region) ? [region, ...choices.regions] : choices.regions;
  return (
    <div className="connect" data-testid="connect">
      <section className="panel">
        <h3>Connect to AWS</h3>
        <p className="muted">
          Pare reads the account with your own AWS profile, read-only (the IAM policy it needs is in the README). Credentials
          stay with the AWS SDK: Pare reads only profile names here and never stores a secret.
        </p>
        <div className="filters">
          <label>
            Profile
            <select value={profile} onChange={(e) => pickProfile(e.target.value)} disabled={running} data-testid="connect-profile">
              {choices.profiles.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.kind}
                  {p.region ? `, ${p.region}` : ""})
                </option>
              ))}
              <option value={DEFAULT_CHAIN}>Default credential chain (environment, SSO cache, instance role)</option>
            </select>
          </label>
          <label>
            Region
            <select value={region} onChange={(e) => setRegion(e.target.value)} disabled={running} data-testid="connect-region">
              <option value="">The profile’s region</option>
              {regions.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label title="Empty: every log object of the trail (LookupEvents reaches 90 days back)">
            CloudTrail since (empty: all)
            <input type="date" value={since} onChange={(e) => setSince(e.target.value)} disabled={running} data-testid="connect-since" />
          </label>
          <button type="button" onClick={start} disabled={running} data-testid="connect-scan">
            {running ? "Scanning…" : "Scan account"}
          </button>
        </div>
        {choices.profiles.length === 0 ? (
          <p className="muted" data-testid="no-profiles">
            No profiles in your AWS config or credentials files: the default credential chain is used.
          </p>
        ) : null}
      </section>
      {startError ? <ErrorState title="The scan could not start" message={startError} /> : null}
      {running || Object.keys(lines).length > 0 ? (
        <section className="panel" aria-live="polite" data-testid="scan-progress">
          <h3>{running ? "Scanning" : "Scan stages"}</h3>
          <ol className="stages">
            {choices.stages.map((name) => {
              const line = lines[name];
              const state = line?.state ?? (running ? "pending" : "skipped");
              return (
                <li key={name} className={`stage ${state}`} data-testid="scan-stage" data-stage={name} data-state={state}>
                  <span className="stage-mark" aria-hidden="true">
                    {state === "done" ? "✓" : state === "running" ? "…" : "·"}
                  </span>{" "}
                  <strong>{label(name)}</strong> {line ? <span className="muted">{line.message}</span> : null}
                </li>
              );
            })}
          </ol>
          {running ? (
            <button
              type="button"
              onClick={() => {
                setCancelling(true);
                void ipc.cancelAwsScan();
              }}
              disabled={cancelling}
              data-testid="scan-cancel"
            >
              {cancelling ? "Cancelling…" : "Cancel scan"}
            </button>
          ) : null}
        </section>
      ) : null}
      {outcome ? (
        <section className={`panel ${outcome.error || (report && report.problems.length > 0) ? "has-problems" : ""}`} data-testid="scan-result">
          <h3>{outcome.cancelled ? "Scan cancelled" : outcome.error ? "Scan failed" : "Scan finished"}</h3>
          {outcome.error ? <p role="alert">{outcome.error}</p> : null}
          {outcome.cancelled ? <p>What was stored before the cancel is kept; downloaded logs are reused by the next scan.</p> : null}
          {report ? (
            <>
              <p data-testid="scan-account" data-value={report.account}>
                Account <code>{report.account}</code> as <code>{report.callerArn}</code>
                {report.region ? ` in ${report.region}` : ""}: {num(report.users)} users, {num(report.groups)} groups,{" "}
                {num(report.roles)} roles, {num(report.policies)} managed policies; credential report{" "}
                {report.credentialReportRows == null ? "not read" : `${num(report.credentialReportRows)} rows`};{" "}
                {num(report.lastAccessedRows)} Access Advisor rows; {num(report.trails)} trails, {num(report.newEvents)} new
                CloudTrail events; {num(report.analyzerFindings)} Access Analyzer findings;{" "}
                {report.organizationPolicies == null ? "Organizations not read" : `${num(report.organizationPolicies)} SCPs/RCPs apply`}.
                {report.snapshotCreated === false ? " The IAM inventory had not changed since the last scan." : ""}
              </p>
              {report.problems.length > 0 ? (
                <>
                  <h4>
                    Not read ({num(report.problems.length)}; everything else was)
                  </h4>
                  <ul className="problems" data-testid="scan-problems">
                    {report.problems.map((p, i) => (
                      <li key={i}>
                        <code>{p.api}</code>
                        {p.code ? ` ${p.code}` : ""}: {p.message}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
              <h4 data-testid="scanned-identities-count" data-value={report.identities.length}>
                Identities ({num(report.identities.length)})
              </h4>
              <table className="scanned-identities" data-testid="scanned-identities">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>ARN</th>
                  </tr>
                </thead>
                <tbody>
                  {report.identities.map((i) => (
                    <tr key={i.arn} data-testid="scanned-identity" data-value={i.arn}>
                      <td>{i.name}</td>
                      <td>{i.kind}</td>
                      <td>
                        <code>{i.arn}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <button type="button" onClick={() => navigate({ screen: "dashboard" })} data-testid="scan-open-dashboard">
                Open the dashboard
              </button>
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
