// Component tests of the alert, review and drift screens with the engine's answers stubbed at the ipc
// boundary: the alert list filters and shows counts, the detail triages with a note and pivots, a refused
// policy edit shows the engine's line and field, a review starts, the grid marks carried-over decisions
// and records one, a report is saved, and the drift sections show what the engine computed.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { AlertDetail, AlertList, AlertPolicyInfo, AlertRow, DriftView, ReviewDetail, ReviewsOverview } from "../ipc";

const ipcMock = vi.hoisted(() => ({
  alerts: vi.fn(),
  alertDetail: vi.fn(),
  triageAlert: vi.fn(),
  setReviewer: vi.fn(),
  alertPolicies: vi.fn(),
  saveAlertPolicy: vi.fn(),
  evaluateAlerts: vi.fn(),
  reviews: vi.fn(),
  review: vi.fn(),
  startReview: vi.fn(),
  decide: vi.fn(),
  snapshots: vi.fn(),
  drift: vi.fn(),
  saveReviewReport: vi.fn(),
}));
vi.mock("../ipc", () => ipcMock);

import { Alerts } from "./Alerts";
import { AlertPolicy } from "./AlertPolicy";
import { Reviews } from "./Reviews";
import { ReviewGrid } from "./ReviewDetail";
import { Drift } from "./Drift";

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1000 });

afterEach(() => {
  cleanup();
  for (const f of Object.values(ipcMock)) f.mockReset();
});

function alert(id: number, over: Partial<AlertRow> = {}): AlertRow {
  return {
    id,
    policy: "root-creates-user",
    policyName: "Root creates an IAM user",
    policyVersion: 1,
    severity: "critical",
    actor: "arn:aws:iam::111122223333:root",
    time: `2024-01-0${id}T10:00:00Z`,
    eventCount: 1,
    status: "open",
    note: null,
    triagedBy: null,
    triagedAt: null,
    summary: "root called CreateUser",
    ...over,
  };
}

const list: AlertList = {
  total: 3,
  rows: [alert(3), alert(2, { policy: "mfa-deactivated", policyName: "MFA deactivated", severity: "high", eventCount: 2 }), alert(1, { status: "dismissed", note: "drill" })],
  byStatus: [
    { name: "dismissed", count: 1 },
    { name: "open", count: 2 },
  ],
  bySeverity: [
    { name: "critical", count: 2 },
    { name: "high", count: 1 },
  ],
  byPolicy: [
    { name: "mfa-deactivated", count: 1 },
    { name: "root-creates-user", count: 2 },
  ],
  reviewer: "Dana",
};

const policy: AlertPolicyInfo = {
  id: "root-creates-user",
  name: "Root creates an IAM user",
  severity: "critical",
  description: "The root user created an IAM user.",
  reason: "Root should never be used for daily work.",
  recommendation: "Confirm with the account owner and rotate root credentials.",
  version: 1,
  source: "builtin",
  file: '{\n  "version": 1,\n  "policy": [{"id": "root-creates-user", "severity": "critical"}]\n}\n',
};

const detail: AlertDetail = {
  alert: alert(3),
  events: [
    {
      time: "2024-01-03T10:00:00Z",
      eventId: "e-1",
      actor: "arn:aws:iam::111122223333:root",
      eventSource: "iam.amazonaws.com",
      eventName: "CreateUser",
      actions: ["iam:CreateUser"],
      region: "us-east-1",
      sourceIp: "198.51.100.7",
      outcome: "success",
      errorCode: null,
    },
  ],
  sourceIps: ["198.51.100.7"],
  policy,
};

