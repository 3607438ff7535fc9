// Component tests of the identities and findings screens and the dashboard's account panels, on rows shaped as
// the engine's account review returns them: search, type filter, sort, opening an identity, 10,000 rows kept
// virtual; findings filtered by severity, kind and principal, with explanation, evidence and links.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { AccountSummary, FindingPage, FindingQuery, FindingRow, IdentityPage, IdentityQuery, IdentityRow, Overview } from "../ipc";

vi.mock("../components/TimeChart", () => ({ TimeChart: () => <div data-testid="chart" /> }));

import { Identities } from "./Identities";
import { Findings } from "./Findings";
import { Dashboard } from "./Dashboard";

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1000 });

afterEach(cleanup);

const ACCOUNT = "arn:aws:iam::210987654321";

function identity(name: string, kind: string, granted: number | null, used: number, risk: number | null, findings = 0): IdentityRow {
  return {
    arn: kind === "root" ? `${ACCOUNT}:root` : `${ACCOUNT}:${kind === "user" ? "user" : "role"}/${name}`,
    name,
    kind,
    lastActivity: used > 0 ? "2026-10-30T10:00:00Z" : null,
    grantedActions: granted,
    usedActions: used,
    unusedPercent: granted ? ((granted - used) * 100) / granted : null,
    riskScore: risk,
    findings,
    worstSeverity: findings ? "high" : null,
  };
}

const identities: IdentityRow[] = [
  identity("<root_account>", "root", null, 5, null, 2),
  identity("alice.nguyen", "user", 18000, 14, 99.5, 4),
  identity("bob.martin", "user", 900, 9, 61.2, 3),
  identity("orders-api-lambda", "role", 120, 5, 20.1, 1),
  identity("AWSServiceRoleForECS", "service_linked_role", 80, 4, 5),
];

function names(): string[] {
  return screen.queryAllByTestId("identity-row").map((r) => within(r).getAllByRole("gridcell")[0]!.textContent ?? "");
}

// A stand-in for the engine's identity_page: filters, sorts and windows `rows` (the engine's own order is tested
// in pare-engine's explore_pages); the tests check what the screen asks for and that it draws what comes back.
function identityLoader(rows: IdentityRow[]) {
  return vi.fn(async (q: IdentityQuery): Promise<IdentityPage> => {
    const search = q.search?.toLowerCase();
    const kept = rows.filter(
      (r) => (!q.kind || r.kind === q.kind) && (!search || r.name.toLowerCase().includes(search) || r.arn.toLowerCase().includes(search)),
    );
    const column = q.sort ?? "riskScore";
    const desc = q.desc ?? q.sort === undefined;
    const value = (r: IdentityRow): number | string =>
      column === "grantedActions"
        ? (r.grantedActions ?? Number.MAX_SAFE_INTEGER)
        : column === "name"
          ? r.name.toLowerCase()
          : (r.riskScore ?? -1);
    const sorted = [...kept].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -order : order;
    });
    return {
      total: sorted.length,
      all: rows.length,
      offset: q.offset,
      rows: sorted.slice(q.offset, q.offset + q.limit),
      kinds: [...new Set(rows.map((r) => r.kind))].sort(),
    };
  });
}

