#!/usr/bin/env bash
# Shows Pare: runs the headless CLI demo, then opens the desktop window when a
# display is available (close the window to finish). Set PARE_DEMO_DESKTOP=0 to
# skip the window.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pare-target}"
export PATH="$HOME/.cargo/bin:$PATH"

bash "$ROOT/scripts/setup.sh"

echo "==> building the UI (ui/dist)"
npm --prefix ui run --silent build

echo "==> headless demo: pare demo"
cargo run -p pare-cli --release -- demo

if [ "${PARE_DEMO_DESKTOP:-1}" != "0" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    echo "==> desktop app (close the window to finish)"
    cargo run -p pare-desktop --features tauri/custom-protocol
else
    echo "==> no display (DISPLAY/WAYLAND_DISPLAY unset): skipped the desktop window"
fi
