#!/usr/bin/env bash
# CloudTrail import benchmark, all on ONE generated tree in one run:
#   (a) the floor: parallel gunzip + serde_json IgnoredAny over every log file (pare-trailgen --floor),
#   (b) `pare import --db FILE --cloudtrail TREE` (release build): wall time, peak RSS, database size, and a
#       second import of the same tree (files unchanged since the first are skipped),
#   (c) trailscraper 0.10.0 (`select` then `generate`), from the venv made by setup-peers.sh.
# If trailscraper fails or runs past TS_TIMEOUT on the full tree, (a)-(c) are repeated on a
# FALLBACK_EVENTS tree so there is one size where both ran.
#
# Environment: EVENTS (default 1000000), SEED (1), BENCH_OUT (default a new /tmp/pare-ct-bench.*),
# TRAILSCRAPER_VENV (/tmp/trailscraper-venv), TS_TIMEOUT (seconds, 1200), FALLBACK_EVENTS (100000),
# FLOOR_RUNS (3), CARGO_TARGET_DIR (/work/target), PARE_BIN_DIR (below), REUSE_TREE (1: keep a tree already generated in
# BENCH_OUT with the same EVENTS and SEED instead of generating it again).
# Besides wall times, every step's CPU time (user + system, from `/usr/bin/time -v`) is printed as
# `cpu_s`, and `RATIO … cpu` lines compare CPU times: on a machine shared with other work, CPU time
# is what a tool costs, while wall time also measures the neighbours.
# Output: RESULT / RATIO / INFO lines on stdout; raw outputs in BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
EVENTS=${EVENTS:-1000000}
SEED=${SEED:-1}
VENV=${TRAILSCRAPER_VENV:-/tmp/trailscraper-venv}
TS_TIMEOUT=${TS_TIMEOUT:-1200}
FALLBACK_EVENTS=${FALLBACK_EVENTS:-100000}
FLOOR_RUNS=${FLOOR_RUNS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/pare-ct-bench.XXXXXX)}
mkdir -p "$OUT"
# PARE_BIN_DIR: a directory holding already built release `pare` and `pare-trailgen` (on a machine whose
# shared target directory other builds overwrite); then nothing is built here.
BIN=${PARE_BIN_DIR:-$CARGO_TARGET_DIR/release}

