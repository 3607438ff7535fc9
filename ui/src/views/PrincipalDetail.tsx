// One principal: its numbers, a graph of the services and actions it used, usage per service with
// last use, where it called from (each IP pivots to its events), and marked places for the grants,
// findings and right-size suggestion still to come.
import type { PrincipalDetail as Detail } from "../ipc";
import { ComingLater } from "../components/States";
import { UsageGraph } from "../components/UsageGraph";
import { kindLabel, num, outcomeLabel, time } from "../lib/format";
import type { Navigate } from "../lib/route";

export function PrincipalDetail({ detail, navigate }: { detail: Detail; navigate: Navigate }) {
  const s = detail.summary;
  return (
    <div className="principal-detail">
      <header className="panel wide">
        <h2 data-testid="principal-key">{s.key}</h2>
        <p>
          {kindLabel(s.kind)} · <span data-testid="principal-events" data-value={s.events}>{num(s.events)}</span> events (
          {num(s.denied)} denied) · <span data-testid="principal-actions" data-value={s.actionsUsed}>{num(s.actionsUsed)}</span>{" "}
          IAM actions used · first {time(s.firstSeen)} · last {time(s.lastSeen)}
        </p>
        <p>
          {detail.outcomes.map((o) => (
            <span key={o.name} className="chip">
              {outcomeLabel(o.name)}: {num(o.count)}
            </span>
          ))}{" "}
          <button type="button" className="link" onClick={() => navigate({ screen: "activity", filter: { principal: s.key } })}>
            Show its events
          </button>
        </p>
      </header>
      {detail.services.length > 0 ? (
        <section className="panel wide">
          <h3>Services and actions used</h3>
          <UsageGraph principal={s.key.split("/").pop() ?? s.key} services={detail.services} />
        </section>
      ) : null}
      <section className="panel wide">
        <h3>Used per service</h3>
        {detail.services.length === 0 ? (
          <p>No IAM action was shown to be used (only denied calls, calls that need no permission, or unmapped calls).</p>
        ) : (
          <table className="plain" data-testid="service-usage">
            <thead>
              <tr>
                <th scope="col">Service / action</th>
                <th scope="col" className="n">Events</th>
                <th scope="col">Last used</th>
                <th scope="col">Resources</th>
              </tr>
            </thead>
            <tbody>
              {detail.services.map((svc) => [
                <tr key={svc.service} className="group">
                  <th scope="row">{svc.service}</th>
                  <td className="n">{num(svc.count)}</td>
                  <td>{time(svc.lastUsed)}</td>
                  <td>{num(svc.actions.length)} actions</td>
                </tr>,
                ...svc.actions.map((a) => (
                  <tr key={a.action}>
                    <td className="indent">{a.action}</td>
                    <td className="n">{num(a.count)}</td>
                    <td>{time(a.lastUsed)}</td>
                    <td className="resources" title={a.resources.join("\n")}>
                      {a.resources.slice(0, 3).join(", ")}
                      {a.resources.length > 3 ? ` and ${a.resources.length - 3} more` : ""}
                    </td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel">
        <h3>Called from</h3>
        <ul className="plain-list">
          {detail.sourceIps.map((ip) => (
            <li key={ip}>
              <button type="button" className="link" onClick={() => navigate({ screen: "activity", filter: { sourceIp: ip } })}>
                {ip}
              </button>
            </li>
          ))}
        </ul>
        <h3>Regions</h3>
        <p>{detail.regions.join(", ") || "—"}</p>
      </section>
      <ComingLater title="Granted vs used, groups and policies" needs="the account model (IAM authorization details)" />
      <ComingLater title="Findings" needs="the findings engine" />
      <ComingLater title="Right-sized policy" needs="the right-sizing engine" />
    </div>
  );
}
