// One alert policy ("adjust the policy that raised it"): its name, severity, description, reason and
// recommendation, and its policy file (JSON; TOML is accepted too) to edit and save as its next version.
// The engine checks the file: a refused one is shown with its line and field and nothing is stored.
// Re-evaluating the history applies the saved policies to every imported event.
import { useEffect, useState } from "react";
import * as ipc from "../ipc";
import type { AlertEvaluation, AlertPolicyInfo } from "../ipc";
import { ErrorState, Loading } from "../components/States";
import { SeverityBadge } from "../components/Severity";
import { num } from "../lib/format";
import type { Navigate } from "../lib/route";
import "../review.css";

export function AlertPolicyEditor({ policy, onSaved }: { policy: AlertPolicyInfo; onSaved: (saved: AlertPolicyInfo[]) => void }) {
  const [text, setText] = useState(policy.file);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    setText(policy.file);
  }, [policy.file]);
  return (
    <form
      className="panel policy-editor"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        setSaved(null);
        ipc.saveAlertPolicy(text).then(
          (s) => {
            setSaved(s.map((p) => `${p.id} v${p.version}`).join(", "));
            onSaved(s);
          },
          (err: unknown) => setError(String(err)),
        );
      }}
    >
      <h3>
        Policy file <small>(JSON or TOML, version 1; saving stores a new version, later imports use it)</small>
      </h3>
      <textarea rows={22} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="policy-text" aria-label="policy file" />
      <div className="actions">
        <button type="submit" data-testid="policy-save">
          Save as a new version
        </button>
        <button type="button" onClick={() => { setText(policy.file); setError(null); }}>
          Revert
        </button>
      </div>
      {error ? (
        <p className="error-text" role="alert" data-testid="policy-error">
          Refused, nothing stored: {error}
        </p>
      ) : null}
      {saved ? <p className="good" data-testid="policy-saved">Saved {saved}.</p> : null}
    </form>
  );
}

export function AlertPolicy({ id, navigate }: { id: string; navigate: Navigate }) {
  const [policies, setPolicies] = useState<AlertPolicyInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [evaluation, setEvaluation] = useState<AlertEvaluation | null>(null);
  const [evaluating, setEvaluating] = useState(false);
  const load = () =>
    ipc.alertPolicies().then(
      (p) => setPolicies(p),
      (err: unknown) => setError(String(err)),
    );
  useEffect(() => {
    void load();
  }, [id]);
  if (error) return <ErrorState title="The alert policies could not be loaded" message={error} />;
  if (!policies) return <Loading what="the alert policy" />;
  const policy = policies.find((p) => p.id === id);
  if (!policy) return <ErrorState title="Unknown policy" message={`No alert policy \`${id}\` is stored.`} />;
  return (
    <div className="alert-policy" data-testid="alert-policy" data-id={policy.id}>
      <p>
        <button type="button" className="link" onClick={() => navigate({ screen: "alerts", filter: { policy: policy.id } })}>
          ← Alerts raised by this policy
        </button>
      </p>
      <section className="panel">
        <h3>
          <SeverityBadge severity={policy.severity} /> {policy.name}{" "}
          <small>
            {policy.id} · version {policy.version} · {policy.source === "builtin" ? "built-in" : `from ${policy.source}`}
          </small>
        </h3>
        <p>{policy.description}</p>
        <h4>Why it matters</h4>
        <p>{policy.reason}</p>
        <h4>What to do</h4>
        <p>{policy.recommendation}</p>
        <div className="actions">
          <button
            type="button"
            disabled={evaluating}
            onClick={() => {
              setEvaluating(true);
              ipc.evaluateAlerts().then(
                (e) => {
                  setEvaluating(false);
                  setEvaluation(e);
                },
                (err: unknown) => {
                  setEvaluating(false);
                  setError(String(err));
                },
              );
            }}
          >
            {evaluating ? "Evaluating…" : "Evaluate the saved policies over all imported events"}
          </button>
          {evaluation ? (
            <span data-testid="evaluation">
              {num(evaluation.events)} events evaluated, {num(evaluation.newAlerts)} new alerts
            </span>
          ) : null}
        </div>
      </section>
      <AlertPolicyEditor policy={policy} onSaved={() => void load()} />
    </div>
  );
}
