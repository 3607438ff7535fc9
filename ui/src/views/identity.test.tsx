// Component tests of the identity detail screen with the engine's answers given as data: the graph's elements
// are the engine's nodes and edges, the trust and escalation panels list what the engine found, the diff renders
// kept / not-observable / removed actions per service, and the export buttons go idle → busy → saved, cancelled
// or failed, and are disabled without a suggestion.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ExportWritten, IdentityDetail as Detail, IdentityGraph, IdentityRightsize } from "../ipc";

vi.mock("../components/IdentityGraph", async (orig) => {
  const real = await orig<typeof import("../components/IdentityGraph")>();
  return {
    graphElements: real.graphElements,
    IdentityGraph: ({ graph }: { graph: IdentityGraph }) => (
      <div data-testid="identity-graph" data-nodes={graph.nodes.length} data-edges={graph.edges.length} />
    ),
  };
});
vi.mock("./PrincipalDetail", () => ({ PrincipalDetail: () => <div data-testid="activity-tab" /> }));

import { graphElements } from "../components/IdentityGraph";
import { PolicyDiff } from "../components/PolicyDiff";
import { ExportButtons, IdentityDetail } from "./IdentityDetail";

afterEach(cleanup);

const ALICE = "arn:aws:iam::111122223333:user/alice";
const graph: IdentityGraph = {
  nodes: [
    { id: ALICE, kind: "user", label: "alice", focus: true },
    { id: "arn:aws:iam::111122223333:group/devs", kind: "group", label: "devs", focus: false },
    { id: "arn:aws:iam::aws:policy/IAMFullAccess", kind: "aws_managed_policy", label: "IAMFullAccess", focus: false },
    { id: "arn:aws:iam::111122223333:role/deploy", kind: "role", label: "deploy", focus: false },
    { id: "admin", kind: "admin", label: "admin (full access)", focus: false },
  ],
  edges: [
    { from: ALICE, to: "arn:aws:iam::111122223333:group/devs", kind: "member_of", label: "member of", reason: "group member" },
    { from: "arn:aws:iam::111122223333:group/devs", to: "arn:aws:iam::aws:policy/IAMFullAccess", kind: "attached", label: "attached", reason: "attached" },
    { from: ALICE, to: "arn:aws:iam::111122223333:role/deploy", kind: "can_assume", label: "can assume (MFA)", reason: "trust names alice" },
    { from: ALICE, to: "admin", kind: "can_escalate_to", label: "iam-001", reason: "CreatePolicyVersion" },
    { from: ALICE, to: "arn:aws:iam::111122223333:user/ghost", kind: "used", label: "used ×1", reason: "dangling" },
  ],
};

const detail: Detail = {
  key: ALICE,
  arn: ALICE,
  kind: "user",
  name: "alice",
  snapshotId: 1,
  snapshotTakenAt: "2024-06-01T00:00:00Z",
  groups: ["devs"],
  policies: ["arn:aws:iam::aws:policy/IAMFullAccess"],
  boundary: null,
  graph,
  graphLimit: null,
  assumedBy: [],
  canAssume: [
    {
      principal: "arn:aws:iam::111122223333:role/deploy",
      kind: "role",
      action: "sts:AssumeRole",
      requiresMfa: true,
      unconditional: false,
      conditionKeys: ["aws:MultiFactorAuthPresent"],
      reason: "trust names alice",
    },
  ],
  escalations: [
    {
      principal: ALICE,
      conditional: false,
      steps: [
        {
          technique: "iam-001",
          techniqueName: "iam:CreatePolicyVersion",
          from: ALICE,
          to: "admin",
          via: "arn:aws:iam::111122223333:policy/dev",
          gain: "self-admin",
          permissions: [{ action: "iam:CreatePolicyVersion", resource: "*", conditional: false }],
        },
      ],
    },
  ],
  escalationsInto: [],
  services: [
    {
      service: "iam",
      granted: 40,
      used: 2,
      unused: 37,
      notObservable: 1,
      events: 12,
      lastUsed: "2024-05-30T10:00:00Z",
      usedActions: [
        { action: "iam:ListUsers", count: 10, lastUsed: "2024-05-30T10:00:00Z", granted: true },
        { action: "iam:GetUser", count: 2, lastUsed: "2024-05-01T10:00:00Z", granted: true },
      ],
      unusedActions: ["iam:CreateUser", "iam:DeleteUser"],
      notObservableActions: ["iam:PassRole"],
    },
  ],
  grantedActions: 40,
  usedActions: 2,
  unusedActions: 37,
  notObservableActions: 1,
  window: { start: "2024-03-01T00:00:00Z", end: "2024-05-30T10:00:00Z", days: 90.4, dataEvents: false },
  findings: [
    {
      id: "f2",
      kind: "unused-permissions",
      severity: "medium",
      title: "37 unused iam actions",
      explanation: "granted but not used in 90 days",
      recommendation: "remove them",
      evidence: "{}",
    },
    {
      id: "f1",
      kind: "privilege-escalation-path",
      severity: "critical",
      title: "alice can become admin",
      explanation: "iam-001",
      recommendation: "remove iam:CreatePolicyVersion",
      evidence: "{\"path\": 1}",
    },
  ],
  riskScore: 71.4,
  notes: [],
};

