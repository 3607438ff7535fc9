// Rows of a big table fetched from the engine a window at a time: the engine filters and sorts, the table asks
// only for the pages its virtual rows cover (plus the first, which carries the totals and filter choices). A new
// query keeps the old rows on screen until its first page arrives; answers to an older query are dropped.
import { useCallback, useEffect, useRef, useState } from "react";

/** Rows fetched per request. */
export const PAGE_SIZE = 200;

/** What a page answer carries (the engine's IdentityPage, FindingPage). */
export interface PageAnswer<T> {
  total: number;
  all: number;
  offset: number;
  rows: T[];
}

interface Loaded<T, P> {
  key: string;
  first: P;
  pages: Map<number, T[]>;
}

export interface PagedRows<T, P> {
  /** The current query's first page (totals, filter choices); undefined until it arrives. */
  first?: P;
  /** Why the first page could not be loaded. */
  error?: string;
  /** The row at `index` among the matching rows, when its page has arrived. */
  row: (index: number) => T | undefined;
  /** Asks for the pages that cover rows `start`..=`end` (the virtual window). */
  ensure: (start: number, end: number) => void;
}

/** Pages of `load`'s answers for `query`; `key` names the query (a change starts over at the first page). */
export function usePagedRows<T, Q, P extends PageAnswer<T>>(
  load: (query: Q & { offset: number; limit: number }) => Promise<P>,
  query: Q,
  key: string,
): PagedRows<T, P> {
  const [loaded, setLoaded] = useState<Loaded<T, P>>();
  const [error, setError] = useState<string>();
  const generation = useRef(0);
  const asked = useRef(new Set<number>());
  const latest = useRef({ load, query });
  latest.current = { load, query };

  useEffect(() => {
    const mine = ++generation.current;
    asked.current = new Set([0]);
    setError(undefined);
    latest.current.load({ ...latest.current.query, offset: 0, limit: PAGE_SIZE }).then(
      (first) => {
        if (mine === generation.current) setLoaded({ key, first, pages: new Map([[0, first.rows]]) });
      },
      (err: unknown) => {
        if (mine === generation.current) setError(String(err));
      },
    );
  }, [key]);

  const current = loaded?.key === key ? loaded : undefined;
  const ensure = useCallback(
    (start: number, end: number) => {
      if (!current) return;
      const mine = generation.current;
      const last = Math.min(end, current.first.total - 1);
      for (let page = Math.floor(Math.max(0, start) / PAGE_SIZE); page * PAGE_SIZE <= last; page++) {
        if (current.pages.has(page) || asked.current.has(page)) continue;
        asked.current.add(page);
        latest.current.load({ ...latest.current.query, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then(
          (answer) => {
            if (mine !== generation.current) return;
            setLoaded((l) => (l && l.key === current.key ? { ...l, pages: new Map(l.pages).set(page, answer.rows) } : l));
          },
          () => asked.current.delete(page),
        );
      }
    },
    [current],
  );
  const shown = current ?? loaded;
  const row = useCallback(
    (index: number) => shown?.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    [shown],
  );
  return { first: shown?.first, error, row, ensure };
}
