// Component tests of the "Connect to AWS" screen with the shell stubbed at the ipc boundary: the
// profile picker, the region following the profile, the staged progress with cancel, and the
// finished scan's account, problems and identities.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ConnectChoices, ScanOutcome, ScanStatus } from "../ipc";

const awsConnectChoices = vi.fn<() => Promise<ConnectChoices>>();
const startAwsScan = vi.fn<(p: string | null, r: string | null, s: string | null) => Promise<void>>();
const cancelAwsScan = vi.fn<() => Promise<boolean>>();
let progress: ((s: ScanStatus) => void) | null = null;
let finished: ((o: ScanOutcome) => void) | null = null;
vi.mock("../ipc", () => ({
  awsConnectChoices: () => awsConnectChoices(),
  startAwsScan: (p: string | null, r: string | null, s: string | null) => startAwsScan(p, r, s),
  cancelAwsScan: () => cancelAwsScan(),
  onScan: (p: (s: ScanStatus) => void, f: (o: ScanOutcome) => void) => {
    progress = p;
    finished = f;
    return Promise.resolve(() => {
      progress = null;
      finished = null;
    });
  },
}));

import { Connect, advance } from "./Connect";

const STAGES = [
  "identity",
  "iam authorization details",
  "credential report",
  "account settings",
  "access advisor",
  "cloudtrail",
  "access analyzer",
  "organizations",
  "cloudtrail import",
];

const choices: ConnectChoices = {
  profiles: [
    { name: "default", region: "eu-west-1", kind: "keys", source: "both" },
    { name: "dev-sso", region: "us-east-2", kind: "sso", source: "config" },
    { name: "vault", region: null, kind: "credential-process", source: "config" },
  ],
  regions: ["us-east-1", "us-east-2", "eu-west-1"],
  stages: STAGES,
  defaultSince: "2026-08-26",
};

afterEach(() => {
  cleanup();
  awsConnectChoices.mockReset();
  startAwsScan.mockReset();
  cancelAwsScan.mockReset();
});

function stageState(name: string): string | undefined {
  return document.querySelector<HTMLElement>(`[data-stage="${name}"]`)?.dataset.state;
}