const rightsize: IdentityRightsize = {
  principal: ALICE,
  unavailable: null,
  since: null,
  until: null,
  firstEvent: "2024-03-01T00:00:00Z",
  lastEvent: "2024-05-30T10:00:00Z",
  beforeActions: 40,
  afterActions: 3,
  servicesBefore: 1,
  servicesAfter: 1,
  servicesRemoved: [],
  highRiskRemoved: ["iam:CreatePolicyVersion"],
  reductionPercent: 92.5,
  replayAllowed: 12,
  replayTotal: 12,
  replayDistinctCalls: 2,
  replayDenied: [],
  notGrantedNow: [],
  proofStatements: 1,
  proofPairs: 3,
  proofViolations: [],
  keptNotObservable: [{ action: "iam:PassRole", resources: ["*"], reason: "CloudTrail does not record iam:PassRole" }],
  diff: [
    {
      service: "iam",
      before: 40,
      after: 3,
      keptUsed: ["iam:GetUser", "iam:ListUsers"],
      keptNotObservable: ["iam:PassRole"],
      removed: 37,
      removedActions: ["iam:CreateUser", "iam:DeleteUser"],
      whyRemoved: "not used in the window",
    },
  ],
  documents: ["{}"],
  sizeChars: 120,
  sizeLimit: 6144,
  managedPolicies: 1,
  exports: [
    { format: "json", fileName: "alice-rightsized.json", text: "{\n  \"Version\": \"2012-10-17\"\n}\n" },
    { format: "terraform", fileName: "alice-rightsized.tf", text: "data \"aws_iam_policy_document\" \"alice\" {}\n" },
    { format: "cloudformation", fileName: "alice-rightsized.yaml", text: "Resources: {}\n" },
  ],
  notes: [],
};

const noop = () => Promise.resolve(null);

describe("graphElements", () => {
  it("keeps the engine's nodes and edges and drops edges to nodes it does not have", () => {
    const els = graphElements(graph);
    const nodes = els.filter((e) => !("source" in e.data));
    const edges = els.filter((e) => "source" in e.data);
    expect(nodes.map((n) => n.data.id)).toEqual(graph.nodes.map((n) => n.id));
    expect(nodes.find((n) => n.data.id === ALICE)?.data.focus).toBe("yes");
    expect(edges).toHaveLength(4);
    const escalate = edges.find((e) => e.data.kind === "can_escalate_to");
    expect(escalate?.data).toMatchObject({ source: ALICE, target: "admin", label: "iam-001" });
  });
});

