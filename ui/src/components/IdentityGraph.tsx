// An identity's graph drawn with Cytoscape.js: its groups and their policies, its own policies, who can assume it
// and what it can assume, privilege-escalation steps (technique ids) and CloudTrail use. Every node and edge comes
// from the engine (`identity` command); this file only draws them.
import { useEffect, useRef } from "react";
import type cytoscape from "cytoscape";
import type { IdentityGraph as Graph } from "../ipc";

/** Cytoscape elements for the engine's graph: one node per node, one edge per edge, ids kept. */
export function graphElements(graph: Graph): cytoscape.ElementDefinition[] {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const out: cytoscape.ElementDefinition[] = graph.nodes.map((n) => ({
    data: { id: n.id, label: n.label, kind: n.kind, focus: n.focus ? "yes" : "no" },
  }));
  graph.edges.forEach((e, i) => {
    if (!ids.has(e.from) || !ids.has(e.to)) return;
    out.push({ data: { id: `e${i}`, source: e.from, target: e.to, kind: e.kind, label: e.label, reason: e.reason } });
  });
  return out;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function IdentityGraph({ graph, onSelect }: { graph: Graph; onSelect?: (id: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const text = cssVar("--text", "#111");
    const muted = cssVar("--text-muted", "#888");
    const danger = cssVar("--danger", "#dc2626");
    const accent = cssVar("--accent", "#2563eb");
    const ok = cssVar("--ok", "#16a34a");
    const focus = graph.nodes.find((n) => n.focus)?.id;
    let live = true;
    let cy: cytoscape.Core | undefined;
    // Cytoscape is loaded when a graph is first drawn, not with the dashboard (a smaller start for the web view).
    void import("cytoscape").then(({ default: cytoscape }) => {
      if (!live) return;
      cy = cytoscape({
        container: el,
        elements: graphElements(graph),
        style: [
          {
            selector: "node",
            style: {
              label: "data(label)",
              color: text,
              "font-size": 10,
              "text-valign": "bottom",
              "text-margin-y": 3,
              width: 16,
              height: 16,
              "background-color": muted,
            },
          },
          { selector: 'node[focus = "yes"]', style: { "background-color": accent, width: 28, height: 28, "font-weight": "bold" } },
          { selector: 'node[kind = "group"]', style: { shape: "round-rectangle", "background-color": "#a855f7" } },
          { selector: 'node[kind $= "policy"]', style: { shape: "rectangle", "background-color": "#f59e0b" } },
          { selector: 'node[kind = "role"]', style: { shape: "octagon" } },
          { selector: 'node[kind = "external"]', style: { shape: "diamond" } },
          { selector: 'node[kind = "service"]', style: { "background-color": ok } },
          { selector: 'node[kind = "admin"]', style: { shape: "star", "background-color": danger, width: 26, height: 26 } },
          {
            selector: "edge",
            style: {
              width: 1.2,
              "line-color": cssVar("--border", "#bbb"),
              "target-arrow-color": cssVar("--border", "#bbb"),
              "target-arrow-shape": "triangle",
              "curve-style": "bezier",
              label: "data(label)",
              "font-size": 8,
              color: muted,
              "text-rotation": "autorotate",
            },
          },
          { selector: 'edge[kind = "can_escalate_to"]', style: { "line-color": danger, "target-arrow-color": danger, width: 2.5, color: danger } },
          { selector: 'edge[kind = "can_assume"]', style: { "line-color": accent, "target-arrow-color": accent, "line-style": "dashed" } },
          { selector: 'edge[kind = "used"]', style: { "line-color": ok, "target-arrow-color": ok } },
        ],
        layout: focus
          ? { name: "breadthfirst", directed: true, roots: [focus], spacingFactor: 1.1 }
          : { name: "cose", animate: false },
      });
      cy.on("tap", "node", (evt) => onSelect?.(evt.target.id() as string));
    });
    return () => {
      live = false;
      cy?.destroy();
    };
  }, [graph, onSelect]);
  return (
    <div
      className="graph identity-graph"
      ref={box}
      role="img"
      aria-label={`identity graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges`}
      data-testid="identity-graph"
      data-nodes={graph.nodes.length}
      data-edges={graph.edges.length}
    />
  );
}
