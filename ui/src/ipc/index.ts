// The UI's only door to the desktop shell: every @tauri-apps import lives in
// src/ipc/ (checked by scripts/check-imports.mjs).
import { invoke, isTauri } from "@tauri-apps/api/core";

/** True when the page runs inside the Pare desktop window. */
export function inDesktopShell(): boolean {
  return isTauri();
}

/** The desktop app's version, from the `app_version` command. */
export async function appVersion(): Promise<string> {
  return invoke<string>("app_version");
}
