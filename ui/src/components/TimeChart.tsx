// Events per period as bars (uPlot), colours taken from the theme's CSS variables.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import type { TimeBucket } from "../ipc";

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Seconds since the epoch of a period's start (`2024-05` or `2024-05-01`). */
function periodStart(p: string): number {
  const iso = p.length === 7 ? `${p}-01T00:00:00Z` : `${p.slice(0, 10)}T00:00:00Z`;
  return Date.parse(iso) / 1000;
}

export function TimeChart({
  buckets,
  height = 220,
  label,
}: {
  buckets: TimeBucket[];
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || buckets.length === 0) return;
    const xs = buckets.map((b) => periodStart(b.period));
    const data: uPlot.AlignedData = [
      xs,
      buckets.map((b) => b.events),
      buckets.map((b) => b.denied),
    ];
    const text = cssVar("--text-muted", "#666");
    const grid = cssVar("--border", "#ddd");
    const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 300),
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        axes: [
          { stroke: text, grid: { stroke: grid } },
          { stroke: text, grid: { stroke: grid } },
        ],
        series: [
          {},
          { label: "Events", stroke: cssVar("--accent", "#2563eb"), fill: cssVar("--accent-soft", "#2563eb55"), paths: bars },
          { label: "Denied", stroke: cssVar("--danger", "#dc2626"), fill: cssVar("--danger-soft", "#dc262655"), paths: bars },
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [buckets, height]);
  return <div className="chart" ref={box} role="img" aria-label={label} />;
}
