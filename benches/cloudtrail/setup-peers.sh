#!/usr/bin/env bash
# Installs the peer for benches/cloudtrail/run.sh in a venv OUTSIDE the repository (never a dependency of
# Pare): trailscraper 0.10.0 from PyPI. Idempotent. TRAILSCRAPER_VENV overrides the location.
set -euo pipefail
VENV=${TRAILSCRAPER_VENV:-/tmp/trailscraper-venv}
if [[ ! -x "$VENV/bin/trailscraper" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet trailscraper==0.10.0
fi
"$VENV/bin/trailscraper" --version
