// Findings: every finding of the engine's account review, worst first, filtered by kind, severity and
// principal; the engine filters and sends the rows a window at a time. The selected finding shows its title,
// explanation, evidence and recommendation, and links to its principal and to its events in the activity log.
import { useEffect, useMemo, useState } from "react";
import * as ipc from "../ipc";
import type { ActivityFilter, FindingPage, FindingQuery, FindingRow } from "../ipc";
import { Empty, ErrorState, Loading } from "../components/States";
import { num } from "../lib/format";
import { SEVERITIES, findingKindLabel } from "../lib/identity";
import { usePagedRows } from "../lib/usePagedRows";
import { useVirtualList } from "../lib/useVirtualList";

export interface FindingsFilter {
  principal?: string;
  severity?: string;
  kind?: string;
}

type Load = (query: FindingQuery) => Promise<FindingPage>;

export function Findings({
  initial,
  load = ipc.findingPage,
  openIdentity,
  openActivity,
}: {
  initial?: FindingsFilter;
  load?: Load;
  openIdentity: (arn: string) => void;
  openActivity: (filter: ActivityFilter) => void;
}) {
  const [filter, setFilter] = useState<FindingsFilter>(initial ?? {});
  useEffect(() => setFilter(initial ?? {}), [initial?.principal, initial?.severity, initial?.kind]);
  const query = useMemo<Omit<FindingQuery, "offset" | "limit">>(
    () => ({ principal: filter.principal || undefined, severity: filter.severity || undefined, kind: filter.kind || undefined }),
    [filter.principal, filter.severity, filter.kind],
  );
  const key = JSON.stringify(query);
  const paged = usePagedRows<FindingRow, Omit<FindingQuery, "offset" | "limit">, FindingPage>(load, query, key);
  const total = paged.first?.total ?? 0;
  const { selected, setSelected, scroller, virtualizer, onKey, rowStyle } = useVirtualList(total, { width: 600 });
  useEffect(() => {
    setSelected(0);
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [key, setSelected, scroller]);
  const items = virtualizer.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items[items.length - 1]?.index ?? 0;
  useEffect(() => paged.ensure(Math.min(start, selected), Math.max(end, selected)), [paged.ensure, start, end, selected]);
  if (!paged.first) {
    return paged.error ? <ErrorState title="The findings could not be loaded" message={paged.error} /> : <Loading what="findings" />;
  }
  if (paged.first.all === 0) {
    return (
      <Empty title="No findings">
        Pare found nothing to report in this account, or the database has no account snapshot yet (import IAM
        authorization details with <code>pare import --authz</code>).
      </Empty>
    );
  }
  const kinds = paged.first.kinds;
  const principals = paged.first.principals;
  const current = paged.row(selected);
  const set = (patch: FindingsFilter) => setFilter((f) => ({ ...f, ...patch }));
  return (
    <div className="findings">
      <div className="filters">
        <label>
          Severity
          <select value={filter.severity ?? ""} onChange={(e) => set({ severity: e.target.value || undefined })} data-testid="findings-severity">
            <option value="">all</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={filter.kind ?? ""} onChange={(e) => set({ kind: e.target.value || undefined })} data-testid="findings-kind">
            <option value="">all</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {findingKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Principal
          <select value={filter.principal ?? ""} onChange={(e) => set({ principal: e.target.value || undefined })} data-testid="findings-principal">
            <option value="">all</option>
            {principals.map(({ arn, name }) => (
              <option key={arn} value={arn}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <p className="count" data-testid="findings-total" data-value={total}>
          {num(total)} of {num(paged.first.all)} findings
        </p>
      </div>
      <div className="findings-split">
        <div className="table-box findings-table" role="listbox" aria-label="findings" tabIndex={0} onKeyDown={onKey} ref={scroller}>
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const r = paged.row(item.index);
              if (!r) {
                return (
                  <div key={`loading-${item.index}`} role="option" aria-selected={false} className="row" style={rowStyle(item.start)}>
                    <span className="muted">…</span>
                  </div>
                );
              }
              return (
                <div
                  key={r.id}
                  role="option"
                  aria-selected={item.index === selected}
                  className={`row clickable ${item.index === selected ? "selected" : ""}`}
                  style={rowStyle(item.start)}
                  onClick={() => setSelected(item.index)}
                  data-testid="finding-row"
                  data-severity={r.severity}
                  data-kind={r.kind}
                >
                  <span className={`sev sev-${r.severity}`}>{r.severity}</span>
                  <span title={r.title}>{r.title}</span>
                  <span className="muted">{r.principalName}</span>
                </div>
              );
            })}
          </div>
        </div>
        {current ? (
          <article className="panel finding-detail" data-testid="finding-detail" data-id={current.id}>
            <h3>
              <span className={`sev sev-${current.severity}`}>{current.severity}</span> {current.title}
            </h3>
            <p className="muted">
              {findingKindLabel(current.kind)} ·{" "}
              <button type="button" className="link" onClick={() => openIdentity(current.principal)} data-testid="finding-principal">
                {current.principalName}
              </button>
            </p>
            <h4>Why it matters</h4>
            <p data-testid="finding-explanation">{current.explanation}</p>
            <h4>What to do</h4>
            <p data-testid="finding-recommendation">{current.recommendation}</p>
            <h4>Evidence</h4>
            <pre className="evidence" data-testid="finding-evidence">{current.evidence}</pre>
            <button type="button" onClick={() => openActivity(current.activity)} data-testid="finding-activity">
              Show the events in the activity log
            </button>
          </article>
        ) : total === 0 ? (
          <Empty title="No finding matches these filters" />
        ) : (
          <Loading what="the finding" />
        )}
      </div>
    </div>
  );
}
