// Activity: the event log, newest first, in a virtualised table that fetches pages from the engine
// as it scrolls; filters by principal, type, service, call, IP, region, outcome, errors and time;
// a principal or IP in a row pivots to that principal or to that IP's events.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import * as ipc from "../ipc";
import type { EventFacets, ActivityFilter, EventRow } from "../ipc";
import { Empty, ErrorState } from "../components/States";
import { kindLabel, num, outcomeLabel, shortName, time } from "../lib/format";
import type { Navigate } from "../lib/route";

export const PAGE = 200;
const ROW_HEIGHT = 32;

function FilterSelect({
  label,
  value,
  options,
  onChange,
  format = (v) => v,
}: {
  label: string;
  value: string | undefined;
  options: string[];
  onChange: (v: string | undefined) => void;
  format?: (v: string) => string;
}) {
  return (
    <label>
      {label}
      <select value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {format(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Activity({
  filter,
  setFilter,
  facets,
  navigate,
}: {
  filter: ActivityFilter;
  setFilter: (f: ActivityFilter) => void;
  facets: EventFacets | undefined;
  navigate: Navigate;
}) {
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, EventRow[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const requested = useRef<Set<number>>(new Set());
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const [search, setSearch] = useState(filter.search ?? "");

  const loadPage = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      const gen = generation.current;
      ipc.events(filter, page * PAGE, PAGE).then(
        (result) => {
          if (gen !== generation.current) return;
          setTotal(result.total);
          setPages((old) => new Map(old).set(page, result.rows));
        },
        (err: unknown) => gen === generation.current && setError(String(err)),
      );
    },
    [filter],
  );

  useEffect(() => {
    generation.current += 1;
    requested.current = new Set();
    setPages(new Map());
    setTotal(null);
    setError(null);
    setSelected(0);
    loadPage(0);
  }, [loadPage]);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    initialRect: { width: 1000, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    for (const item of items) loadPage(Math.floor(item.index / PAGE));
  }, [items, loadPage]);

  const rowAt = (i: number): EventRow | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  const update = (patch: Partial<ActivityFilter>) => setFilter({ ...filter, ...patch });
  const active = useMemo(() => Object.entries(filter).filter(([, v]) => v !== undefined && v !== false && v !== ""), [filter]);

  const onKey = (e: React.KeyboardEvent) => {
    if (total == null || total === 0) return;
    let next = selected;
    if (e.key === "ArrowDown") next = Math.min(total - 1, selected + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, selected - 1);
    else if (e.key === "PageDown") next = Math.min(total - 1, selected + 20);
    else if (e.key === "PageUp") next = Math.max(0, selected - 20);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = total - 1;
    else if (e.key === "Enter") {
      const row = rowAt(selected);
      if (row) navigate({ screen: "principal", key: row.principal });
      return;
    } else return;
    e.preventDefault();
    setSelected(next);
    virtualizer.scrollToIndex(next);
  };

  return (
    <div className="activity">
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          update({ search: search.trim() || undefined });
        }}
      >
        <label>
          Search
          <input
            type="search"
            value={search}
            placeholder="principal, call, IP, error code"
            onChange={(e) => setSearch(e.target.value)}
            data-testid="activity-search"
          />
        </label>
        <FilterSelect label="Type" value={filter.principalType} options={facets?.principalTypes ?? []} format={kindLabel} onChange={(v) => update({ principalType: v })} />
        <FilterSelect label="Service" value={filter.eventSource} options={facets?.eventSources ?? []} onChange={(v) => update({ eventSource: v, eventName: undefined })} />
        <FilterSelect label="Region" value={filter.region} options={facets?.regions ?? []} onChange={(v) => update({ region: v })} />
        <FilterSelect label="Outcome" value={filter.outcome} options={facets?.outcomes ?? []} format={outcomeLabel} onChange={(v) => update({ outcome: v })} />
        <label>
          From
          <input type="date" value={filter.since?.slice(0, 10) ?? ""} onChange={(e) => update({ since: e.target.value ? `${e.target.value}T00:00:00Z` : undefined })} />
        </label>
        <label>
          Until
          <input type="date" value={filter.until?.slice(0, 10) ?? ""} onChange={(e) => update({ until: e.target.value ? `${e.target.value}T23:59:59.999Z` : undefined })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.errorsOnly ?? false} onChange={(e) => update({ errorsOnly: e.target.checked || undefined })} />
          Errors only
        </label>
        <button type="submit">Apply</button>
      </form>
      {active.length > 0 ? (
        <p className="chips">
          {active.map(([k, v]) => (
            <span key={k} className="chip">
              {k}: {String(v)}{" "}
              <button type="button" aria-label={`remove filter ${k}`} onClick={() => { if (k === "search") setSearch(""); update({ [k]: undefined }); }}>
                ×
              </button>
            </span>
          ))}
          <button type="button" className="link" onClick={() => { setSearch(""); setFilter({}); }}>
            Clear filters
          </button>
        </p>
      ) : null}
      {error ? <ErrorState title="The events could not be read" message={error} /> : null}
      <p className="count" data-testid="activity-total" data-value={total ?? ""}>
        {total == null ? "Loading events…" : `${num(total)} events`}
      </p>
      {total === 0 ? (
        <Empty title="No events match these filters">Clear a filter to see more.</Empty>
      ) : (
        <div className="table-box" role="grid" aria-rowcount={total ?? 0} aria-label="events" tabIndex={0} onKeyDown={onKey} ref={scroller} data-testid="activity-table">
          <div className="row head" role="row">
            <span role="columnheader">Time</span>
            <span role="columnheader">Principal</span>
            <span role="columnheader">Call</span>
            <span role="columnheader">Service</span>
            <span role="columnheader">Region</span>
            <span role="columnheader">Source IP</span>
            <span role="columnheader">Outcome</span>
          </div>
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              return (
                <div
                  key={item.key}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={item.index === selected}
                  className={`row ${item.index === selected ? "selected" : ""} ${row?.outcome === "denied" ? "denied" : ""}`}
                  style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                  onClick={() => setSelected(item.index)}
                >
                  {row ? (
                    <>
                      <span role="gridcell">{time(row.time)}</span>
                      <span role="gridcell" title={row.principal}>
                        <button type="button" className="link" tabIndex={-1} onClick={() => navigate({ screen: "principal", key: row.principal })}>
                          {shortName(row.principal)}
                        </button>{" "}
                        <small>{kindLabel(row.principalType)}</small>
                      </span>
                      <span role="gridcell">{row.eventName}</span>
                      <span role="gridcell">{row.eventSource.replace(".amazonaws.com", "")}</span>
                      <span role="gridcell">{row.region ?? "—"}</span>
                      <span role="gridcell">
                        {row.sourceIp ? (
                          <button type="button" className="link" tabIndex={-1} onClick={() => update({ sourceIp: row.sourceIp ?? undefined })}>
                            {row.sourceIp}
                          </button>
                        ) : (
                          "—"
                        )}
                      </span>
                      <span role="gridcell" title={row.errorMessage ?? undefined}>
                        {outcomeLabel(row.outcome)}
                        {row.errorCode ? <small> {row.errorCode}</small> : null}
                      </span>
                    </>
                  ) : (
                    <span role="gridcell" className="muted">Loading…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
