// A principal and the services and actions it used, as a graph (Cytoscape.js). The identity graph
// (groups, policies, trust chains) will add its nodes here once the account model lands.
import { useEffect, useRef } from "react";
import type cytoscape from "cytoscape";
import type { ServiceUsage } from "../ipc";

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function UsageGraph({ principal, services }: { principal: string; services: ServiceUsage[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const elements: cytoscape.ElementDefinition[] = [
      { data: { id: "p", label: principal, kind: "principal" } },
    ];
    for (const s of services) {
      const sid = `s:${s.service}`;
      elements.push({ data: { id: sid, label: s.service, kind: "service" } });
      elements.push({ data: { id: `e:${sid}`, source: "p", target: sid } });
      for (const a of s.actions) {
        const aid = `a:${a.action}`;
        elements.push({ data: { id: aid, label: a.action.split(":")[1] ?? a.action, kind: "action" } });
        elements.push({ data: { id: `e:${aid}`, source: sid, target: aid } });
      }
    }
    const text = cssVar("--text", "#111");
    let live = true;
    let cy: cytoscape.Core | undefined;
    // Loaded when a graph is first drawn, not with the dashboard.
    void import("cytoscape").then(({ default: cytoscape }) => {
      if (!live) return;
      cy = cytoscape({
        container: el,
        elements,
        userZoomingEnabled: true,
        style: [
          {
            selector: "node",
            style: {
              label: "data(label)",
              color: text,
              "font-size": 10,
              "text-valign": "bottom",
              "text-margin-y": 3,
              width: 14,
              height: 14,
              "background-color": cssVar("--text-muted", "#888"),
            },
          },
          { selector: 'node[kind = "principal"]', style: { "background-color": cssVar("--accent", "#2563eb"), width: 24, height: 24 } },
          { selector: 'node[kind = "service"]', style: { "background-color": cssVar("--ok", "#16a34a"), width: 18, height: 18 } },
          { selector: "edge", style: { width: 1, "line-color": cssVar("--border", "#ccc") } },
        ],
        layout: { name: "breadthfirst", directed: true, roots: ["p"], spacingFactor: 0.9 },
      });
    });
    return () => {
      live = false;
      cy?.destroy();
    };
  }, [principal, services]);
  return <div className="graph" ref={box} role="img" aria-label={`${principal}: services and actions used`} />;
}
