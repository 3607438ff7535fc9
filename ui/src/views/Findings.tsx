// Findings: every finding of the engine's account review, worst first, filtered by kind, severity and
// principal. The selected finding shows its title, explanation, evidence and recommendation, and links to its
// principal and to its events in the activity log. A virtualised list, so thousands of findings stay smooth.
import { useEffect, useMemo, useState } from "react";
import type { ActivityFilter, FindingRow } from "../ipc";
import { Empty } from "../components/States";
import { num } from "../lib/format";
import { SEVERITIES, findingKindLabel } from "../lib/identity";
import { useVirtualList } from "../lib/useVirtualList";


export interface FindingsFilter {
  principal?: string;
  severity?: string;
  kind?: string;
}

export function Findings({
  rows,
  initial,
  openIdentity,
  openActivity,
}: {
  rows: FindingRow[];
  initial?: FindingsFilter;
  openIdentity: (arn: string) => void;
  openActivity: (filter: ActivityFilter) => void;
}) {
  const [filter, setFilter] = useState<FindingsFilter>(initial ?? {});
  useEffect(() => setFilter(initial ?? {}), [initial?.principal, initial?.severity, initial?.kind]);
  const kinds = useMemo(() => [...new Set(rows.map((r) => r.kind))].sort(), [rows]);
  const principals = useMemo(() => {
    const names = new Map<string, string>();
    for (const r of rows) names.set(r.principal, r.principalName);
    return [...names.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  }, [rows]);
  const visible = useMemo(
    () =>
      rows.filter(
        (r) =>
          (!filter.severity || r.severity === filter.severity) &&
          (!filter.kind || r.kind === filter.kind) &&
          (!filter.principal || r.principal === filter.principal),
      ),
    [rows, filter],
  );
  const { selected, setSelected, scroller, virtualizer, onKey, rowStyle } = useVirtualList(visible.length, { width: 600 });
  useEffect(() => setSelected(0), [visible, setSelected]);
  if (rows.length === 0) {
    return (
      <Empty title="No findings">
        Pare found nothing to report in this account, or the database has no account snapshot yet (import IAM
        authorization details with <code>pare import --authz</code>).
      </Empty>
    );
  }
  const current = visible[selected];
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
            {principals.map(([arn, name]) => (
              <option key={arn} value={arn}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <p className="count" data-testid="findings-total" data-value={visible.length}>
          {num(visible.length)} of {num(rows.length)} findings
        </p>
      </div>
      <div className="findings-split">
        <div className="table-box findings-table" role="listbox" aria-label="findings" tabIndex={0} onKeyDown={onKey} ref={scroller}>
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const r = visible[item.index];
              if (!r) return null;
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
        ) : (
          <Empty title="No finding matches these filters" />
        )}
      </div>
    </div>
  );
}