describe("Identities", () => {
  it("lists every identity, riskiest first, with the engine's numbers", async () => {
    const load = identityLoader(identities);
    render(<Identities load={load} openIdentity={() => {}} openFindings={() => {}} />);
    await screen.findAllByTestId("identity-row");
    expect(load).toHaveBeenCalledWith({ search: undefined, kind: undefined, sort: "riskScore", desc: true, offset: 0, limit: 200 });
    expect(screen.getByTestId("identities-total").dataset.value).toBe("5");
    expect(names()).toEqual(["alice.nguyen", "bob.martin", "orders-api-lambda", "AWSServiceRoleForECS", "<root_account>"]);
    const bob = screen.getAllByTestId("identity-row")[1]!;
    expect(bob.dataset.granted).toBe("900");
    expect(bob.textContent).toContain("99.0%");
    expect(bob.textContent).toContain("61.2");
    expect(screen.getAllByTestId("identity-row")[4]!.textContent).toContain("all (root)");
  });

  it("asks the engine to search, filter by type and sort by a column", async () => {
    const load = identityLoader(identities);
    render(<Identities load={load} openIdentity={() => {}} openFindings={() => {}} />);
    await screen.findAllByTestId("identity-row");
    fireEvent.change(screen.getByTestId("identities-search"), { target: { value: "BOB" } });
    await waitFor(() => expect(names()).toEqual(["bob.martin"]));
    expect(load).toHaveBeenLastCalledWith(expect.objectContaining({ search: "BOB" }));
    fireEvent.change(screen.getByTestId("identities-search"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("identities-kind"), { target: { value: "user" } });
    await waitFor(() => expect(screen.getByTestId("identities-total").textContent).toBe("2 of 5 identities"));
    expect(load).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "user", search: undefined }));
    fireEvent.change(screen.getByTestId("identities-kind"), { target: { value: "" } });
    await waitFor(() => expect(screen.getByTestId("identities-total").dataset.value).toBe("5"));
    fireEvent.click(screen.getByTestId("sort-grantedActions"));
    await waitFor(() => expect(names().slice(0, 2)).toEqual(["<root_account>", "alice.nguyen"]));
    expect(load).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "grantedActions", desc: true }));
    const first = names();
    fireEvent.click(screen.getByTestId("sort-grantedActions"));
    await waitFor(() => expect(names()).toEqual([...first].reverse()));
    expect(load).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "grantedActions", desc: false }));
    fireEvent.click(screen.getByTestId("sort-name"));
    await waitFor(() => expect(load).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "name", desc: false })));
  });

  it("starts filtered to a type from the dashboard, opens an identity and its findings", async () => {
    const openIdentity = vi.fn();
    const openFindings = vi.fn();
    render(<Identities load={identityLoader(identities)} kind="role" openIdentity={openIdentity} openFindings={openFindings} />);
    await screen.findAllByTestId("identity-row");
    expect(names()).toEqual(["orders-api-lambda"]);
    fireEvent.click(screen.getByText("orders-api-lambda"));
    expect(openIdentity).toHaveBeenCalledWith(`${ACCOUNT}:role/orders-api-lambda`);
    fireEvent.click(within(screen.getByTestId("identity-row")).getByRole("button"));
    expect(openFindings).toHaveBeenCalledWith(`${ACCOUNT}:role/orders-api-lambda`);
    expect(openIdentity).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(screen.getByRole("grid"), { key: "Enter" });
    expect(openIdentity).toHaveBeenCalledTimes(2);
  });

  it("keeps 10,000 identities virtual, asks only for the rows in view, and filters them", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => identity(`role-${i}`, i % 10 ? "role" : "user", 100 + i, i % 50, i % 100));
    const load = identityLoader(many);
    render(<Identities load={load} openIdentity={() => {}} openFindings={() => {}} />);
    await screen.findAllByTestId("identity-row");
    expect(screen.getByTestId("identities-total").dataset.value).toBe("10000");
    expect(screen.getAllByTestId("identity-row").length).toBeLessThan(80);
    for (const [q] of load.mock.calls) expect(q.limit).toBeLessThanOrEqual(200);
    expect(load.mock.calls.every(([q]) => q.offset === 0)).toBe(true);
    // The end of the list: the engine is asked for the window at row 9,999, not for everything before it.
    const grid = screen.getByRole("grid");
    grid.scrollTop = 9_990 * 32;
    fireEvent.scroll(grid);
    await waitFor(() => expect(load.mock.calls.some(([q]) => q.offset === 9_800)).toBe(true));
    expect(load.mock.calls.length).toBeLessThan(5);
    fireEvent.change(screen.getByTestId("identities-kind"), { target: { value: "user" } });
    await waitFor(() => expect(screen.getByTestId("identities-total").dataset.value).toBe("1000"));
    // A new filter starts at the top (jsdom fires no scroll event of its own).
    expect(grid.scrollTop).toBe(0);
    fireEvent.scroll(grid);
    expect(screen.getAllByTestId("identity-row").length).toBeLessThan(80);
    expect(names()[0]).toBe("role-90"); // users are every tenth; risk 90 is the highest a user has
  }, 30_000);

  it("explains an account without a snapshot, and shows a failed load", async () => {
    render(<Identities load={identityLoader([])} openIdentity={() => {}} openFindings={() => {}} />);
    expect(await screen.findByText("No account snapshot yet")).toBeTruthy();
    cleanup();
    render(<Identities load={() => Promise.reject("the stored review cannot be read")} openIdentity={() => {}} openFindings={() => {}} />);
    expect((await screen.findByRole("alert")).textContent).toContain("cannot be read");
  });
});

