// Entry point of Pare's UI: renders the shell page and asks the desktop app
// for its version.
import "./style.css";
import { appVersion, inDesktopShell } from "./ipc";

function render(root: HTMLElement): HTMLElement {
  root.innerHTML = `
    <main class="shell">
      <h1 class="title">Pare</h1>
      <p class="tagline">Local-first AWS IAM access reviews</p>
      <p class="version">Version <span id="app-version" data-state="loading">…</span></p>
    </main>
  `;
  const version = root.querySelector<HTMLElement>("#app-version");
  if (!version) {
    throw new Error("version element missing");
  }
  return version;
}

async function showVersion(target: HTMLElement): Promise<void> {
  if (!inDesktopShell()) {
    target.textContent = "unavailable (not running in the desktop app)";
    target.dataset.state = "unavailable";
    return;
  }
  try {
    target.textContent = await appVersion();
    target.dataset.state = "ready";
  } catch (err) {
    target.textContent = `error: ${String(err)}`;
    target.dataset.state = "error";
  }
}

const root = document.querySelector<HTMLElement>("#app");
if (root) {
  void showVersion(render(root));
}