info() { echo "INFO $*"; }
now() { date +%s.%N; }
# peak RSS in MB from a `/usr/bin/time -v` log
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
# user + system CPU seconds from a `/usr/bin/time -v` log
cpu() { awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$1"; }
calc() { python3 -c "print($1)"; }

info "commit $(git -C "$REPO" rev-parse --short HEAD) $(git -C "$REPO" status --porcelain --untracked-files=no | wc -l) modified files; out=$OUT"
info "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# Only if `pare import` is in the committed CLI.
HAVE_IMPORT=0
if git -C "$REPO" grep -q 'fn cmd_import' HEAD -- crates/pare-cli/src 2>/dev/null; then
    HAVE_IMPORT=1
fi
[[ -n ${PARE_BIN_DIR:-} ]] || cargo build --release -q -p pare-trailgen
if [[ $HAVE_IMPORT == 1 ]]; then
    [[ -n ${PARE_BIN_DIR:-} ]] || cargo build --release -q -p pare-cli
else
    info "pare import is not in the committed CLI (HEAD): measuring the floor and trailscraper only"
fi
HAVE_TS=0
if [[ -x $VENV/bin/trailscraper ]]; then
    HAVE_TS=1
    info "peer: $("$VENV/bin/trailscraper" --version)"
else
    info "no trailscraper in $VENV (run benches/cloudtrail/setup-peers.sh): skipping it"
fi

# bench_tree N LABEL: generate, floor, pare import twice, trailscraper; sets TS_OK.
bench_tree() {
    local n=$1 label=$2 dir=$OUT/$2
    local tree=$dir/tree
    mkdir -p "$dir"
    local t0 t1
    t0=$(now)
    if [[ ${REUSE_TREE:-0} == 1 && -d $tree && -f $dir/generate.txt ]] \
        && grep -q "events=$n .*seed=$SEED" "$dir/generate.txt"; then
        info "reusing the tree in $tree"
        cat "$dir/generate.txt"
    else
        rm -rf "$tree"
        "$BIN/pare-trailgen" --out "$tree" --events "$n" --seed "$SEED" | tee "$dir/generate.txt"
    fi
    t1=$(now)
    local raw gz files
    raw=$(grep -o 'raw_bytes=[0-9]*' "$dir/generate.txt" | cut -d= -f2)
    gz=$(grep -o 'gz_bytes=[0-9]*' "$dir/generate.txt" | cut -d= -f2)
    files=$(grep -o ' files=[0-9]*' "$dir/generate.txt" | cut -d= -f2)
    echo "RESULT $label generate events=$n files=$files raw_mb=$(calc "round($raw/1e6,1)") gz_mb=$(calc "round($gz/1e6,1)") secs=$(calc "round($t1-$t0,2)")"
    sync

    # (a) floor
    /usr/bin/time -v "$BIN/pare-trailgen" --floor "$tree" --runs "$FLOOR_RUNS" 2>"$dir/floor.time" | tee "$dir/floor.txt"
    local floor_s floor_events floor_cpu
    floor_s=$(grep -o 'secs=[0-9.]*' "$dir/floor.txt" | cut -d= -f2)
    floor_events=$(grep -o 'events=[0-9]*' "$dir/floor.txt" | cut -d= -f2)
    floor_cpu=$(calc "round($(cpu "$dir/floor.time")/$FLOOR_RUNS,2)")
    echo "RESULT $label floor events=$floor_events secs=$floor_s events_per_s=$(calc "round($floor_events/$floor_s)") raw_mb_per_s=$(calc "round($raw/1e6/$floor_s,1)") gz_mb_per_s=$(calc "round($gz/1e6/$floor_s,1)") cpu_s=$floor_cpu (best of $FLOOR_RUNS, all cores; cpu_s per run)"

    # (b) pare import
    PARE_S=""
    PARE_CPU=""
    if [[ $HAVE_IMPORT == 1 ]]; then
        local db=$dir/pare.db
        rm -f "$db" "$db"-*
        t0=$(now)
        /usr/bin/time -v "$BIN/pare" import --no-review --db "$db" --cloudtrail "$tree" --json >"$dir/import1.json" 2>"$dir/import1.time"
        t1=$(now)
        PARE_S=$(calc "round($t1-$t0,3)")
        local new dbmb
        new=$(python3 -c "import json;d=json.load(open('$dir/import1.json'));print(d['new_events'])")
        dbmb=$(du -cb "$db"* | tail -1 | awk '{printf "%.1f", $1/1e6}')
        PARE_CPU=$(cpu "$dir/import1.time")
        echo "RESULT $label pare_import events=$new secs=$PARE_S events_per_s=$(calc "round($n/$PARE_S)") raw_mb_per_s=$(calc "round($raw/1e6/$PARE_S,1)") gz_mb_per_s=$(calc "round($gz/1e6/$PARE_S,1)") peak_rss_mb=$(rss "$dir/import1.time") db_mb=$dbmb cpu_s=$PARE_CPU"
        t0=$(now)
        /usr/bin/time -v "$BIN/pare" import --no-review --db "$db" --cloudtrail "$tree" --json >"$dir/import2.json" 2>"$dir/import2.time"
        t1=$(now)
        local re
        re=$(python3 -c "import json;d=json.load(open('$dir/import2.json'));print('new_events=%d files_unchanged=%d files_read=%d' % (d['new_events'], d['files_unchanged'], d['files_read']))")
        echo "RESULT $label pare_reimport secs=$(calc "round($t1-$t0,3)") $re peak_rss_mb=$(rss "$dir/import2.time") cpu_s=$(cpu "$dir/import2.time")"
        echo "RATIO $label pare_over_floor=$(calc "round($PARE_S/$floor_s,2)") (Pare runs at $(calc "round(100*$floor_s/$PARE_S,1)")% of the floor's speed)"
        echo "RATIO $label pare_over_floor cpu=$(calc "round($PARE_CPU/$floor_cpu,2)") (by CPU time: Pare at $(calc "round(100*$floor_cpu/$PARE_CPU,1)")% of the floor)"
    fi

    # (c) trailscraper
    TS_OK=0
    if [[ $HAVE_TS == 1 ]]; then
        local st sel gen_s sel_s count rc=0
        t0=$(now)
        timeout "$TS_TIMEOUT" /usr/bin/time -v "$VENV/bin/trailscraper" select --log-dir "$tree/AWSLogs" \
            --from 2000-01-01 --to 2100-01-01 >"$dir/selected.json" 2>"$dir/select.time" || rc=$?
        t1=$(now)
        sel_s=$(calc "round($t1-$t0,3)")
        if [[ $rc != 0 ]]; then
            echo "RESULT $label trailscraper_select FAILED rc=$rc secs=$sel_s peak_rss_mb=$(rss "$dir/select.time") (124 = timeout after ${TS_TIMEOUT}s)"
            return 0
        fi
        # trailscraper prints json.dumps(…) with ", " and ": " separators: one "eventID" per top-level record.
        count=$(grep -o '"eventID": "' "$dir/selected.json" | wc -l)
        echo "RESULT $label trailscraper_select records=$count of $n secs=$sel_s peak_rss_mb=$(rss "$dir/select.time") selected_mb=$(calc "round($(stat -c %s "$dir/selected.json")/1e6,1)")"
        rc=0
        t0=$(now)
        timeout "$TS_TIMEOUT" /usr/bin/time -v "$VENV/bin/trailscraper" generate <"$dir/selected.json" \
            >"$dir/policy.json" 2>"$dir/generate.time" || rc=$?
        t1=$(now)
        gen_s=$(calc "round($t1-$t0,3)")
        if [[ $rc != 0 ]]; then
            echo "RESULT $label trailscraper_generate FAILED rc=$rc secs=$gen_s peak_rss_mb=$(rss "$dir/generate.time")"
            return 0
        fi
        local actions
        actions=$(python3 -c "import json;d=json.load(open('$dir/policy.json'));print(sum(len(s['Action']) for s in d['Statement']))")
        echo "RESULT $label trailscraper_generate secs=$gen_s peak_rss_mb=$(rss "$dir/generate.time") policy_actions=$actions"
        local total
        total=$(calc "round($sel_s+$gen_s,3)")
        local ts_cpu
        ts_cpu=$(calc "round($(cpu "$dir/select.time")+$(cpu "$dir/generate.time"),2)")
        echo "RESULT $label trailscraper_total secs=$total events_per_s=$(calc "round($n/$total)") raw_mb_per_s=$(calc "round($raw/1e6/$total,1)") cpu_s=$ts_cpu"
        if [[ -n $PARE_S ]]; then
            echo "RATIO $label trailscraper_over_pare total=$(calc "round($total/$PARE_S,2)") select_only=$(calc "round($sel_s/$PARE_S,2)")"
            echo "RATIO $label trailscraper_over_pare cpu=$(calc "round($ts_cpu/$PARE_CPU,2)")"
        fi
        echo "RATIO $label trailscraper_over_floor total=$(calc "round($total/$floor_s,1)")"
        [[ $count == "$n" ]] || info "trailscraper selected $count of $n records"
        TS_OK=1
    fi
}

bench_tree "$EVENTS" "n$EVENTS"
if [[ $HAVE_TS == 1 && $TS_OK == 0 && $EVENTS != "$FALLBACK_EVENTS" ]]; then
    info "trailscraper did not finish on $EVENTS events: repeating everything on $FALLBACK_EVENTS"
    bench_tree "$FALLBACK_EVENTS" "n$FALLBACK_EVENTS"
fi
info "load at the end $(cut -d' ' -f1-3 /proc/loadavg); raw outputs in $OUT"
