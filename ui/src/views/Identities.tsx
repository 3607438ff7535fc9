// Identities: every identity of the account snapshot (root, users, roles, Identity Center and service-linked
// roles) with its last activity, granted and used actions, unused share, risk score and findings — all from the
// engine's account review. A virtualised, sortable table (TanStack Table + Virtual) with search and a type
// filter; a click or Enter opens the identity.
import { useMemo, useState } from "react";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnFiltersState,
  type SortingState,
} from "@tanstack/react-table";
import type { IdentityRow } from "../ipc";
import { Empty } from "../components/States";
import { num, time } from "../lib/format";
import { identityKindLabel, severityRank } from "../lib/identity";
import { useVirtualList } from "../lib/useVirtualList";
import { SortableHeader } from "../components/SortableHeader";

const col = createColumnHelper<IdentityRow>();

function percent(n: number | null): string {
  return n === null ? "—" : `${n.toFixed(1)}%`;
}

export function Identities({
  rows,
  kind,
  openIdentity,
  openFindings,
}: {
  rows: IdentityRow[];
  kind?: string;
  openIdentity: (arn: string) => void;
  openFindings: (arn: string) => void;
}) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "riskScore", desc: true }]);
  const [search, setSearch] = useState("");
  const [filters, setFilters] = useState<ColumnFiltersState>(kind ? [{ id: "kind", value: kind }] : []);
  const kinds = useMemo(() => [...new Set(rows.map((r) => r.kind))].sort(), [rows]);
  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: "Identity",
        cell: (c) => <span title={c.row.original.arn}>{c.getValue()}</span>,
      }),
      col.accessor("kind", { header: "Type", cell: (c) => identityKindLabel(c.getValue()), filterFn: "equals" }),
      col.accessor("lastActivity", { header: "Last activity", cell: (c) => time(c.getValue()), sortUndefined: "last" }),
      col.accessor((r) => r.grantedActions ?? Number.MAX_SAFE_INTEGER, {
        id: "grantedActions",
        header: "Granted",
        cell: (c) => (c.row.original.grantedActions === null ? "all (root)" : num(c.row.original.grantedActions)),
      }),
      col.accessor("usedActions", { header: "Used", cell: (c) => num(c.getValue()) }),
      col.accessor((r) => r.unusedPercent ?? -1, {
        id: "unusedPercent",
        header: "Unused",
        cell: (c) => percent(c.row.original.unusedPercent),
      }),
      col.accessor((r) => r.riskScore ?? -1, {
        id: "riskScore",
        header: "Risk",
        cell: (c) => (c.row.original.riskScore === null ? "—" : c.row.original.riskScore.toFixed(1)),
      }),
      col.accessor("findings", {
        header: "Findings",
        sortingFn: (a, b) =>
          a.original.findings - b.original.findings ||
          severityRank(b.original.worstSeverity) - severityRank(a.original.worstSeverity),
        cell: (c) =>
          c.getValue() === 0 ? (
            "0"
          ) : (
            <button
              type="button"
              className={`link sev-${c.row.original.worstSeverity ?? "info"}`}
              onClick={(e) => {
                e.stopPropagation();
                openFindings(c.row.original.arn);
              }}
            >
              {num(c.getValue())} <small>{c.row.original.worstSeverity}</small>
            </button>
          ),
      }),
    ],
    [openFindings],
  );
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting, globalFilter: search, columnFilters: filters },
    onSortingChange: setSorting,
    onGlobalFilterChange: setSearch,
    onColumnFiltersChange: setFilters,
    globalFilterFn: (row, _id, value: string) => {
      const q = value.toLowerCase();
      return row.original.name.toLowerCase().includes(q) || row.original.arn.toLowerCase().includes(q);
    },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });
  const visible = table.getRowModel().rows;
  const { selected, scroller, virtualizer, onKey, rowStyle } = useVirtualList(visible.length, {
    onEnter: (i) => {
      const row = visible[i];
      if (row) openIdentity(row.original.arn);
    },
  });
  if (rows.length === 0) {
    return (
      <Empty title="No account snapshot yet">
        Import IAM authorization details (and a credential report) with <code>pare import --authz</code> to see every
        identity with what it is granted and what it used.
      </Empty>
    );
  }
  const kindFilter = (filters.find((f) => f.id === "kind")?.value as string | undefined) ?? "";
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
          <select
            value={kindFilter}
            onChange={(e) => setFilters(e.target.value ? [{ id: "kind", value: e.target.value }] : [])}
            data-testid="identities-kind"
          >
            <option value="">all</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {identityKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        <p className="count" data-testid="identities-total" data-value={visible.length}>
          {num(visible.length)} of {num(rows.length)} identities
        </p>
      </div>
      <div
        className="table-box identities-table"
        role="grid"
        aria-label="identities"
        aria-rowcount={visible.length}
        tabIndex={0}
        onKeyDown={onKey}
        ref={scroller}
      >
        <SortableHeader table={table} />
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = visible[item.index];
            if (!row) return null;
            const r = row.original;
            return (
              <div
                key={row.id}
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
                {row.getVisibleCells().map((c) => (
                  <span role="gridcell" key={c.id}>
                    {flexRender(c.column.columnDef.cell, c.getContext())}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
