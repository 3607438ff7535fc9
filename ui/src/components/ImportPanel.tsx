// The import's progress (files, events/s, ETA) with Cancel, then its report: what was imported and
// every bad file with why (the rest of the import is kept).
import type { ImportOutcome, ImportStatus } from "../ipc";
import { num, pct, seconds } from "../lib/format";

export function ImportProgress({ status, onCancel, cancelling }: { status: ImportStatus; onCancel: () => void; cancelling: boolean }) {
  const fraction = status.filesTotal > 0 ? status.filesDone / status.filesTotal : 0;
  return (
    <section className="panel import" aria-live="polite" data-testid="import-progress">
      <h3>Importing CloudTrail logs</h3>
      <progress max={1} value={fraction} aria-label="import progress" />
      <p>
        {num(status.filesDone)} of {num(status.filesTotal)} files · {num(status.records)} records ·{" "}
        {num(Math.round(status.eventsPerSecond))} events/s ·{" "}
        {status.etaSeconds == null ? "estimating time left" : `about ${seconds(status.etaSeconds)} left`}
      </p>
      <button type="button" onClick={onCancel} disabled={cancelling}>
        {cancelling ? "Cancelling…" : "Cancel import"}
      </button>
    </section>
  );
}

export function ImportResult({ outcome, onDismiss }: { outcome: ImportOutcome; onDismiss: () => void }) {
  const r = outcome.report;
  return (
    <section className={`panel import ${outcome.error || (r && r.problems.length > 0) ? "has-problems" : ""}`} data-testid="import-result">
      <h3>{outcome.error ? "Import failed" : r?.cancelled ? "Import cancelled" : "Import finished"}</h3>
      {outcome.error ? <p role="alert">{outcome.error}</p> : null}
      {r ? (
        <p>
          <span data-testid="import-new-events" data-value={r.newEvents}>{num(r.newEvents)}</span> new events from{" "}
          {num(r.filesRead)} files ({num(r.records)} records, {num(r.duplicateEvents)} already stored,{" "}
          {num(r.filesUnchanged)} files unchanged) in {seconds(r.seconds)}; {pct(r.mappedPercent)} of calls mapped to IAM
          actions.
          {r.cancelled ? " Files not finished are read again by the next import." : ""}
        </p>
      ) : null}
      {r && r.problems.length > 0 ? (
        <>
          <h4>
            {num(r.problems.length)} problem{r.problems.length === 1 ? "" : "s"} (everything else was imported)
          </h4>
          <ul className="problems" data-testid="import-problems">
            {r.problems.slice(0, 50).map((p, i) => (
              <li key={i}>
                <code>{p.file}</code>: {p.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </section>
  );
}
