// The virtualised, keyboard-driven list the big tables share (Identities, Principals, Findings): fixed-height rows
// rendered through TanStack Virtual, a selected row moved with the arrow, page and Home/End keys and opened with Enter.
import { useRef, useState } from "react";
import type React from "react";
import { useVirtualizer } from "@tanstack/react-virtual";

/** Height of one table row, in pixels (the CSS grid rows match it). */
export const ROW_HEIGHT = 32;

/** Rows a PageUp/PageDown moves the selection by. */
export const PAGE_ROWS = 15;

/** The index the selection moves to for `key`, or `null` when the key does not move it. */
export function nextIndex(key: string, selected: number, count: number): number | null {
  const last = Math.max(0, count - 1);
  switch (key) {
    case "ArrowDown":
      return Math.min(last, selected + 1);
    case "ArrowUp":
      return Math.max(0, selected - 1);
    case "PageDown":
      return Math.min(last, selected + PAGE_ROWS);
    case "PageUp":
      return Math.max(0, selected - PAGE_ROWS);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}

/** A virtualised list of `count` rows with a keyboard-selected row; `onEnter` opens the selected one. */
export function useVirtualList(count: number, { width = 1000, onEnter }: { width?: number; onEnter?: (index: number) => void } = {}) {
  const [selected, setSelected] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    initialRect: { width, height: 600 },
  });
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "Enter") {
      if (onEnter && selected < count) onEnter(selected);
      return;
    }
    const next = nextIndex(e.key, selected, count);
    if (next === null) return;
    e.preventDefault();
    setSelected(next);
    virtualizer.scrollToIndex(next);
  };
  /** The absolute position of a row that starts at `start` pixels. */
  const rowStyle = (start: number): React.CSSProperties => ({
    position: "absolute",
    top: 0,
    left: 0,
    right: 0,
    height: ROW_HEIGHT,
    transform: `translateY(${start}px)`,
  });
  return { selected, setSelected, scroller, virtualizer, onKey, rowStyle };
}