describe("Alerts", () => {
  it("lists alerts with counts, filters by status, and shows a selected alert's policy reason", async () => {
    ipcMock.alerts.mockResolvedValue(list);
    ipcMock.alertDetail.mockResolvedValue(detail);
    render(<Alerts initialFilter={{}} navigate={() => {}} />);
    await waitFor(() => expect(screen.getByTestId("alerts-total").dataset.value).toBe("3"));
    expect(screen.getAllByTestId("alert-row").length).toBe(3);
    expect(screen.getByTestId("reviewer-name").dataset.value).toBe("Dana");
    const status = screen.getByTestId("alerts-filter-status") as HTMLSelectElement;
    expect(within(status).getByText("open (2)")).toBeTruthy();
    fireEvent.change(status, { target: { value: "open" } });
    await waitFor(() => expect(ipcMock.alerts).toHaveBeenLastCalledWith({ status: "open" }));
    fireEvent.click(screen.getAllByTestId("alert-row")[0]!);
    await waitFor(() => expect(ipcMock.alertDetail).toHaveBeenCalledWith(3));
    expect((await screen.findByTestId("policy-reason")).textContent).toBe(policy.reason);
    expect(screen.getByTestId("policy-recommendation").textContent).toBe(policy.recommendation);
    expect(screen.getByTestId("alert-events").textContent).toContain("CreateUser");
  });

  it("dismisses with a note, then reloads; pivots to the actor, the IP and the policy", async () => {
    ipcMock.alerts.mockResolvedValue(list);
    ipcMock.alertDetail.mockResolvedValue(detail);
    ipcMock.triageAlert.mockResolvedValue({ ...alert(3), status: "dismissed", note: "known drill" });
    const navigate = vi.fn();
    render(<Alerts initialFilter={{}} initialSelected={3} navigate={navigate} />);
    await screen.findByTestId("alert-detail");
    fireEvent.change(screen.getByTestId("triage-note"), { target: { value: "known drill" } });
    fireEvent.click(screen.getByTestId("triage-dismiss"));
    await waitFor(() => expect(ipcMock.triageAlert).toHaveBeenCalledWith(3, "dismissed", "known drill"));
    await waitFor(() => expect(ipcMock.alerts).toHaveBeenCalledTimes(2));
    fireEvent.click(screen.getByTestId("pivot-actor"));
    expect(navigate).toHaveBeenCalledWith({ screen: "activity", filter: { principal: "arn:aws:iam::111122223333:root" } });
    fireEvent.click(screen.getByTestId("pivot-ip"));
    expect(navigate).toHaveBeenCalledWith({ screen: "activity", filter: { sourceIp: "198.51.100.7" } });
    fireEvent.click(screen.getByTestId("adjust-policy"));
    expect(navigate).toHaveBeenCalledWith({ screen: "alert-policy", id: "root-creates-user" });
  });

  it("shows the triage error and asks for a reviewer when none is set", async () => {
    ipcMock.alerts.mockResolvedValue({ ...list, reviewer: null });
    ipcMock.alertDetail.mockResolvedValue(detail);
    ipcMock.triageAlert.mockRejectedValue("no alert has id 3");
    ipcMock.setReviewer.mockResolvedValue("Sam");
    render(<Alerts initialFilter={{}} initialSelected={3} navigate={() => {}} />);
    await screen.findByTestId("alert-detail");
    fireEvent.click(screen.getByTestId("triage-resolve"));
    await screen.findByText("no alert has id 3");
    fireEvent.change(screen.getByTestId("reviewer-input"), { target: { value: "Sam" } });
    fireEvent.click(screen.getByTestId("reviewer-save"));
    await waitFor(() => expect(ipcMock.setReviewer).toHaveBeenCalledWith("Sam"));
  });

  it("says so when no policy raised anything", async () => {
    ipcMock.alerts.mockResolvedValue({ ...list, total: 0, rows: [], byStatus: [], bySeverity: [], byPolicy: [] });
    render(<Alerts initialFilter={{}} navigate={() => {}} />);
    await screen.findByText("No alerts");
  });
});

describe("Alert policy", () => {
  it("shows the engine's refusal with line and field, and saves a valid edit", async () => {
    ipcMock.alertPolicies.mockResolvedValue([policy]);
    ipcMock.saveAlertPolicy.mockRejectedValueOnce("edited policy.json:3:40: `policy[0].severity`: unknown severity `urgent`");
    render(<AlertPolicy id="root-creates-user" navigate={() => {}} />);
    const text = (await screen.findByTestId("policy-text")) as HTMLTextAreaElement;
    expect(text.value).toBe(policy.file);
    fireEvent.change(text, { target: { value: policy.file.replace("critical", "urgent") } });
    fireEvent.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-error")).textContent).toContain("policy[0].severity");
    ipcMock.saveAlertPolicy.mockResolvedValueOnce([{ ...policy, version: 2, severity: "high" }]);
    fireEvent.change(text, { target: { value: policy.file.replace("critical", "high") } });
    fireEvent.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-saved")).textContent).toContain("root-creates-user v2");
    expect(ipcMock.saveAlertPolicy).toHaveBeenLastCalledWith(policy.file.replace("critical", "high"));
  });
});

