// The right-size diff per service, as the engine computed it: actions granted today → actions the suggestion
// keeps (used, or kept though CloudTrail cannot show them) and the actions removed, with why.
import type { ServiceDiffView } from "../ipc";
import { num } from "../lib/format";

export function PolicyDiff({ diff }: { diff: ServiceDiffView[] }) {
  if (diff.length === 0) return <p className="muted">No service is granted today: nothing to compare.</p>;
  return (
    <table className="plain diff" data-testid="policy-diff">
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col" className="n">Granted now</th>
          <th scope="col" className="n">Suggested</th>
          <th scope="col" className="n">Removed</th>
          <th scope="col">Changes</th>
        </tr>
      </thead>
      <tbody>
        {diff.map((d) => (
          <tr key={d.service} data-testid="diff-service" data-service={d.service} className={d.after === 0 ? "gone" : ""}>
            <th scope="row">{d.service}</th>
            <td className="n">{num(d.before)}</td>
            <td className="n">{num(d.after)}</td>
            <td className="n">{num(d.removed)}</td>
            <td>
              <ul className="diff-lines">
                {d.keptUsed.map((a) => (
                  <li key={`u${a}`} className="kept" data-testid="diff-kept">
                    <span aria-hidden="true">= </span>
                    {a} <small>used</small>
                  </li>
                ))}
                {d.keptNotObservable.map((a) => (
                  <li key={`o${a}`} className="kept-unobservable" data-testid="diff-kept-unobservable">
                    <span aria-hidden="true">~ </span>
                    {a} <small>kept: CloudTrail cannot show its use</small>
                  </li>
                ))}
                {d.removedActions.map((a) => (
                  <li key={`r${a}`} className="removed" data-testid="diff-removed">
                    <span aria-hidden="true">− </span>
                    {a}
                  </li>
                ))}
                {d.removed > d.removedActions.length ? (
                  <li className="removed more">
                    … and {num(d.removed - d.removedActions.length)} more removed
                  </li>
                ) : null}
              </ul>
              {d.removed > 0 ? <p className="muted why">{d.whyRemoved}</p> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
