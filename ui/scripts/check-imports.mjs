// Enforces that every `@tauri-apps/*` import lives under `src/ipc/`, so the
// rest of the UI talks to the desktop shell only through that one module.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte"];
// Any module specifier that names a @tauri-apps package: static or dynamic
// import, re-export, or require.
const TAURI_SPECIFIER = /(?:from\s*|import\s*\(\s*|import\s+|require\s*\(\s*)["'`](@tauri-apps\/[^"'`]*)["'`]/g;

function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      files.push(...walk(path));
    } else if (SOURCE_EXTENSIONS.some((ext) => name.endsWith(ext))) {
      files.push(path);
    }
  }
  return files;
}

/** Returns `{ file, line, specifier }` for each @tauri-apps import outside `<srcDir>/ipc/`. */
export function findViolations(srcDir) {
  const violations = [];
  for (const file of walk(srcDir)) {
    const rel = relative(srcDir, file).split(sep).join("/");
    if (rel.startsWith("ipc/")) continue;
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(TAURI_SPECIFIER)) {
      const line = text.slice(0, match.index).split("\n").length;
      violations.push({ file: rel, line, specifier: match[1] });
    }
  }
  return violations;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const srcDir = fileURLToPath(new URL("../src", import.meta.url));
  const violations = findViolations(srcDir);
  for (const v of violations) {
    console.error(`src/${v.file}:${v.line}: "${v.specifier}" may only be imported under src/ipc/`);
  }
  if (violations.length > 0) {
    process.exit(1);
  }
  console.log("check-imports: all @tauri-apps imports are under src/ipc/");
}
