// Component tests of the non-trivial views with the engine's answers stubbed at the ipc boundary:
// the dashboard shows the engine's numbers, the activity table pages and pivots, the import panel
// reports progress and names bad files, the principals table searches and opens a principal.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { EventPage, EventRow, ImportOutcome, Overview, PrincipalSummary } from "../ipc";

vi.mock("../components/TimeChart", () => ({ TimeChart: () => <div data-testid="chart" /> }));
vi.mock("../components/UsageGraph", () => ({ UsageGraph: () => <div data-testid="graph" /> }));
const events = vi.fn<(f: unknown, offset: number, limit: number) => Promise<EventPage>>();
vi.mock("../ipc", () => ({ events: (f: unknown, o: number, l: number) => events(f, o, l) }));

import { Dashboard } from "./Dashboard";
import { Activity, PAGE } from "./Activity";
import { Principals } from "./Principals";
import { ImportProgress, ImportResult } from "../components/ImportPanel";

// jsdom lays nothing out: give elements a size so the virtualised tables render rows.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1000 });

afterEach(() => {
  cleanup();
  events.mockReset();
});

const overview: Overview = {
  events: 310,
  principals: 7,
  deniedEvents: 41,
  files: 1,
  activity: { mapped: 250, noPermissionNeeded: 10, console: 2, unmapped: 8, notACall: 40 },
  mappedPercent: 92.59259259,
  actionsUsed: 57,
  principalsWithUsage: 5,
  firstEvent: "2024-01-01T00:00:00Z",
  lastEvent: "2024-01-20T00:00:00Z",
  bucket: "day",
  overTime: [{ period: "2024-01-01", events: 310, denied: 41 }],
  byType: [
    { kind: "IamUser", principals: 3, events: 200 },
    { kind: "Root", principals: 1, events: 4 },
  ],
  topCalls: [{ eventSource: "iam.amazonaws.com", eventName: "CreateUser", status: "actions", events: 12, principals: 1 }],
  root: { events: 4, denied: 1, consoleLogins: 2, firstSeen: "2024-01-02T00:00:00Z", lastSeen: "2024-01-03T00:00:00Z", accounts: ["arn:aws:iam::1:root"] },
};

describe("Dashboard", () => {
  it("shows the engine's numbers while the account review loads", () => {
    render(<Dashboard data={overview} navigate={() => {}} />);
    expect(screen.getByTestId("stat-events").dataset.value).toBe("310");
    expect(screen.getByTestId("stat-events").textContent).toContain("310");
    expect(screen.getByTestId("stat-denied").dataset.value).toBe("41");
    expect(screen.getByTestId("stat-mapped").textContent).toContain("92.6%");
    expect(screen.getByTestId("root-events").dataset.value).toBe("4");
    expect(within(screen.getByTestId("by-type")).getByText("IAM user")).toBeTruthy();
    expect(screen.queryAllByTestId("coming-later").length).toBe(0);
    expect(screen.getByText("Loading identities and findings…")).toBeTruthy();
  });

  it("pivots from a call and a principal type to the activity screen", () => {
    const navigate = vi.fn();
    render(<Dashboard data={overview} navigate={navigate} />);
    fireEvent.click(screen.getByText("CreateUser"));
    expect(navigate).toHaveBeenCalledWith({ screen: "activity", filter: { eventSource: "iam.amazonaws.com", eventName: "CreateUser" } });
    fireEvent.click(screen.getByText("Root"));
    expect(navigate).toHaveBeenCalledWith({ screen: "activity", filter: { principalType: "Root" } });
  });

  it("says how to import when the database is empty", () => {
    render(<Dashboard data={{ ...overview, events: 0 }} navigate={() => {}} />);
    expect(screen.getByText("No CloudTrail events yet")).toBeTruthy();
  });
});

function row(i: number): EventRow {
  return {
    key: `k${i}`,
    time: `2024-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`,
    principal: `arn:aws:iam::1:user/u${i}`,
    principalType: "IamUser",
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    region: "us-east-1",
    sourceIp: `203.0.113.${i % 250}`,
    userAgent: null,
    outcome: i % 2 ? "denied" : "success",
    errorCode: i % 2 ? "AccessDenied" : null,
    errorMessage: null,
  };
}