describe("IdentityDetail", () => {
  it("shows the graph, trust and escalation steps with technique and permissions", () => {
    render(<IdentityDetail detail={detail} rightsize={{ loading: true }} navigate={() => {}} onExport={noop} />);
    expect(screen.getByTestId("identity-key").textContent).toBe(ALICE);
    expect(screen.getByTestId("granted-actions").dataset.value).toBe("40");
    expect(screen.getByTestId("unused-actions").dataset.value).toBe("37");
    expect(screen.getByTestId("identity-graph").dataset.nodes).toBe("5");
    const canAssume = screen.getByTestId("can-assume");
    expect(canAssume.textContent).toContain("deploy");
    expect(canAssume.textContent).toContain("MFA required");
    const step = screen.getByTestId("escalation-step");
    expect(step.textContent).toContain("iam-001");
    expect(step.textContent).toContain("iam:CreatePolicyVersion");
    expect(step.textContent).toContain("admin (full access)");
    expect(screen.queryByTestId("graph-limit")).toBeNull();
  });

  it("says when the graph draws only part of a large neighbourhood", () => {
    const limited = { ...detail, graphLimit: { linked: 2013, drawn: 60, directOnly: true } };
    render(<IdentityDetail detail={limited} rightsize={{ loading: true }} navigate={() => {}} onExport={noop} />);
    const note = screen.getByTestId("graph-limit").textContent ?? "";
    expect(note).toContain((2013).toLocaleString());
    expect(note).toContain("draws 60 of them");
    expect(note).toContain("does not follow chains");
  });

  it("opens another identity from the trust panel", () => {
    const navigate = vi.fn();
    render(<IdentityDetail detail={detail} rightsize={{ loading: true }} navigate={navigate} onExport={noop} />);
    fireEvent.click(within(screen.getByTestId("can-assume")).getByText("arn:aws:iam::111122223333:role/deploy"));
    expect(navigate).toHaveBeenCalledWith({ screen: "identity", key: "arn:aws:iam::111122223333:role/deploy" });
  });

  it("lists granted vs used per service with not-observable actions apart", () => {
    render(<IdentityDetail detail={detail} rightsize={{ loading: true }} navigate={() => {}} onExport={noop} initialTab="access" />);
    const row = screen.getByTestId("access-service");
    expect(row.dataset.service).toBe("iam");
    expect(row.textContent).toContain("40");
    fireEvent.click(row);
    const table = screen.getByTestId("granted-vs-used");
    expect(table.textContent).toContain("iam:ListUsers");
    expect(table.textContent).toContain("not observable: iam:PassRole");
    expect(table.textContent).toContain("unused: iam:CreateUser, iam:DeleteUser and 35 more");
  });

  it("orders findings worst first with explanation and recommendation", () => {
    render(<IdentityDetail detail={detail} rightsize={{ loading: true }} navigate={() => {}} onExport={noop} />);
    fireEvent.click(screen.getByTestId("tab-findings"));
    const items = screen.getAllByTestId("identity-finding");
    expect(items.map((i) => i.dataset.kind)).toEqual(["privilege-escalation-path", "unused-permissions"]);
    expect(items[0]?.textContent).toContain("remove iam:CreatePolicyVersion");
  });

  it("shows the reduction, the replay proof and the exact export text", () => {
    render(<IdentityDetail detail={detail} rightsize={{ data: rightsize, loading: false }} navigate={() => {}} onExport={noop} initialTab="rightsize" />);
    expect(screen.getByTestId("rs-before").dataset.value).toBe("40");
    expect(screen.getByTestId("rs-after").dataset.value).toBe("3");
    expect(screen.getByTestId("rs-reduction").textContent).toBe("92.5%");
    expect(screen.getByTestId("rs-replay").dataset.value).toBe("12/12");
    expect(screen.getByTestId("policy-preview").textContent).toBe(rightsize.exports[0]?.text);
    fireEvent.click(screen.getByText("Terraform", { selector: "[role=tab]" }));
    expect(screen.getByTestId("policy-preview").textContent).toBe(rightsize.exports[1]?.text);
  });

  it("says why there is no suggestion and disables the exports", () => {
    const none = { ...rightsize, unavailable: "database has no account snapshot" };
    render(<IdentityDetail detail={{ ...detail, snapshotId: null, grantedActions: null }} rightsize={{ data: none, loading: false }} navigate={() => {}} onExport={noop} initialTab="rightsize" />);
    expect(screen.getByTestId("rightsize-unavailable").textContent).toContain("no account snapshot");
    expect((screen.getByTestId("export-json") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("cloudtrail-only")).toBeTruthy();
  });
});

describe("PolicyDiff", () => {
  it("renders kept, kept-not-observable and removed actions per service", () => {
    render(<PolicyDiff diff={rightsize.diff} />);
    expect(screen.getAllByTestId("diff-kept").map((e) => e.textContent)).toEqual(["= iam:GetUser used", "= iam:ListUsers used"]);
    expect(screen.getByTestId("diff-kept-unobservable").textContent).toContain("iam:PassRole");
    expect(screen.getAllByTestId("diff-removed").map((e) => e.textContent)).toEqual(["− iam:CreateUser", "− iam:DeleteUser"]);
    expect(screen.getByTestId("policy-diff").textContent).toContain("… and 35 more removed");
    expect(screen.getByTestId("policy-diff").textContent).toContain("not used in the window");
  });
});

describe("ExportButtons", () => {
  it("goes busy while exporting, then shows where the file went", async () => {
    let finish: (w: ExportWritten | null) => void = () => {};
    const onExport = vi.fn(() => new Promise<ExportWritten | null>((r) => (finish = r)));
    render(<ExportButtons available onExport={onExport} />);
    fireEvent.click(screen.getByTestId("export-terraform"));
    expect(onExport).toHaveBeenCalledWith("terraform");
    expect((screen.getByTestId("export-json") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("export-terraform").textContent).toBe("Exporting…");
    finish({ path: "/home/a/alice-rightsized.tf", bytes: 1234, format: "terraform" });
    await waitFor(() => expect(screen.getByTestId("export-status").dataset.status).toBe("done"));
    expect(screen.getByTestId("export-path").textContent).toBe("/home/a/alice-rightsized.tf");
    expect((screen.getByTestId("export-json") as HTMLButtonElement).disabled).toBe(false);
  });

  it("says when the dialog was cancelled or the export failed", async () => {
    const onExport = vi.fn<() => Promise<ExportWritten | null>>().mockResolvedValueOnce(null).mockRejectedValueOnce("cannot write `/x`: denied");
    render(<ExportButtons available onExport={onExport} />);
    fireEvent.click(screen.getByTestId("export-json"));
    await waitFor(() => expect(screen.getByTestId("export-status").dataset.status).toBe("cancelled"));
    fireEvent.click(screen.getByTestId("export-cloudformation"));
    await waitFor(() => expect(screen.getByTestId("export-status").dataset.status).toBe("error"));
    expect(screen.getByTestId("export-status").textContent).toContain("cannot write `/x`");
  });
});