const overview: ReviewsOverview = {
  reviews: [{ name: "Q1", snapshotId: 1, since: "2024-01-01T00:00:00Z", until: null, createdAt: "2024-04-01T00:00:00Z", previous: null, total: 40, decided: 10, inherited: 0 }],
  snapshots: [
    { id: 2, takenAt: "2024-06-30T00:00:00Z", importedAt: "2024-06-30T01:00:00Z", accountId: "111122223333" },
    { id: 1, takenAt: "2024-03-31T00:00:00Z", importedAt: "2024-03-31T01:00:00Z", accountId: "111122223333" },
  ],
  reviewer: "Dana",
};

describe("Reviews", () => {
  it("lists campaigns with progress and starts one over the chosen snapshot and window", async () => {
    ipcMock.reviews.mockResolvedValue(overview);
    ipcMock.startReview.mockResolvedValue({ ...overview.reviews[0], name: "Q2", snapshotId: 1 });
    const navigate = vi.fn();
    render(<Reviews navigate={navigate} />);
    await waitFor(() => expect(screen.getByTestId("reviews-table").dataset.value).toBe("1"));
    expect(screen.getByTestId("review-row").textContent).toContain("10 / 40");
    fireEvent.change(screen.getByTestId("review-name"), { target: { value: "Q2" } });
    fireEvent.change(screen.getByTestId("review-snapshot"), { target: { value: "1" } });
    fireEvent.change(screen.getByTestId("review-since"), { target: { value: "2024-04-01" } });
    fireEvent.click(screen.getByTestId("review-start"));
    await waitFor(() => expect(ipcMock.startReview).toHaveBeenCalledWith("Q2", 1, "2024-04-01", null));
    expect(navigate).toHaveBeenCalledWith({ screen: "review", name: "Q2" });
  });

  it("explains that a review needs an account snapshot", async () => {
    ipcMock.reviews.mockResolvedValue({ reviews: [], snapshots: [], reviewer: null });
    render(<Reviews navigate={() => {}} />);
    await screen.findByText("No account snapshot");
    expect(screen.queryByTestId("review-start")).toBeNull();
  });
});

const grid: ReviewDetail = {
  summary: { name: "Q2", snapshotId: 2, since: null, until: null, createdAt: "2024-07-01T00:00:00Z", previous: "Q1", total: 3, decided: 1, inherited: 1 },
  snapshot: overview.snapshots[0]!,
  reviewer: "Dana",
  items: [
    {
      subject: "finding",
      key: "f-1",
      principal: "arn:aws:iam::111122223333:user/alice",
      kind: "admin-equivalent",
      severity: "high",
      title: "alice can do everything",
      decision: { decision: "keep", note: "break-glass", reviewer: "Dana", decidedAt: "2024-04-02T00:00:00Z", expiresAt: null, inheritedFrom: "Q1" },
    },
    { subject: "finding", key: "f-2", principal: "arn:aws:iam::111122223333:user/bob", kind: "access-key-unused", severity: "medium", title: "bob's key is unused", decision: null },
    { subject: "principal", key: "arn:aws:iam::111122223333:user/bob", principal: "arn:aws:iam::111122223333:user/bob", kind: "user", severity: "", title: "bob", decision: null },
  ],
};

