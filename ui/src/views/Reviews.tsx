// Reviews: the access-review campaigns with their progress (decided / total, carried over), and starting
// a new one over an account snapshot and a usage window; the previous review's decisions carry over where
// the identity and the finding are unchanged.
import { useEffect, useState } from "react";
import * as ipc from "../ipc";
import type { ReviewsOverview } from "../ipc";
import { Empty, ErrorState, Loading } from "../components/States";
import { ReviewerName } from "../components/ReviewerName";
import { date, num, time } from "../lib/format";
import type { Navigate } from "../lib/route";
import "../review.css";

export function StartReview({ overview, onStarted }: { overview: ReviewsOverview; onStarted: (name: string) => void }) {
  const [name, setName] = useState("");
  const [snapshot, setSnapshot] = useState<string>("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="panel filters"
      aria-label="start a review"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        ipc.startReview(name, snapshot ? Number(snapshot) : null, since || null, until || null).then(
          (s) => {
            setBusy(false);
            onStarted(s.name);
          },
          (err: unknown) => {
            setBusy(false);
            setError(String(err));
          },
        );
      }}
    >
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. 2026 Q4 access review" required data-testid="review-name" />
      </label>
      <label>
        Account snapshot
        <select value={snapshot} onChange={(e) => setSnapshot(e.target.value)} data-testid="review-snapshot">
          <option value="">Latest</option>
          {overview.snapshots.map((s) => (
            <option key={s.id} value={s.id}>
              #{s.id} taken {time(s.takenAt)} {s.accountId ? `(${s.accountId})` : ""}
            </option>
          ))}
        </select>
      </label>
      <label>
        Usage from
        <input type="date" value={since} onChange={(e) => setSince(e.target.value)} data-testid="review-since" />
      </label>
      <label>
        Usage until
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="review-until" />
      </label>
      <button type="submit" disabled={busy || overview.snapshots.length === 0} data-testid="review-start">
        {busy ? "Starting… (computing findings)" : "Start review"}
      </button>
      {error ? (
        <p className="error-text" role="alert" data-testid="review-start-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

export function ReviewList({ overview, navigate }: { overview: ReviewsOverview; navigate: Navigate }) {
  if (overview.reviews.length === 0) return <Empty title="No reviews yet">Start one above: it lists every finding and identity of the snapshot for a decision.</Empty>;
  return (
    <table className="plain" data-testid="reviews-table" data-value={overview.reviews.length}>
      <thead>
        <tr>
          <th>Review</th>
          <th>Snapshot</th>
          <th>Usage window</th>
          <th>Started</th>
          <th>Progress</th>
          <th className="n">Carried over</th>
        </tr>
      </thead>
      <tbody>
        {overview.reviews.map((r) => (
          <tr key={r.name} data-testid="review-row" data-name={r.name}>
            <td>
              <button type="button" className="link" onClick={() => navigate({ screen: "review", name: r.name })}>
                {r.name}
              </button>
              {r.previous ? <small className="muted"> after {r.previous}</small> : null}
            </td>
            <td>#{r.snapshotId}</td>
            <td>
              {date(r.since)} → {date(r.until)}
            </td>
            <td>{time(r.createdAt)}</td>
            <td>
              <progress className="progress" max={r.total || 1} value={r.decided} aria-label={`${r.decided} of ${r.total} decided`} /> {num(r.decided)} / {num(r.total)}
            </td>
            <td className="n">{num(r.inherited)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Reviews({ navigate }: { navigate: Navigate }) {
  const [overview, setOverview] = useState<ReviewsOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    ipc.reviews().then(setOverview, (err: unknown) => setError(String(err)));
  }, [reload]);
  if (error) return <ErrorState title="The reviews could not be loaded" message={error} />;
  if (!overview) return <Loading what="reviews" />;
  return (
    <div className="reviews" data-testid="reviews">
      <ReviewerName name={overview.reviewer} onSaved={() => setReload((r) => r + 1)} />
      {overview.snapshots.length === 0 ? (
        <Empty title="No account snapshot">
          A review is over an account snapshot: import IAM authorization details (and a credential report) with{" "}
          <code>pare import --authz FILE --credential-report FILE</code>.
        </Empty>
      ) : (
        <StartReview overview={overview} onStarted={(name) => navigate({ screen: "review", name })} />
      )}
      <section className="panel">
        <h3>Review campaigns</h3>
        <ReviewList overview={overview} navigate={navigate} />
      </section>
    </div>
  );
}