function finding(id: string, severity: string, kind: string, who: string, title: string): FindingRow {
  const principal = who === "root" ? `${ACCOUNT}:root` : `${ACCOUNT}:user/${who}`;
  return {
    id,
    kind,
    severity,
    principal,
    principalName: who,
    title,
    explanation: `why ${id}`,
    recommendation: `fix ${id}`,
    evidence: `{\n  "id": "${id}"\n}`,
    activity: who === "root" ? { principalType: "Root", eventName: "ConsoleLogin" } : { principal },
  };
}

const findings: FindingRow[] = [
  finding("f1", "critical", "privilege-escalation-path", "heidi.schmidt", "`heidi.schmidt` can escalate to admin in 1 step"),
  finding("f2", "high", "root-console-login-without-mfa", "root", "root signed in to the console without MFA 1 times"),
  finding("f3", "high", "console-without-mfa", "bob.martin", "console user `bob.martin` has no MFA"),
  finding("f4", "medium", "access-key-unused", "legacy-backup", "access key 1 of `legacy-backup` unused for 235 days"),
];

// A stand-in for the engine's finding_page over `rows` (already worst first).
function findingLoader(rows: FindingRow[]) {
  return vi.fn(async (q: FindingQuery): Promise<FindingPage> => {
    const kept = rows.filter(
      (r) => (!q.severity || r.severity === q.severity) && (!q.kind || r.kind === q.kind) && (!q.principal || r.principal === q.principal),
    );
    const names = new Map(rows.map((r) => [r.principal, r.principalName]));
    return {
      total: kept.length,
      all: rows.length,
      offset: q.offset,
      rows: kept.slice(q.offset, q.offset + q.limit),
      kinds: [...new Set(rows.map((r) => r.kind))].sort(),
      principals: [...names.entries()].map(([arn, name]) => ({ arn, name })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
}

describe("Findings", () => {
  it("shows the worst finding with its explanation, evidence and recommendation", async () => {
    render(<Findings load={findingLoader(findings)} openIdentity={() => {}} openActivity={() => {}} />);
    const detail = await screen.findByTestId("finding-detail");
    expect(screen.getByTestId("findings-total").dataset.value).toBe("4");
    expect(detail.dataset.id).toBe("f1");
    expect(screen.getByTestId("finding-explanation").textContent).toBe("why f1");
    expect(screen.getByTestId("finding-recommendation").textContent).toBe("fix f1");
    expect(screen.getByTestId("finding-evidence").textContent).toContain('"id": "f1"');
  });

  it("asks the engine to filter by severity, kind and principal", async () => {
    const load = findingLoader(findings);
    render(<Findings load={load} openIdentity={() => {}} openActivity={() => {}} />);
    await screen.findByTestId("finding-detail");
    fireEvent.change(screen.getByTestId("findings-severity"), { target: { value: "high" } });
    await waitFor(() => expect(screen.getByTestId("findings-total").dataset.value).toBe("2"));
    fireEvent.change(screen.getByTestId("findings-kind"), { target: { value: "console-without-mfa" } });
    await waitFor(() => expect(screen.getByTestId("findings-total").dataset.value).toBe("1"));
    expect(load).toHaveBeenLastCalledWith({ severity: "high", kind: "console-without-mfa", principal: undefined, offset: 0, limit: 200 });
    await waitFor(() => expect(screen.getByTestId("finding-detail").dataset.id).toBe("f3"));
    fireEvent.change(screen.getByTestId("findings-severity"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("findings-kind"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("findings-principal"), { target: { value: `${ACCOUNT}:user/legacy-backup` } });
    await waitFor(() => expect(screen.getByTestId("findings-total").dataset.value).toBe("1"));
    await waitFor(() => expect(screen.getByTestId("finding-detail").dataset.id).toBe("f4"));
  });

  it("starts filtered to a principal and links to the principal and its events", async () => {
    const openIdentity = vi.fn();
    const openActivity = vi.fn();
    render(<Findings load={findingLoader(findings)} initial={{ principal: `${ACCOUNT}:root` }} openIdentity={openIdentity} openActivity={openActivity} />);
    await screen.findByTestId("finding-detail");
    expect(screen.getByTestId("findings-total").dataset.value).toBe("1");
    fireEvent.click(screen.getByTestId("finding-activity"));
    expect(openActivity).toHaveBeenCalledWith({ principalType: "Root", eventName: "ConsoleLogin" });
    fireEvent.click(screen.getByTestId("finding-principal"));
    expect(openIdentity).toHaveBeenCalledWith(`${ACCOUNT}:root`);
  });

  it("selects a finding by click and by keyboard", async () => {
    render(<Findings load={findingLoader(findings)} openIdentity={() => {}} openActivity={() => {}} />);
    await screen.findByTestId("finding-detail");
    fireEvent.click(screen.getAllByTestId("finding-row")[2]!);
    expect(screen.getByTestId("finding-detail").dataset.id).toBe("f3");
    fireEvent.keyDown(screen.getByRole("listbox"), { key: "ArrowDown" });
    expect(screen.getByTestId("finding-detail").dataset.id).toBe("f4");
  });

  it("explains an account without findings", async () => {
    render(<Findings load={findingLoader([])} openIdentity={() => {}} openActivity={() => {}} />);
    expect(await screen.findByText("No findings")).toBeTruthy();
  });
});

const overview: Overview = {
  events: 8867,
  principals: 30,
  deniedEvents: 9,
  files: 174,
  activity: { mapped: 8000, noPermissionNeeded: 0, console: 327, unmapped: 0, notACall: 0 },
  mappedPercent: 96.3,
  actionsUsed: 80,
  principalsWithUsage: 25,
  firstEvent: "2026-08-02T00:09:09Z",
  lastEvent: "2026-10-30T23:29:17Z",
  bucket: "day",
  overTime: [],
  byType: [],
  topCalls: [],
  root: { events: 9, denied: 0, consoleLogins: 3, firstSeen: null, lastSeen: null, accounts: [] },
};

const summary: AccountSummary = {
  hasSnapshot: true,
  identities: 23,
  identitiesByKind: [
    { label: "root", count: 1 },
    { label: "user", count: 12 },
    { label: "role", count: 7 },
    { label: "identity_center_role", count: 2 },
    { label: "service_linked_role", count: 1 },
  ],
  findings: 120,
  findingsBySeverity: [
    { label: "critical", count: 6 },
    { label: "high", count: 28 },
    { label: "medium", count: 53 },
    { label: "low", count: 33 },
    { label: "info", count: 0 },
  ],
  escalationPaths: 19,
  grantedActions: 40000,
  usedGrantedActions: 400,
  riskDistribution: Array.from({ length: 10 }, (_, i) => ({ label: i === 9 ? "90–100" : `${i * 10}–${i * 10 + 9}`, count: i })),
  windowStart: "2026-08-02T00:09:09Z",
  windowEnd: "2026-10-30T23:29:17Z",
};

describe("Dashboard account panels", () => {
  it("charts identities, findings, granted vs used and risk from the engine's summary", () => {
    const navigate = vi.fn();
    render(<Dashboard data={overview} account={summary} navigate={navigate} />);
    expect(screen.getByTestId("stat-identities").dataset.value).toBe("23");
    expect(screen.getByTestId("stat-findings").dataset.value).toBe("120");
    expect(screen.getByTestId("stat-granted").dataset.value).toBe("40000");
    expect(screen.getByTestId("stat-used-granted").dataset.value).toBe("400");
    const sev = within(screen.getByTestId("findings-by-severity"));
    expect(sev.getByText("53").dataset.value).toBe("53");
    fireEvent.click(sev.getByText("critical"));
    expect(navigate).toHaveBeenCalledWith({ screen: "findings", severity: "critical" });
    fireEvent.click(within(screen.getByTestId("identities-by-kind")).getByText("Identity Center role"));
    expect(navigate).toHaveBeenCalledWith({ screen: "identities", kind: "identity_center_role" });
    expect(within(screen.getByTestId("risk-distribution")).getAllByRole("listitem").length).toBe(10);
  });

  it("says what to import when there is no account snapshot, and shows a failed review", () => {
    render(<Dashboard data={overview} account={{ ...summary, hasSnapshot: false }} navigate={() => {}} />);
    expect(screen.getByTestId("no-snapshot")).toBeTruthy();
    cleanup();
    render(<Dashboard data={overview} accountError="the stored account snapshot cannot be read" navigate={() => {}} />);
    expect(screen.getByRole("alert").textContent).toContain("cannot be read");
  });
});
