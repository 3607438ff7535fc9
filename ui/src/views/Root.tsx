// Root account: how often and when root was used (per day), what it called, every root event.
import type { RootActivity } from "../ipc";
import { Bars } from "../components/Bars";
import { ComingLater, Empty } from "../components/States";
import { TimeChart } from "../components/TimeChart";
import { num, outcomeLabel, time } from "../lib/format";
import type { Navigate } from "../lib/route";

export function Root({ data, navigate }: { data: RootActivity; navigate: Navigate }) {
  const s = data.summary;
  if (s.events === 0) {
    return <Empty title="No root activity">No event in these logs was made with the root user’s credentials — as it should be.</Empty>;
  }
  return (
    <div className="root">
      <section className="panel wide" data-testid="root-timeline">
        <h3>
          Root used on {num(data.perDay.length)} day{data.perDay.length === 1 ? "" : "s"}:{" "}
          <span data-testid="root-total" data-value={s.events}>{num(s.events)}</span> events, {num(s.denied)} denied,{" "}
          {num(s.consoleLogins)} console sign-ins, first {time(s.firstSeen)}, last {time(s.lastSeen)}
        </h3>
        <TimeChart buckets={data.perDay} height={180} label="root events per day" />
        <p className="muted">Accounts: {s.accounts.join(", ")}</p>
      </section>
      <section className="panel">
        <h3>What root called</h3>
        <Bars bars={data.calls.map((c) => ({ label: c.name, value: c.count }))} />
      </section>
      <section className="panel wide">
        <h3>Root events{data.events.total > data.events.rows.length ? ` (newest ${num(data.events.rows.length)} of ${num(data.events.total)})` : ""}</h3>
        <table className="plain" data-testid="root-events-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Call</th>
              <th scope="col">Source IP</th>
              <th scope="col">Region</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {data.events.rows.map((e) => (
              <tr key={e.key} className={e.outcome === "denied" ? "denied" : ""}>
                <td>{time(e.time)}</td>
                <td>
                  {e.eventName} <small>{e.eventSource.replace(".amazonaws.com", "")}</small>
                </td>
                <td>
                  {e.sourceIp ? (
                    <button type="button" className="link" onClick={() => navigate({ screen: "activity", filter: { sourceIp: e.sourceIp ?? undefined } })}>
                      {e.sourceIp}
                    </button>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{e.region ?? "—"}</td>
                <td>
                  {outcomeLabel(e.outcome)} {e.errorCode ? <small>{e.errorCode}</small> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ComingLater title="Root hygiene (MFA, access keys, password age)" needs="the credential report import (account model)" />
    </div>
  );
}
