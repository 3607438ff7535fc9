#!/usr/bin/env bash
# Installs the peer for benches/findings/run.sh in a venv OUTSIDE the repository (never a dependency of Pare):
# cloudsplaining 0.9.1 from PyPI. Idempotent. CLOUDSPLAINING_VENV overrides the location.
set -euo pipefail
VENV=${CLOUDSPLAINING_VENV:-/tmp/cloudsplaining-venv}
if [[ ! -x "$VENV/bin/cloudsplaining" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet cloudsplaining==0.9.1
fi
"$VENV/bin/cloudsplaining" --version
