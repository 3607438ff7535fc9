// The UI's only door to the desktop shell: every @tauri-apps import lives in
// src/ipc/ (checked by scripts/check-imports.mjs). Each function is one Tauri
// command; the types come from bindings.ts, generated from the Rust types.
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ConnectChoices,
  ScanOutcome,
  ScanStatus,
  AccountSummary,
  FindingPage,
  FindingQuery,
  IdentityPage,
  IdentityQuery,
  DatabaseInfo,
  ExportWritten,
  IdentityDetail,
  IdentityRightsize,
  EventFacets,
  ActivityFilter,
  EventPage,
  ImportOutcome,
  ImportStatus,
  Overview,
  PrincipalDetail,
  PrincipalSummary,
  RootActivity,
  AlertDetail,
  AlertEvaluation,
  AlertFilter,
  AlertList,
  AlertPolicyInfo,
  AlertRow,
  DecisionView,
  DriftView,
  ReviewDetail,
  ReviewSummary,
  ReviewsOverview,
  SavedReport,
  SnapshotRow,
} from "./bindings";

export type * from "./bindings";

/** True when the page runs inside the Pare desktop window. */
export function inDesktopShell(): boolean {
  return isTauri();
}

/** The desktop app's version. */
export const appVersion = (): Promise<string> => invoke<string>("app_version");

/** Opens the user's own database when it has events, else the bundled demo. */
export const openStartDatabase = (): Promise<DatabaseInfo> => invoke("open_start_database");

/** Opens the bundled demo account. */
export const openDemo = (): Promise<DatabaseInfo> => invoke("open_demo");

/** Opens the user's own database. */
export const openWorkspace = (): Promise<DatabaseInfo> => invoke("open_workspace");

/** The dashboard's numbers. */
export const overview = (): Promise<Overview> => invoke("overview");

/** A page of events, newest first. */
export const events = (filter: ActivityFilter, offset: number, limit: number): Promise<EventPage> =>
  invoke("events", { filter, offset, limit });

/** Values for the activity filters. */
export const facets = (): Promise<EventFacets> => invoke("facets");

/** Every principal with its numbers. */
export const principals = (): Promise<PrincipalSummary[]> => invoke("principals");

/** One principal's usage per service (null when unknown). */
export const principal = (key: string): Promise<PrincipalDetail | null> =>
  invoke("principal", { key });

/** A window of the identities table, searched, filtered and sorted by the engine. */
export const identityPage = (query: IdentityQuery): Promise<IdentityPage> => invoke("identity_page", { query });

/** A window of the findings list, filtered by the engine (worst first). */
export const findingPage = (query: FindingQuery): Promise<FindingPage> => invoke("finding_page", { query });

/** The dashboard's account counts (the stored review's summary, without its lists). */
export const accountSummary = (): Promise<AccountSummary> => invoke("account_summary");

let launchReported = false;

/** Tells the shell, once per page load and two frames after the call (so the dashboard is painted), that the
 * dashboard shows its data: the launch benchmark's hook (the shell ignores it unless PARE_LAUNCH_BENCH is set). */
export function reportDashboardShown(what: string): void {
  if (launchReported) return;
  launchReported = true;
  requestAnimationFrame(() => requestAnimationFrame(() => void invoke("launch_ready", { what }).catch(() => undefined)));
}
/** One identity: graph, granted vs used, findings (identity detail screen). */
export const identity = (key: string): Promise<IdentityDetail> => invoke("identity", { key });

/** The identity's right-size suggestion, diff, proofs and exports. */
export const identityRightsize = (key: string): Promise<IdentityRightsize> =>
  invoke("identity_rightsize", { key });

/** Asks where to save (native dialog, from Rust) and writes the right-sized policy; null when cancelled. */
export const exportRightsized = (
  key: string,
  format: "json" | "terraform" | "cloudformation",
): Promise<ExportWritten | null> => invoke("export_rightsized", { key, format });

/** The root user's timeline. */
export const rootActivity = (): Promise<RootActivity> => invoke("root_activity");

