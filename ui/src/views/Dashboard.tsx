// Dashboard: what the engine knows about the open account — events over time, principals by type, most
// frequent calls, root activity, mapped share — and, from the account review, identities by type, findings by
// severity, granted vs used permissions and the risk distribution.
import type { AccountSummary, Overview } from "../ipc";
import { AccountPanels } from "../components/AccountPanels";
import { Bars } from "../components/Bars";
import { Empty, Loading } from "../components/States";
import { TimeChart } from "../components/TimeChart";
import { date, kindLabel, num, pct, time } from "../lib/format";
import type { Navigate } from "../lib/route";

function Stat({ id, label, value, text }: { id: string; label: string; value: number; text?: string }) {
  return (
    <div className="stat" data-testid={`stat-${id}`} data-value={value}>
      <span className="stat-value">{text ?? num(value)}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

export function Dashboard({
  data,
  account,
  accountError,
  navigate,
}: {
  data: Overview;
  account?: AccountSummary;
  accountError?: string;
  navigate: Navigate;
}) {
  if (data.events === 0) {
    return (
      <Empty title="No CloudTrail events yet">
        Use “Open folder…” or “Open files…” to import CloudTrail logs (S3 trees, Records files, JSON Lines, .gz), or
        switch to the demo account.
      </Empty>
    );
  }
  return (
    <div className="dashboard">
      <div className="stats">
        <Stat id="events" label="events" value={data.events} />
        <Stat id="principals" label="principals" value={data.principals} />
        <Stat id="denied" label="denied events" value={data.deniedEvents} />
        <Stat id="actions-used" label="IAM actions used" value={data.actionsUsed} />
        <Stat id="mapped" label="of calls mapped to IAM actions" value={data.mappedPercent} text={pct(data.mappedPercent)} />
        <Stat id="files" label="files imported" value={data.files} />
      </div>
      <section className="panel wide">
        <h3>
          Activity over time <small>per {data.bucket}, {date(data.firstEvent)} to {date(data.lastEvent)}</small>
        </h3>
        <TimeChart buckets={data.overTime} label={`events per ${data.bucket}`} />
      </section>
      <section className="panel">
        <h3>Principals by type</h3>
        <Bars
          testid="by-type"
          bars={data.byType.map((t) => ({
            label: kindLabel(t.kind),
            value: t.principals,
            detail: `(${num(t.events)} events)`,
            onSelect: () => navigate({ screen: "activity", filter: { principalType: t.kind } }),
          }))}
        />
      </section>
      <section className="panel">
        <h3>Root account</h3>
        {data.root.events === 0 ? (
          <p className="good" data-testid="root-none">No root activity in these logs.</p>
        ) : (
          <div data-testid="root-summary">
            <p>
              <strong data-testid="root-events" data-value={data.root.events}>{num(data.root.events)}</strong> events by
              root ({num(data.root.denied)} denied, {num(data.root.consoleLogins)} console sign-ins), last{" "}
              {time(data.root.lastSeen)}.
            </p>
            <button type="button" className="link" onClick={() => navigate({ screen: "root" })}>
              Open the root timeline
            </button>
          </div>
        )}
      </section>
      <section className="panel wide">
        <h3>Most frequent calls</h3>
        <table className="plain" data-testid="top-calls">
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Service</th>
              <th scope="col">Mapping</th>
              <th scope="col" className="n">Events</th>
              <th scope="col" className="n">Principals</th>
            </tr>
          </thead>
          <tbody>
            {data.topCalls.map((c) => (
              <tr key={`${c.eventSource} ${c.eventName}`}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => navigate({ screen: "activity", filter: { eventSource: c.eventSource, eventName: c.eventName } })}
                  >
                    {c.eventName}
                  </button>
                </td>
                <td>{c.eventSource}</td>
                <td>{c.status.replaceAll("_", " ")}</td>
                <td className="n">{num(c.events)}</td>
                <td className="n">{num(c.principals)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {account ? (
        <AccountPanels summary={account} navigate={navigate} />
      ) : accountError ? (
        <section className="panel wide state error" role="alert">
          <strong>The account review could not be made</strong>
          <p>{accountError}</p>
        </section>
      ) : (
        <Loading what="identities and findings" />
      )}
    </div>
  );
}
