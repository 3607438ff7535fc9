// The UI's only door to the desktop shell: every @tauri-apps import lives in
// src/ipc/ (checked by scripts/check-imports.mjs). Each function is one Tauri
// command; the types come from bindings.ts, generated from the Rust types.
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
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
