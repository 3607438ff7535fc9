// The header row of a sortable TanStack table (Identities, Principals): one button per column toggling its sort,
// the direction shown as an arrow and announced through `aria-sort`.
import { flexRender } from "@tanstack/react-table";
import type { Table } from "@tanstack/react-table";

export function SortableHeader<T>({ table }: { table: Table<T> }) {
  return (
    <>
      {table.getHeaderGroups().map((g) => (
        <div className="row head" role="row" key={g.id}>
          {g.headers.map((h) => {
            const sorted = h.column.getIsSorted();
            return (
              <span role="columnheader" key={h.id} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}>
                <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()} data-testid={`sort-${h.id}`}>
                  {flexRender(h.column.columnDef.header, h.getContext())}
                  {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                </button>
              </span>
            );
          })}
        </div>
      ))}
    </>
  );
}