/** Shows the native dialog and imports what the user picks; false when nothing was picked. */
export const pickAndImport = (kind: "folder" | "files"): Promise<boolean> =>
  invoke("pick_and_import", { kind });

/** Asks the running import to stop. */
export const cancelImport = (): Promise<boolean> => invoke("cancel_import");

/** Alerts the filter keeps, with counts for the filters. */
export const alerts = (filter: AlertFilter): Promise<AlertList> => invoke("alerts", { filter });

/** One alert with its events and the policy that raised it. */
export const alertDetail = (id: number): Promise<AlertDetail> => invoke("alert_detail", { id });

/** Triage: `dismissed`, `resolved` or `open` again, with a note. */
export const triageAlert = (id: number, status: string, note: string): Promise<AlertRow> =>
  invoke("triage_alert", { id, status, note });

/** Stores the reviewer's name (recorded with triage and decisions). */
export const setReviewer = (name: string): Promise<string | null> => invoke("set_reviewer", { name });

/** The stored alert policies. */
export const alertPolicies = (): Promise<AlertPolicyInfo[]> => invoke("alert_policies");

/** Saves an edited policy file as the next version of its policies. */
export const saveAlertPolicy = (text: string): Promise<AlertPolicyInfo[]> => invoke("save_alert_policy", { text });

/** Evaluates the stored policies over the whole history. */
export const evaluateAlerts = (): Promise<AlertEvaluation> => invoke("evaluate_alerts");

/** The review campaigns and the account snapshots. */
export const reviews = (): Promise<ReviewsOverview> => invoke("reviews");

/** One review with its decision grid. */
export const review = (name: string): Promise<ReviewDetail> => invoke("review", { name });

/** Starts a review over a snapshot (the latest when null) and a usage window. */
export const startReview = (name: string, snapshot: number | null, since: string | null, until: string | null): Promise<ReviewSummary> =>
  invoke("start_review", { name, snapshot, since, until });

/** Records a decision on a review item. */
export const decide = (
  review: string,
  subject: string,
  key: string,
  decision: string,
  note: string,
  expires: string | null,
): Promise<DecisionView> => invoke("decide", { review, subject, key, decision, note, expires });

/** The account snapshots, newest first. */
export const snapshots = (): Promise<SnapshotRow[]> => invoke("snapshots");

/** What changed between two snapshots. */
export const drift = (from: number, to: number): Promise<DriftView> => invoke("drift", { from, to });

/** Asks where to save a review's report (native dialog) and writes it; null when cancelled. */
export const saveReviewReport = (review: string, format: "html" | "pdf" | "csv"): Promise<SavedReport | null> =>
  invoke("save_review_report", { review, format });

/** Calls `onProgress` while an import runs and `onFinished` when it ends. */
export async function onImport(
  onProgress: (s: ImportStatus) => void,
  onFinished: (o: ImportOutcome) => void,
): Promise<UnlistenFn> {
  const a = await listen<ImportStatus>("import-progress", (e) => onProgress(e.payload));
  const b = await listen<ImportOutcome>("import-finished", (e) => onFinished(e.payload));
  return () => {
    a();
    b();
  };
}

/** AWS profiles (names and kinds only), regions and the scan's stages. */
export const awsConnectChoices = (): Promise<ConnectChoices> => invoke("aws_connect_choices");

/** Starts a live scan into the user's own database (null: the default chain / the profile's region). */
export const startAwsScan = (profile: string | null, region: string | null, since: string | null): Promise<void> =>
  invoke("start_aws_scan", { profile, region, since });

/** Asks the running scan to stop. */
export const cancelAwsScan = (): Promise<boolean> => invoke("cancel_aws_scan");

/** Calls `onProgress` while a scan runs and `onFinished` when it ends. */
export async function onScan(
  onProgress: (s: ScanStatus) => void,
  onFinished: (o: ScanOutcome) => void,
): Promise<UnlistenFn> {
  const a = await listen<ScanStatus>("scan-progress", (e) => onProgress(e.payload));
  const b = await listen<ScanOutcome>("scan-finished", (e) => onFinished(e.payload));
  return () => {
    a();
    b();
  };
}
