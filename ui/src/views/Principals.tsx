// Principals: every principal seen in CloudTrail with its events, denied calls, time span and IAM
// actions used — a sortable, searchable, virtualised table (TanStack Table + Virtual). Enter or a
// click opens the principal.
import { useMemo, useState } from "react";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import type { PrincipalSummary } from "../ipc";
import { Empty } from "../components/States";
import { kindLabel, num, time } from "../lib/format";
import type { Navigate } from "../lib/route";
import { useVirtualList } from "../lib/useVirtualList";
import { SortableHeader } from "../components/SortableHeader";

const col = createColumnHelper<PrincipalSummary>();

export function Principals({ rows, navigate }: { rows: PrincipalSummary[]; navigate: Navigate }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "events", desc: true }]);
  const [search, setSearch] = useState("");
  const columns = useMemo(
    () => [
      col.accessor("key", { header: "Principal", cell: (c) => <span title={c.getValue()}>{c.getValue()}</span> }),
      col.accessor("kind", { header: "Type", cell: (c) => kindLabel(c.getValue()) }),
      col.accessor("events", { header: "Events", cell: (c) => num(c.getValue()) }),
      col.accessor("denied", { header: "Denied", cell: (c) => num(c.getValue()) }),
      col.accessor("actionsUsed", { header: "Actions used", cell: (c) => num(c.getValue()) }),
      col.accessor("lastSeen", { header: "Last activity", cell: (c) => time(c.getValue()) }),
    ],
    [],
  );
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting, globalFilter: search },
    onSortingChange: setSorting,
    onGlobalFilterChange: setSearch,
    globalFilterFn: "includesString",
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });
  const visible = table.getRowModel().rows;
  const { selected, scroller, virtualizer, onKey, rowStyle } = useVirtualList(visible.length, {
    onEnter: (i) => {
      const row = visible[i];
      if (row) navigate({ screen: "principal", key: row.original.key });
    },
  });
  if (rows.length === 0) return <Empty title="No principals yet">Import CloudTrail logs to see who did what.</Empty>;
  return (
    <div className="principals">
      <div className="filters">
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name, ARN, type" data-testid="principals-search" />
        </label>
        <p className="count" data-testid="principals-total" data-value={visible.length}>
          {num(visible.length)} of {num(rows.length)} principals
        </p>
      </div>
      <div className="table-box principals-table" role="grid" aria-label="principals" aria-rowcount={visible.length} tabIndex={0} onKeyDown={onKey} ref={scroller}>
        <SortableHeader table={table} />
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = visible[item.index];
            if (!row) return null;
            return (
              <div
                key={row.id}
                role="row"
                className={`row clickable ${item.index === selected ? "selected" : ""}`}
                style={rowStyle(item.start)}
                onClick={() => navigate({ screen: "principal", key: row.original.key })}
                data-testid="principal-row"
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
