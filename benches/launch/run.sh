#!/usr/bin/env bash
# Launch benchmark of the desktop app: time from process start to an interactive dashboard (the dashboard has
# drawn the engine's numbers, events and account review) and peak memory, for (a) the bundled demo account and
# (b) a generated 10,000-role account (pare-gaadgen, seed 1) with a generated CloudTrail tree (pare-trailgen).
# `pare import` stores the whole-account review and the dashboard's overview, so the first launch after it reads
# them like a later one (FIRST_COMPUTES=1 adds a database imported with --no-review, whose first launch computes
# and stores them). The demo's first launch builds the demo database and computes them.
#
#   benches/launch/run.sh                          # release build, 3 later launches per database
#   RUNS=5 EVENTS=200000 WORK=/tmp/pl benches/launch/run.sh
#   SKIP_BUILD=1 BIN=/path/with/binaries benches/launch/run.sh
#
# The app runs with PARE_LAUNCH_BENCH=1: the UI reports through IPC when the dashboard is painted with its data,
# the shell prints one `LAUNCH …` line (seconds since the kernel started the process, peak RSS of the app and of
# the WebKit processes it started) and exits. /usr/bin/time -v adds the app process's CPU time. Needs a display:
# DISPLAY is used when set, else an Xvfb is started (and stopped) here. WORK (default /tmp/pare-launch-bench)
# holds the data directories, databases and generated inputs; nothing is written into the repository.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/pare-launch-bench}
RUNS=${RUNS:-3}
ROLES=${ROLES:-10000}
EVENTS=${EVENTS:-100000}
mkdir -p "$WORK"
cd "$ROOT"

if [ -z "${SKIP_BUILD:-}" ]; then
    [ -d ui/node_modules ] || npm --prefix ui ci
    npm --prefix ui run build
    TARGET=${CARGO_TARGET_DIR:-target}
    # Copy the binaries out right after building: a shared target directory may be rebuilt by someone else.
    cargo build --release -p pare-desktop -p pare-cli -p pare-gaadgen -p pare-trailgen
    mkdir -p "$WORK/bin"
    cp "$TARGET/release/pare-desktop" "$TARGET/release/pare" "$TARGET/release/pare-gaadgen" \
        "$TARGET/release/pare-trailgen" "$WORK/bin/"
    BIN="$WORK/bin"
fi
BIN=${BIN:-$WORK/bin}

XVFB_PID=
if [ -z "${DISPLAY:-}" ]; then
    export DISPLAY=:${XVFB_DISPLAY:-97}
    Xvfb "$DISPLAY" -screen 0 1280x1024x24 >/dev/null 2>&1 &
    XVFB_PID=$!
    sleep 1
fi
cleanup() { [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true; }
trap cleanup EXIT

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "INFO nproc=$(nproc) cpu=\"$cpu\" date=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\" commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)"

# launch NAME DATA_HOME: one launch of the app on the data directory DATA_HOME; prints its LAUNCH line with the
# app's CPU time appended.
launch() {
    local name=$1 home=$2 log
    log=$(mktemp "$WORK/launch.XXXXXX")
    mkdir -p "$home/cache" "$home/config"
    if ! HOME="$home" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" XDG_CONFIG_HOME="$home/config" \
        PARE_LAUNCH_BENCH=1 timeout "${LAUNCH_TIMEOUT:-600}" /usr/bin/time -v "$BIN/pare-desktop" >"$log" 2>&1; then
        echo "RESULT $name failed:"; tail -20 "$log"; rm -f "$log"; return 1
    fi
    local line user sys wall
    line=$(grep '^LAUNCH ' "$log" || echo "LAUNCH missing")
    user=$(awk -F': ' '/User time/ {print $2}' "$log")
    sys=$(awk -F': ' '/System time/ {print $2}' "$log")
    wall=$(awk -F'): ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    echo "RESULT $name ${line#LAUNCH } app_cpu_user_s=$user app_cpu_sys_s=$sys wall_to_exit=$wall loadavg=$(cut -d' ' -f1 /proc/loadavg)"
    rm -f "$log"
}

echo "== (a) demo account: first run (demo database built from the bundled files, review computed and stored)"
rm -rf "$WORK/demo-home"
launch demo-first "$WORK/demo-home"
for i in $(seq "$RUNS"); do launch "demo-later-$i" "$WORK/demo-home"; done

echo "== (b) generated account: $ROLES roles (pare-gaadgen seed 1) + $EVENTS generated CloudTrail events"
if [ ! -f "$WORK/gaad-$ROLES.json" ]; then
    "$BIN/pare-gaadgen" generate --managed tests/data/aws-managed-policies/managedPolicies.latest.json.gz \
        --roles "$ROLES" --seed 1 --out "$WORK/gaad-$ROLES.json"
fi
if [ ! -d "$WORK/trail-$EVENTS" ]; then
    "$BIN/pare-trailgen" --out "$WORK/trail-$EVENTS" --events "$EVENTS" --seed 1 >/dev/null
fi
DB_DIR="$WORK/gen-home/data/dev.pare.app"
if [ ! -f "$WORK/gen-base.db" ]; then
    rm -f "$WORK"/gen-base.db*
    /usr/bin/time -f "INFO import authz (--no-review): wall %e s, user %U s, max RSS %M KB" \
        "$BIN/pare" import --no-review --db "$WORK/gen-base.db" --authz "$WORK/gaad-$ROLES.json" >/dev/null
    # The last import stores the account review and the dashboard's overview (what `pare import` does unless
    # --no-review), so the first launch reads them like a later one. Keep a copy without them for FIRST_COMPUTES.
    /usr/bin/time -f "INFO import trail (--no-review): wall %e s, user %U s, max RSS %M KB" \
        "$BIN/pare" import --no-review --db "$WORK/gen-base.db" --cloudtrail "$WORK/trail-$EVENTS" >/dev/null
    cp "$WORK/gen-base.db" "$WORK/gen-unprepared.db"
    /usr/bin/time -f "INFO review + overview stored by pare import (nothing new to import): wall %e s, user %U s, max RSS %M KB" \
        "$BIN/pare" import --db "$WORK/gen-base.db" --cloudtrail "$WORK/trail-$EVENTS" >/dev/null
fi
# The app opens the user's own database (pare.db in its data directory) when it has events.
rm -rf "$WORK/gen-home"
mkdir -p "$DB_DIR"
cp "$WORK/gen-base.db" "$DB_DIR/pare.db"
launch gen-first "$WORK/gen-home"
for i in $(seq "$RUNS"); do launch "gen-later-$i" "$WORK/gen-home"; done
if [ -n "${FIRST_COMPUTES:-}" ]; then
    echo "== (c) the same account imported with --no-review: the first launch computes the review and overview"
    rm -rf "$WORK/gen-home"
    mkdir -p "$DB_DIR"
    cp "$WORK/gen-unprepared.db" "$DB_DIR/pare.db"
    launch gen-unprepared-first "$WORK/gen-home"
    launch gen-unprepared-later "$WORK/gen-home"
fi
