#!/usr/bin/env bash
# Builds the desktop app's Debian package (`.deb`) with tauri-cli 2 (the npm `@tauri-apps/cli` in ui/).
#
# The product keeps `tauri.conf.json` at the top of the repository, but tauri-cli wants the config file
# beside the app crate's `Cargo.toml` (`src-tauri/`). So this script writes a temporary
# `src-tauri/tauri.conf.json` — the top-level config with its paths made relative to `src-tauri/` — points
# the CLI at `src-tauri/` and removes the copy afterwards. The app itself is still built from the
# top-level config (`generate_context!("../tauri.conf.json")` and build.rs).
#
# Usage: scripts/package.sh [--debug]     (the .deb lands in $CARGO_TARGET_DIR/{release,debug}/bundle/deb/)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ ! -x ui/node_modules/.bin/tauri ]; then
    npm --prefix ui ci --no-audit --no-fund
fi
if [ ! -f ui/dist/index.html ]; then
    npm --prefix ui run build
fi

STAGED=src-tauri/tauri.conf.json
trap 'rm -f "$ROOT/$STAGED"' EXIT
python3 - "$STAGED" <<'PY'
import json, sys
config = json.load(open("tauri.conf.json"))
config["build"]["frontendDist"] = "../" + config["build"]["frontendDist"]
config["bundle"]["icon"] = ["../" + icon for icon in config["bundle"]["icon"]]
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY

TAURI_APP_PATH="$ROOT/src-tauri" TAURI_FRONTEND_PATH="$ROOT/ui" \
    ui/node_modules/.bin/tauri build --bundles deb "$@"

# Check what was built: the package's name, its runtime dependencies and the files a desktop needs.
PROFILE=release
for arg in "$@"; do [ "$arg" = "--debug" ] && PROFILE=debug; done
DEB=$(ls -t "${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/bundle/deb/"*.deb | head -n 1)
INFO=$(dpkg-deb --info "$DEB")
FILES=$(dpkg-deb --contents "$DEB")
for want in "Package: pare" "Depends: libwebkit2gtk-4.1-0"; do
    grep -q "$want" <<<"$INFO" || { echo "package.sh: \`$DEB\` lacks \`$want\`" >&2; exit 1; }
done
for want in usr/bin/pare-desktop usr/share/applications/Pare.desktop usr/share/icons/hicolor/128x128/apps/pare-desktop.png; do
    grep -q " $want\$" <<<"$FILES" || { echo "package.sh: \`$DEB\` lacks \`$want\`" >&2; exit 1; }
done
echo "built $DEB ($(du -h "$DEB" | cut -f1))"
