// Tests for check-imports.mjs: the rule that @tauri-apps imports stay in src/ipc/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findViolations } from "./check-imports.mjs";

function withTree(files, fn) {
  const dir = mkdtempSync(join(tmpdir(), "pare-ui-check-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("imports under ipc/ are allowed", () => {
  withTree(
    {
      "ipc/index.ts": 'import { invoke } from "@tauri-apps/api/core";\n',
      "ipc/nested/events.ts": "export * from '@tauri-apps/api/event';\n",
      "main.ts": 'import { appVersion } from "./ipc";\n',
    },
    (dir) => assert.deepEqual(findViolations(dir), []),
  );
});

test("static, dynamic, side-effect and re-export imports elsewhere are reported", () => {
  withTree(
    {
      "main.ts": [
        'import { invoke } from "@tauri-apps/api/core";',
        "const m = await import('@tauri-apps/api/window');",
        'import "@tauri-apps/api";',
        'export { listen } from "@tauri-apps/api/event";',
      ].join("\n"),
      "views/list.tsx": "const x = require(`@tauri-apps/plugin-dialog`);\n",
    },
    (dir) => {
      const found = findViolations(dir).map((v) => `${v.file}:${v.line}:${v.specifier}`);
      assert.deepEqual(found.sort(), [
        "main.ts:1:@tauri-apps/api/core",
        "main.ts:2:@tauri-apps/api/window",
        "main.ts:3:@tauri-apps/api",
        "main.ts:4:@tauri-apps/api/event",
        "views/list.tsx:1:@tauri-apps/plugin-dialog",
      ]);
    },
  );
});

test("a directory merely named like ipc elsewhere is not exempt", () => {
  withTree(
    { "views/ipc/x.ts": 'import { invoke } from "@tauri-apps/api/core";\n' },
    (dir) => assert.equal(findViolations(dir).length, 1),
  );
});

test("the real ui/src passes", () => {
  const src = fileURLToPath(new URL("../src", import.meta.url));
  assert.deepEqual(findViolations(src), []);
});