describe("Activity", () => {
  it("fetches the first page, shows the total, and pivots on an IP and a principal", async () => {
    events.mockImplementation(async (_f, offset, limit) => ({
      total: 450,
      offset,
      rows: Array.from({ length: Math.min(limit, 450 - offset) }, (_, k) => row(offset + k)),
    }));
    const setFilter = vi.fn();
    const navigate = vi.fn();
    render(<Activity filter={{}} setFilter={setFilter} facets={undefined} navigate={navigate} />);
    await waitFor(() => expect(screen.getByTestId("activity-total").dataset.value).toBe("450"));
    expect(events).toHaveBeenCalledWith({}, 0, PAGE);
    await screen.findByText("u0");
    fireEvent.click(screen.getByText("203.0.113.1"));
    expect(setFilter).toHaveBeenCalledWith({ sourceIp: "203.0.113.1" });
    fireEvent.click(screen.getByText("u2"));
    expect(navigate).toHaveBeenCalledWith({ screen: "principal", key: "arn:aws:iam::1:user/u2" });
  });

  it("shows an empty state when nothing matches and the error when the engine fails", async () => {
    events.mockResolvedValueOnce({ total: 0, offset: 0, rows: [] });
    render(<Activity filter={{ region: "eu-west-3" }} setFilter={() => {}} facets={undefined} navigate={() => {}} />);
    await screen.findByText("No events match these filters");
    cleanup();
    events.mockRejectedValueOnce("database `x.db`: disk I/O error");
    render(<Activity filter={{}} setFilter={() => {}} facets={undefined} navigate={() => {}} />);
    await screen.findByText("database `x.db`: disk I/O error");
  });

  it("applies the search box as a filter", async () => {
    events.mockResolvedValue({ total: 0, offset: 0, rows: [] });
    const setFilter = vi.fn();
    render(<Activity filter={{}} setFilter={setFilter} facets={undefined} navigate={() => {}} />);
    fireEvent.change(screen.getByTestId("activity-search"), { target: { value: " CreateUser " } });
    fireEvent.click(screen.getByText("Apply"));
    expect(setFilter).toHaveBeenCalledWith({ search: "CreateUser" });
  });
});

describe("Principals", () => {
  const rows: PrincipalSummary[] = [
    { key: "arn:aws:iam::1:user/alice", kind: "IamUser", events: 5, denied: 0, firstSeen: null, lastSeen: null, actionsUsed: 3 },
    { key: "arn:aws:iam::1:role/Admin", kind: "RoleSession", events: 50, denied: 2, firstSeen: null, lastSeen: null, actionsUsed: 9 },
  ];

  it("sorts by events, searches, and opens a principal", () => {
    const navigate = vi.fn();
    render(<Principals rows={rows} navigate={navigate} />);
    const shown = screen.getAllByTestId("principal-row").map((r) => r.textContent);
    expect(shown[0]).toContain("role/Admin");
    fireEvent.change(screen.getByTestId("principals-search"), { target: { value: "alice" } });
    expect(screen.getByTestId("principals-total").dataset.value).toBe("1");
    fireEvent.click(screen.getByTestId("principal-row"));
    expect(navigate).toHaveBeenCalledWith({ screen: "principal", key: "arn:aws:iam::1:user/alice" });
  });
});

describe("Import panel", () => {
  it("shows files, events per second and time left, and cancels", () => {
    const onCancel = vi.fn();
    render(
      <ImportProgress
        status={{ filesDone: 3, filesTotal: 12, records: 4500, newEvents: 4000, elapsedSeconds: 1.5, eventsPerSecond: 3000, etaSeconds: 4.5, finished: false }}
        onCancel={onCancel}
        cancelling={false}
      />,
    );
    const text = screen.getByTestId("import-progress").textContent ?? "";
    expect(text).toContain("3 of 12 files");
    expect(text).toContain("3,000 events/s");
    expect(text).toContain("about 4.5 s left");
    fireEvent.click(screen.getByText("Cancel import"));
    expect(onCancel).toHaveBeenCalled();
  });

  it("names each bad file and why, and says the rest was imported", () => {
    const outcome: ImportOutcome = {
      error: null,
      database: null,
      report: {
        cancelled: false,
        filesRead: 3,
        filesUnchanged: 0,
        records: 20,
        newEvents: 18,
        duplicateEvents: 0,
        mappedPercent: 90,
        problems: [{ file: "/logs/bad.json.gz", message: "`/logs/bad.json.gz`: record 2: invalid json" }],
        skipped: [],
        seconds: 0.2,
      },
    };
    render(<ImportResult outcome={outcome} onDismiss={() => {}} />);
    expect(screen.getByTestId("import-new-events").dataset.value).toBe("18");
    expect(screen.getByText("1 problem (everything else was imported)")).toBeTruthy();
    expect(screen.getByTestId("import-problems").textContent).toContain("/logs/bad.json.gz");
  });
});