describe("Connect to AWS", () => {
  it("offers the profiles with their kinds, follows the profile's region and scans with the choices", async () => {
    awsConnectChoices.mockResolvedValue(choices);
    startAwsScan.mockResolvedValue();
    render(<Connect navigate={() => {}} onDatabase={() => {}} />);
    const profile = await screen.findByTestId<HTMLSelectElement>("connect-profile");
    expect([...profile.options].map((o) => o.textContent)).toEqual([
      "default (keys, eu-west-1)",
      "dev-sso (sso, us-east-2)",
      "vault (credential-process)",
      "Default credential chain (environment, SSO cache, instance role)",
    ]);
    expect(profile.value).toBe("default");
    expect(screen.getByTestId<HTMLSelectElement>("connect-region").value).toBe("eu-west-1");
    expect(screen.getByTestId<HTMLInputElement>("connect-since").value).toBe("2026-08-26");

    fireEvent.change(profile, { target: { value: "dev-sso" } });
    expect(screen.getByTestId<HTMLSelectElement>("connect-region").value).toBe("us-east-2");
    fireEvent.change(screen.getByTestId("connect-since"), { target: { value: "2026-10-01" } });
    fireEvent.click(screen.getByTestId("connect-scan"));
    expect(startAwsScan).toHaveBeenCalledWith("dev-sso", "us-east-2", "2026-10-01");
    expect(screen.getByTestId<HTMLButtonElement>("connect-scan").disabled).toBe(true);
  });

  it("shows each stage's progress, cancels, and reports a cancelled scan", async () => {
    awsConnectChoices.mockResolvedValue(choices);
    startAwsScan.mockResolvedValue();
    cancelAwsScan.mockResolvedValue(true);
    render(<Connect navigate={() => {}} onDatabase={() => {}} />);
    fireEvent.click(await screen.findByTestId("connect-scan"));
    await waitFor(() => expect(progress).not.toBeNull());
    expect(stageState("identity")).toBe("pending");
    act(() => progress!({ stage: "identity", message: "account 123456789012 as arn:aws:iam::123456789012:user/me", done: true }));
    act(() => progress!({ stage: "iam authorization details", message: "reading", done: false }));
    expect(stageState("identity")).toBe("done");
    expect(stageState("iam authorization details")).toBe("running");
    expect(screen.getByTestId("scan-progress").textContent).toContain("account 123456789012");
    // A later stage starting closes the ones before it.
    act(() => progress!({ stage: "credential report", message: "generating", done: false }));
    expect(stageState("iam authorization details")).toBe("done");

    fireEvent.click(screen.getByTestId("scan-cancel"));
    expect(cancelAwsScan).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("scan-cancel").textContent).toBe("Cancelling…");
    act(() => finished!({ report: null, error: null, cancelled: true, database: null }));
    expect(screen.getByTestId("scan-result").textContent).toContain("Scan cancelled");
    expect(screen.queryByTestId("scan-cancel")).toBeNull();
    expect(stageState("organizations")).toBe("skipped");
  });

  it("shows the scanned account, what could not be read and the identities, then opens the dashboard", async () => {
    awsConnectChoices.mockResolvedValue(choices);
    startAwsScan.mockResolvedValue();
    const navigate = vi.fn();
    const onDatabase = vi.fn();
    render(<Connect navigate={navigate} onDatabase={onDatabase} />);
    fireEvent.click(await screen.findByTestId("connect-scan"));
    await waitFor(() => expect(finished).not.toBeNull());
    const database = { path: "/data/pare.db", demo: false };
    act(() =>
      finished!({
        report: {
          account: "123456789012",
          callerArn: "arn:aws:iam::123456789012:user/me",
          region: "us-east-1",
          users: 2,
          groups: 1,
          roles: 1,
          policies: 3,
          credentialReportRows: 2,
          lastAccessedRows: 0,
          trails: 1,
          newEvents: 310,
          analyzerFindings: 0,
          organizationPolicies: null,
          snapshotCreated: true,
          problems: [{ api: "access-analyzer:ListAnalyzers", code: "InternalFailure", message: "not implemented" }],
          identities: [
            { arn: "arn:aws:iam::123456789012:user/alice", kind: "user", name: "alice" },
            { arn: "arn:aws:iam::123456789012:user/bob", kind: "user", name: "bob" },
            { arn: "arn:aws:iam::123456789012:role/app", kind: "role", name: "app" },
          ],
        },
        error: null,
        cancelled: false,
        database,
      }),
    );
    expect(onDatabase).toHaveBeenCalledWith(database);
    expect(screen.getByTestId("scan-account").dataset.value).toBe("123456789012");
    expect(screen.getByTestId("scan-account").textContent).toContain("310 new CloudTrail events");
    expect(screen.getByTestId("scan-account").textContent).toContain("Organizations not read");
    expect(screen.getByTestId("scan-problems").textContent).toContain("access-analyzer:ListAnalyzers InternalFailure");
    expect(screen.getByTestId("scanned-identities-count").dataset.value).toBe("3");
    expect(screen.getAllByTestId("scanned-identity").map((r) => r.dataset.value)).toEqual([
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:iam::123456789012:user/bob",
      "arn:aws:iam::123456789012:role/app",
    ]);
    fireEvent.click(screen.getByTestId("scan-open-dashboard"));
    expect(navigate).toHaveBeenCalledWith({ screen: "dashboard" });
  });

  it("uses the default chain when there are no profiles and shows why a scan could not start", async () => {
    awsConnectChoices.mockResolvedValue({ ...choices, profiles: [] });
    startAwsScan.mockRejectedValue("a scan is already running");
    render(<Connect navigate={() => {}} onDatabase={() => {}} />);
    expect(await screen.findByTestId("no-profiles")).toBeTruthy();
    fireEvent.change(screen.getByTestId("connect-region"), { target: { value: "us-east-1" } });
    fireEvent.click(screen.getByTestId("connect-scan"));
    expect(startAwsScan).toHaveBeenCalledWith(null, "us-east-1", "2026-08-26");
    expect(await screen.findByText("a scan is already running")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("connect-scan").disabled).toBe(false);
  });

  it("says when the profiles cannot be read", async () => {
    awsConnectChoices.mockRejectedValue("no shell");
    render(<Connect navigate={() => {}} onDatabase={() => {}} />);
    expect(await screen.findByText("Your AWS profiles could not be read")).toBeTruthy();
  });
});

describe("advance", () => {
  it("marks a stage running, then done, and closes earlier running stages", () => {
    let l = advance({}, STAGES, { stage: "cloudtrail", message: "listing s3://b", done: false });
    expect(l["cloudtrail"]).toEqual({ state: "running", message: "listing s3://b" });
    l = advance(l, STAGES, { stage: "access analyzer", message: "reading", done: false });
    expect(l["cloudtrail"]?.state).toBe("done");
    l = advance(l, STAGES, { stage: "access analyzer", message: "2 analyzers, 3 findings", done: true });
    expect(l["access analyzer"]).toEqual({ state: "done", message: "2 analyzers, 3 findings" });
  });
});
