#!/usr/bin/env bash
# Whether the WebKitGTK setting of `src-tauri/src/webview_tuning.rs` pays for itself: launches the app on a
# prepared data directory (what benches/launch/run.sh leaves in WORK) once per variant, round-robin, RUNS rounds,
# and prints each launch's LAUNCH line (time to the interactive dashboard, RSS of the app and of WebKit's
# processes, summed PSS). Variants are values of PARE_WEBKIT_DEFAULTS: `none` (Pare's settings), `gpu` or `all`
# (WebKit's default hardware-acceleration policy). The build measured in BENCHMARKS.md also had `cache` and
# `page-cache` variants (document-viewer cache model, no page cache): no difference, so they were dropped.
#
#   WORK=/tmp/pare-launch-bench BIN=/dir/with/pare-desktop benches/launch/webkit-settings.sh gen-home none gpu all
set -euo pipefail
WORK=${WORK:-/tmp/pare-launch-bench}
BIN=${BIN:-$WORK/bin}
RUNS=${RUNS:-2}
home="$WORK/$1"
shift
XVFB_PID=
if [ -z "${DISPLAY:-}" ]; then
    export DISPLAY=:${XVFB_DISPLAY:-98}
    Xvfb "$DISPLAY" -screen 0 1280x1024x24 >/dev/null 2>&1 &
    XVFB_PID=$!
    sleep 1
fi
cleanup() { [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true; }
trap cleanup EXIT
for round in $(seq "$RUNS"); do
    for variant in "$@"; do
        defaults=$variant
        [ "$variant" = none ] && defaults=
        line=$(HOME="$home" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" XDG_CONFIG_HOME="$home/config" \
            PARE_WEBKIT_DEFAULTS="$defaults" PARE_LAUNCH_BENCH=1 timeout 300 "$BIN/pare-desktop" 2>/dev/null | grep '^LAUNCH ' || echo "LAUNCH failed")
        echo "RESULT round=$round defaults=$variant ${line#LAUNCH } loadavg=$(cut -d' ' -f1 /proc/loadavg)"
    done
done
