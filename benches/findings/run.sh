#!/usr/bin/env bash
# Whole-account analysis of a generated 10,000-role account: Pare vs cloudsplaining 0.9.1, one run each on the same
# file. Run benches/findings/setup-peers.sh first. WORK (default /tmp/pare-findings-bench) holds the dump and
# outputs; nothing is written into the repository.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/pare-findings-bench}
VENV=${CLOUDSPLAINING_VENV:-/tmp/cloudsplaining-venv}
ROLES=${ROLES:-10000}
mkdir -p "$WORK/cloudsplaining"
cd "$ROOT"
cargo build --release -p pare-gaadgen -p pare-cli
BIN=${CARGO_TARGET_DIR:-target}/release
"$BIN/pare-gaadgen" generate --managed tests/data/aws-managed-policies/managedPolicies.latest.json.gz \
    --roles "$ROLES" --seed 1 --out "$WORK/gaad.json"
sha256sum "$WORK/gaad.json"
echo "== Pare, in process (model, effective permissions, paths, every rule, scores)"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" "$BIN/pare-gaadgen" analyze --input "$WORK/gaad.json"
echo "== Pare, in process: the identity graph (whole, and around 5 principals at depth 2; timed after the analysis)"
"$BIN/pare-gaadgen" analyze --input "$WORK/gaad.json" --graph 5
echo "== Pare, through the CLI (pare import --authz, then pare findings and pare paths on the database)"
rm -f "$WORK/pare.db"
/usr/bin/time -f "import: wall %e s, user %U s, max RSS %M KB" "$BIN/pare" import --no-review --db "$WORK/pare.db" --authz "$WORK/gaad.json" >/dev/null
/usr/bin/time -f "findings: wall %e s, user %U s, max RSS %M KB" "$BIN/pare" findings --db "$WORK/pare.db" --json >"$WORK/findings.json"
/usr/bin/time -f "paths: wall %e s, user %U s, max RSS %M KB" "$BIN/pare" paths --db "$WORK/pare.db" --json >"$WORK/paths.json"
for who in user/user-0 role/role-0 role/role-5000; do
    /usr/bin/time -f "graph $who: wall %e s, user %U s, sys %S s, max RSS %M KB" "$BIN/pare" graph --db "$WORK/pare.db" \
        --principal "arn:aws:iam::123456789012:$who" --format json >"$WORK/graph.json"
done
echo "== cloudsplaining 0.9.1 scan"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" "$VENV/bin/cloudsplaining" scan \
    --input-file "$WORK/gaad.json" --output "$WORK/cloudsplaining" --skip-open-report >/dev/null
