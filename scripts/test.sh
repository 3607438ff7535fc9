#!/usr/bin/env bash
# The project's test command: sets the machine up, then runs every check the
# workspace has (UI checks and build, rustfmt, clippy, cargo test). Every step
# runs even when an earlier one failed; the script exits non-zero if any did.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Keep build output outside the clone so CI's fresh clones reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pare-target}"
export PATH="$HOME/.cargo/bin:$PATH"
# moto_server for the live-scan tests (scripts/setup.sh installs it there when it is not on PATH).
export PATH="$PATH:${PARE_MOTO_VENV:-$HOME/.cache/pare-moto}/bin"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

START=$SECONDS
FAILED=()

step() {
    local name="$1"
    shift
    local t0=$SECONDS
    printf '\n==> %s\n' "$name"
    if "$@"; then
        printf '<== %s: ok (%ss)\n' "$name" "$((SECONDS - t0))"
    else
        printf '<== %s: FAILED (%ss)\n' "$name" "$((SECONDS - t0))"
        FAILED+=("$name")
    fi
}

if ! step "setup" bash "$ROOT/scripts/setup.sh"; then :; fi
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "setup failed; not running the checks" >&2
    exit 1
fi
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

# The desktop E2E test needs a display: start a virtual one when there is none.
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
    XVFB_DISPLAY_FILE="$(mktemp)"
    # -displayfd: Xvfb picks a free display number and writes it to fd 3.
    Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$XVFB_DISPLAY_FILE" >/dev/null 2>&1 &
    XVFB_PID=$!
    trap 'kill "$XVFB_PID" 2>/dev/null; rm -f "$XVFB_DISPLAY_FILE"' EXIT
    for _ in $(seq 100); do
        [ -s "$XVFB_DISPLAY_FILE" ] && break
        sleep 0.1
    done
    export DISPLAY=":$(head -n 1 "$XVFB_DISPLAY_FILE")"
    echo "started Xvfb on $DISPLAY (pid $XVFB_PID)"
fi

# The UI comes first: the desktop crate embeds ui/dist at compile time.
step "ui: @tauri-apps imports only in src/ipc/" npm --prefix ui run --silent check:imports
step "ui: typecheck" npm --prefix ui run --silent typecheck
step "ui: unit tests" npm --prefix ui test --silent
step "ui: build (ui/dist)" npm --prefix ui run --silent build

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
step "cargo test" cargo test --workspace --no-fail-fast

printf '\ntest.sh finished in %ss\n' "$((SECONDS - START))"
if [ "${#FAILED[@]}" -gt 0 ]; then
    printf 'failed steps:\n'
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "all steps passed"
