#!/usr/bin/env bash
# Runs Pare's engine bench (release, one thread) and the policy_sentry peer back to back on the same fixture
# (tests/data/aws-managed-policies), then prints policy_sentry ÷ Pare for each comparable measurement.
#
#   benches/run.sh                      # venv from benches/peers/setup.sh (created if missing)
#   PEER_RUNS=5 BENCH_OUT=/tmp/b benches/run.sh
#
# Environment: PEERS_VENV (default /tmp/peers-venv), PEER_RUNS (default 11), BENCH_OUT (default a new
# /tmp/pare-bench.* directory; raw outputs and Pare's action-set dump go there), CARGO_TARGET_DIR as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PEERS_VENV:-/tmp/peers-venv}"
OUT="${BENCH_OUT:-$(mktemp -d /tmp/pare-bench.XXXXXX)}"
mkdir -p "$OUT"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import policy_sentry' 2>/dev/null || benches/peers/setup.sh

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "INFO machine nproc=$(nproc) cpu=\"$cpu\" date=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\" commit=$(git rev-parse --short HEAD 2>/dev/null || echo none) uncommitted_src_files=$(git status --porcelain -- crates 2>/dev/null | grep -c '\.rs$' || true)"

echo "== Pare (cargo bench -p pare-policy --bench engine)"
PARE_BENCH_DUMP="$OUT/pare-dump" cargo bench -q -p pare-policy --bench engine | tee "$OUT/pare.txt"
echo "== policy_sentry (benches/peers/expand_policy_sentry.py)"
"$VENV/bin/python" benches/peers/expand_policy_sentry.py --runs "${PEER_RUNS:-11}" --pare-dump "$OUT/pare-dump" \
    | tee "$OUT/peer.txt"
echo "INFO loadavg_after=\"$(cut -d' ' -f1-3 /proc/loadavg)\""

# value FILE NAME FIELD: the FIELD (median_us or min_us) of the RESULT line NAME.
value() {
    awk -v n="$2" -v f="$3" '$1 == "RESULT" && $2 == n {
        for (i = 3; i <= NF; i++) if (index($i, f "=") == 1) { print substr($i, length(f) + 2); exit } }' "$1"
}
ratio() { # ratio PEER_NAME PARE_NAME
    local pm pn qm qn
    pm=$(value "$OUT/peer.txt" "$1" median_us); qm=$(value "$OUT/pare.txt" "$2" median_us)
    pn=$(value "$OUT/peer.txt" "$1" min_us); qn=$(value "$OUT/pare.txt" "$2" min_us)
    if [ -z "$pm" ] || [ -z "$qm" ]; then echo "RATIO $1/$2 missing"; return; fi
    awk -v a="$pm" -v b="$qm" -v c="$pn" -v d="$qn" -v n1="$1" -v n2="$2" 'BEGIN {
        printf "RATIO %s / %s median=%.1fx min=%.1fx (peer %.0f us vs pare %.0f us median)\n", n1, n2, a / b, c / d, a, b }'
}
echo "== policy_sentry time ÷ Pare time (higher = Pare faster)"
ratio peer.policy_sentry.expand.managed.action_only expand.managed.action_only
ratio peer.policy_sentry.expand.managed.action_only.cold expand.managed.action_only
ratio peer.policy_sentry.expand.managed.allowed_actions expand.managed.allowed_actions
ratio peer.cloudsplaining.not_action_statements expand.managed.not_action_statements
ratio peer.policy_sentry.not_action_statements.set expand.managed.not_action_statements
ratio peer.policy_sentry.import catalog.load
echo "raw outputs: $OUT"