describe("Review grid", () => {
  it("shows progress and carried-over decisions, and records an accepted risk with its expiry", async () => {
    ipcMock.decide.mockResolvedValue({ decision: "accept-risk", note: "vendor", reviewer: "Dana", decidedAt: "x", expiresAt: "2025-01-01T00:00:00Z", inheritedFrom: null });
    ipcMock.review.mockResolvedValue({ ...grid, summary: { ...grid.summary, decided: 2 } });
    render(<ReviewGrid detail={grid} navigate={() => {}} />);
    expect(screen.getByTestId("review-progress").dataset.value).toBe("1/3");
    expect(screen.getByTestId("review-inherited").dataset.value).toBe("1");
    const items = screen.getAllByTestId("review-item");
    expect(items[0]!.textContent).toContain("↻ Q1");
    fireEvent.change(screen.getByTestId("review-show"), { target: { value: "undecided" } });
    expect(screen.getAllByTestId("review-item").length).toBe(2);
    fireEvent.click(screen.getAllByTestId("review-item")[0]!);
    fireEvent.click(screen.getByTestId("decision-accept-risk"));
    fireEvent.change(screen.getByTestId("decision-expires"), { target: { value: "2025-01-01" } });
    fireEvent.change(screen.getByTestId("decision-note"), { target: { value: "vendor" } });
    fireEvent.click(screen.getByTestId("decision-save"));
    await waitFor(() => expect(ipcMock.decide).toHaveBeenCalledWith("Q2", "finding", "f-2", "accept-risk", "vendor", "2025-01-01"));
    await waitFor(() => expect(screen.getByTestId("review-progress").dataset.value).toBe("2/3"));
  });

  it("saves a report through the shell and shows where and its seal", async () => {
    ipcMock.saveReviewReport.mockResolvedValue({ path: "/tmp/Q2-report.pdf", format: "pdf", sha256: "ab".repeat(32) });
    render(<ReviewGrid detail={grid} navigate={() => {}} />);
    fireEvent.click(screen.getByTestId("report-pdf"));
    await waitFor(() => expect(screen.getByTestId("report-saved").dataset.value).toBe("/tmp/Q2-report.pdf"));
    expect(ipcMock.saveReviewReport).toHaveBeenCalledWith("Q2", "pdf");
  });
});

const driftView: DriftView = {
  from: overview.snapshots[1]!,
  to: overview.snapshots[0]!,
  identitiesAdded: [{ arn: "arn:aws:iam::111122223333:user/carol", kind: "user" }],
  identitiesRemoved: [],
  identitiesRecreated: [],
  attachments: [{ holder: "arn:aws:iam::111122223333:user/carol", change: "attached", what: "managed-policy", name: "arn:aws:iam::aws:policy/AdministratorAccess" }],
  policyChanges: [{ kind: "managed", policy: "arn:aws:iam::111122223333:policy/ops", name: null, added: ['{\n  "Effect": "Allow"\n}'], removed: [], changed: [] }],
  permissions: [{ principal: "arn:aws:iam::111122223333:user/carol", gained: ["iam:CreateUser", "s3:GetObject"], lost: [], gainedOnAllResources: [], lostOnAllResources: [] }],
  newFindings: [{ id: "n1", kind: "admin-equivalent", severity: "high", principal: "arn:aws:iam::111122223333:user/carol", title: "carol is admin" }],
  resolvedFindings: [],
  credentials: [{ principal: "arn:aws:iam::111122223333:user/bob", key: 1, status: "rotated", fromLastRotated: "2024-01-01T00:00:00Z", toLastRotated: "2024-06-01T00:00:00Z", ageDays: 29 }],
};

describe("Drift", () => {
  it("compares the two latest snapshots by default and shows each section's changes", async () => {
    ipcMock.snapshots.mockResolvedValue(overview.snapshots);
    ipcMock.drift.mockResolvedValue(driftView);
    render(<Drift />);
    await waitFor(() => expect((screen.getByTestId("drift-from") as HTMLSelectElement).value).toBe("1"));
    expect((screen.getByTestId("drift-to") as HTMLSelectElement).value).toBe("2");
    fireEvent.click(screen.getByTestId("drift-compare"));
    await waitFor(() => expect(ipcMock.drift).toHaveBeenCalledWith(1, 2));
    expect((await screen.findByTestId("drift-identities")).dataset.value).toBe("1");
    expect(screen.getByTestId("drift-identities").textContent).toContain("user/carol");
    expect(screen.getByTestId("drift-attachments").textContent).toContain("AdministratorAccess");
    expect(screen.getByTestId("drift-policies").textContent).toContain('"Effect": "Allow"');
    expect(screen.getByTestId("drift-permissions").textContent).toContain("iam:CreateUser");
    expect(screen.getByTestId("drift-new-findings").textContent).toContain("carol is admin");
    expect(screen.getByTestId("drift-resolved-findings").textContent).toContain("None.");
    expect(screen.getByTestId("drift-credentials").textContent).toContain("rotated");
  });

  it("needs two snapshots", async () => {
    ipcMock.snapshots.mockResolvedValue([overview.snapshots[0]]);
    render(<Drift />);
    await screen.findByText("Only one account snapshot");
  });
});
