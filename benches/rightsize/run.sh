#!/usr/bin/env bash
# Time to right-size every principal of a generated account: a deterministic pare-trailgen CloudTrail tree
# (EVENTS events over PRINCIPALS principals), imported once, then `pare rightsize --all` with the current
# policy taken as AdministratorAccess (the generated identities have no account snapshot).
#   EVENTS=1000000 PRINCIPALS=10000 OUT=/tmp/pare-rightsize-bench benches/rightsize/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/pare-rightsize-bench}
EVENTS=${EVENTS:-1000000}
PRINCIPALS=${PRINCIPALS:-10000}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p pare-cli -p pare-trailgen
mkdir -p "$OUT"
if [[ ! -d "$OUT/tree-$EVENTS-$PRINCIPALS" ]]; then
    "$TARGET/release/pare-trailgen" --out "$OUT/tree-$EVENTS-$PRINCIPALS" --events "$EVENTS" --principals "$PRINCIPALS" --seed 1 --level 1
fi
DB="$OUT/pare-$EVENTS-$PRINCIPALS.db"
if [[ ! -f "$DB" ]]; then
    /usr/bin/time -f "import: %e s, %M KiB max RSS" "$TARGET/release/pare" import --db "$DB" --cloudtrail "$OUT/tree-$EVENTS-$PRINCIPALS" > /dev/null
fi
echo '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' > "$OUT/admin.json"
rm -rf "$OUT/policies"
/usr/bin/time -f "rightsize --all: %e s, %U s user, %M KiB max RSS" \
    "$TARGET/release/pare" rightsize --db "$DB" --all --policy "$OUT/admin.json" --out "$OUT/policies"
awk -F, 'NR>1 && $2!="" {n++; t+=$6; a+=$5; if ($5!=$6) bad++} END {printf "RESULT principals=%d events=%d allowed=%d principals_with_denials=%d\n", n, t, a, bad}' "$OUT/policies/index.csv"
