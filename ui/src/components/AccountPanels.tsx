// The dashboard's account panels, from the engine's account review: identities by type, findings by severity,
// granted vs used permissions and the risk-score distribution. Each bar pivots to the identities or findings
// screen, filtered.
import type { AccountSummary } from "../ipc";
import { Bars } from "./Bars";
import { num, pct } from "../lib/format";
import { identityKindLabel } from "../lib/identity";
import type { Navigate } from "../lib/route";

export function AccountPanels({ summary, navigate }: { summary: AccountSummary; navigate: Navigate }) {
  if (!summary.hasSnapshot) {
    return (
      <section className="panel wide" data-testid="no-snapshot">
        <h3>Identities and findings</h3>
        <p>
          This database has CloudTrail activity but no account snapshot: import IAM authorization details (and a
          credential report) with <code>pare import --authz</code> to see identities, granted permissions, findings and
          risk scores.
        </p>
      </section>
    );
  }
  const unused = summary.grantedActions - summary.usedGrantedActions;
  const usedShare = summary.grantedActions > 0 ? (summary.usedGrantedActions * 100) / summary.grantedActions : 0;
  return (
    <>
      <section className="panel">
        <h3>
          Identities by type <small data-testid="stat-identities" data-value={summary.identities}>{num(summary.identities)} in all</small>
        </h3>
        <Bars
          testid="identities-by-kind"
          bars={summary.identitiesByKind
            .filter((k) => k.count > 0)
            .map((k) => ({
              label: identityKindLabel(k.label),
              value: k.count,
              onSelect: () => navigate({ screen: "identities", kind: k.label }),
            }))}
        />
      </section>
      <section className="panel">
        <h3>
          Findings by severity <small data-testid="stat-findings" data-value={summary.findings}>{num(summary.findings)} in all, {num(summary.escalationPaths)} escalation paths</small>
        </h3>
        <Bars
          testid="findings-by-severity"
          bars={summary.findingsBySeverity.map((s) => ({
            label: s.label,
            value: s.count,
            onSelect: () => navigate({ screen: "findings", severity: s.label }),
          }))}
        />
      </section>
      <section className="panel">
        <h3>Granted vs used permissions</h3>
        <p>
          <strong data-testid="stat-used-granted" data-value={summary.usedGrantedActions}>{num(summary.usedGrantedActions)}</strong> of{" "}
          <strong data-testid="stat-granted" data-value={summary.grantedActions}>{num(summary.grantedActions)}</strong> granted actions
          were used ({pct(usedShare)}), summed over the IAM identities
          {summary.windowStart ? ` from ${summary.windowStart.slice(0, 10)} to ${(summary.windowEnd ?? "").slice(0, 10)}` : " (no CloudTrail window)"}.
        </p>
        <div className="stack" role="img" aria-label={`${pct(usedShare)} of granted actions used`} data-testid="granted-used-bar">
          <span className="stack-used" style={{ width: `${usedShare}%` }} />
          <span className="stack-unused" style={{ width: `${100 - usedShare}%` }} />
        </div>
        <p className="muted">
          <span className="swatch used" /> used {num(summary.usedGrantedActions)} · <span className="swatch unused" /> never used{" "}
          {num(unused)}
        </p>
      </section>
      <section className="panel">
        <h3>Risk distribution <small>identities by risk score</small></h3>
        <Bars
          testid="risk-distribution"
          bars={summary.riskDistribution.map((r) => ({ label: r.label, value: r.count }))}
        />
      </section>
    </>
  );
}
