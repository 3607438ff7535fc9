// Identities: every identity of the account snapshot (root, users, roles, Identity Center and service-linked
// roles) with its last activity, granted and used actions, unused share, risk score and findings — all from the
// engine's account review. A virtualised, sortable table (TanStack Table + Virtual) with search and a type
// filter; the engine searches, filters and sorts, and sends only the rows the table shows (a window at a time),
// so 10,000 identities never cross IPC at once. A click or Enter opens the identity.
import { useEffect, useMemo, useState } from "react";
import { createColumnHelper, getCoreRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import * as ipc from "../ipc";
import type { IdentityPage, IdentityQuery, IdentityRow } from "../ipc";
import { Empty, ErrorState, Loading } from "../components/States";
import { num, time } from "../lib/format";
import { identityKindLabel } from "../lib/identity";
import { usePagedRows } from "../lib/usePagedRows";
import { useVirtualList } from "../lib/useVirtualList";
import { SortableHeader } from "../components/SortableHeader";

const col = createColumnHelper<IdentityRow>();

function percent(n: number | null): string {
  return n === null ? "—" : `${n.toFixed(1)}%`;
}

// The header's columns: ids are the engine's sort keys; text columns sort ascending first, numbers descending.
const COLUMNS = [
  col.accessor("name", { header: "Identity", sortDescFirst: false }),
  col.accessor("kind", { header: "Type", sortDescFirst: false }),
  col.accessor("lastActivity", { header: "Last activity", sortDescFirst: false }),
  col.accessor("grantedActions", { header: "Granted", sortDescFirst: true }),
  col.accessor("usedActions", { header: "Used", sortDescFirst: true }),
  col.accessor("unusedPercent", { header: "Unused", sortDescFirst: true }),
  col.accessor("riskScore", { header: "Risk", sortDescFirst: true }),
  col.accessor("findings", { header: "Findings", sortDescFirst: true }),
];

type Load = (query: IdentityQuery) => Promise<IdentityPage>;

export function Identities({
  kind,
  load = ipc.identityPage,
  openIdentity,
  openFindings,
}: {
  kind?: string;
  load?: Load;
  openIdentity: (arn: string) => void;
  openFindings: (arn: string) => void;
}) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "riskScore", desc: true }]);
  const [search, setSearch] = useState("");
  const [kindFilter, setKindFilter] = useState(kind ?? "");
  const table = useReactTable<IdentityRow>({
    data: [],
    columns: COLUMNS,
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    enableSortingRemoval: false,
    getCoreRowModel: getCoreRowModel(),
  });
  const sort = sorting[0];
  const query = useMemo<Omit<IdentityQuery, "offset" | "limit">>(
    () => ({ search: search || undefined, kind: kindFilter || undefined, sort: sort?.id, desc: sort?.desc }),
    [search, kindFilter, sort?.id, sort?.desc],
  );
  const paged = usePagedRows<IdentityRow, Omit<IdentityQuery, "offset" | "limit">, IdentityPage>(load, query, JSON.stringify(query));
  const total = paged.first?.total ?? 0;
  const { selected, scroller, virtualizer, onKey, rowStyle } = useVirtualList(total, {
    onEnter: (i) => {
      const row = paged.row(i);
      if (row) openIdentity(row.arn);
    },
  });
  const key = JSON.stringify(query);
  // Another search, filter or order starts at the top (the browser tells the virtualiser through a scroll event).
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [key, scroller]);
  const items = virtualizer.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items[items.length - 1]?.index ?? 0;
  useEffect(() => paged.ensure(start, end), [paged.ensure, start, end]);

  if (!paged.first) {
    return paged.error ? <ErrorState title="The identities could not be loaded" message={paged.error} /> : <Loading what="identities" />;
  }
  if (paged.first.all === 0) {
    return (
      <Empty title="No account snapshot yet">
        Import IAM authorization details (and a credential report) with <code>pare import --authz</code> to see every
        identity with what it is granted and what it used.
      </Empty>
    );
  }
  return (
    <div className="identities">
      <div className="filters">
        <label>
          Search
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="name or ARN"
            data-testid="identities-search"
          />
        </label>
        <label>
          Type
          <select value={kindFilter} onChange={(e) => setKindFilter(e.target.value)} data-testid="identities-kind">
            <option value="">all</option>
            {paged.first.kinds.map((k) => (
              <option key={k} value={k}>
                {identityKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        <p className="count" data-testid="identities-total" data-value={total}>
          {num(total)} of {num(paged.first.all)} identities
        </p>
      </div>
      <div
        className="table-box identities-table"
        role="grid"
        aria-label="identities"
        aria-rowcount={total}
        tabIndex={0}
        onKeyDown={onKey}
        ref={scroller}
      >
        <SortableHeader table={table} />
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const r = paged.row(item.index);
            if (!r) {
              return (
                <div key={`loading-${item.index}`} role="row" aria-rowindex={item.index + 1} className="row" style={rowStyle(item.start)}>
                  <span role="gridcell" className="muted">
                    …
                  </span>
                </div>
              );
            }
            return (
              <div
                key={r.arn}
                role="row"
                aria-rowindex={item.index + 1}
                className={`row clickable ${item.index === selected ? "selected" : ""}`}
                style={rowStyle(item.start)}
                onClick={() => openIdentity(r.arn)}
                data-testid="identity-row"
                data-arn={r.arn}
                data-granted={r.grantedActions ?? ""}
                data-used={r.usedActions}
                data-findings={r.findings}
                data-risk={r.riskScore ?? ""}
              >
                <span role="gridcell" title={r.arn}>
                  {r.name}
                </span>
                <span role="gridcell">{identityKindLabel(r.kind)}</span>
                <span role="gridcell">{time(r.lastActivity)}</span>
                <span role="gridcell">{r.grantedActions === null ? "all (root)" : num(r.grantedActions)}</span>
                <span role="gridcell">{num(r.usedActions)}</span>
                <span role="gridcell">{percent(r.unusedPercent)}</span>
                <span role="gridcell">{r.riskScore === null ? "—" : r.riskScore.toFixed(1)}</span>
                <span role="gridcell">
                  {r.findings === 0 ? (
                    "0"
                  ) : (
                    <button
                      type="button"
                      className={`link sev-${r.worstSeverity ?? "info"}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        openFindings(r.arn);
                      }}
                    >
                      {num(r.findings)} <small>{r.worstSeverity}</small>
                    </button>
                  )}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
