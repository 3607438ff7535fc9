#!/usr/bin/env bash
# Installs the peer tools for the benchmarks in a venv OUTSIDE the repository (never a dependency of Pare).
# Usage: benches/peers/setup.sh            (venv at $PEERS_VENV, default /tmp/peers-venv)
set -euo pipefail
VENV="${PEERS_VENV:-/tmp/peers-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'policy_sentry==0.15.2'
"$VENV/bin/python" -c 'import importlib.metadata as m; print("policy_sentry", m.version("policy_sentry"), "in", __import__("sys").prefix)'
