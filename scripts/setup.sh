#!/usr/bin/env bash
# Idempotent setup for a fresh Debian/Ubuntu machine: system packages for the
# Tauri desktop shell, a Rust toolchain (only if cargo is missing), and the UI's
# npm dependencies from the committed package-lock.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    fi
fi

# System packages (names measured to exist on Debian 12; see shared notes).
APT_PACKAGES=(
    curl
    ca-certificates
    pkg-config
    build-essential
    libssl-dev
    libwebkit2gtk-4.1-dev
    webkit2gtk-driver
    xvfb
    libayatana-appindicator3-dev
    librsvg2-dev
    # `pare review report --format pdf` prints with headless Chromium; the report tests open the HTML in it
    # and read the PDF's text with pdftotext.
    chromium
    poppler-utils
    python3
    python3-venv
)

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        if [ "$status" != "install ok installed" ]; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update
        $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
    else
        log "system packages already installed"
    fi
else
    log "not a Debian/Ubuntu machine (no apt-get/dpkg-query); skipping system packages"
fi

# Rust toolchain, only when cargo is missing.
if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        log "installing Rust via rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
            | sh -s -- -y --profile minimal --component rustfmt,clippy
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi

# rustfmt and clippy, which scripts/test.sh runs.
if command -v rustup >/dev/null 2>&1; then
    for component in rustfmt clippy; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
            log "adding rustup component ${component}"
            rustup component add "${component}"
        fi
    done
fi

# tauri-driver drives the desktop window in the end-to-end test (WebKitWebDriver is the
# webkit2gtk-driver package above).
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked
fi

# Node.js 20.19+ and npm for the UI (Vite 8 needs it). Debian's own nodejs is
# older on some releases; the check below then says so plainly.
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    log "installing nodejs and npm from the distribution"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y --no-install-recommends nodejs npm
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "node and npm are required for ui/ (Node.js 20.19 or newer)"
    exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    log "Node.js $(node --version) is too old for ui/: 20.19 or newer is needed"
    exit 1
fi

# UI dependencies, from the lockfile. Skip when node_modules is already in sync
# with package-lock.json (npm writes node_modules/.package-lock.json).
UI="$ROOT/ui"
if [ -f "$UI/package-lock.json" ]; then
    if [ -f "$UI/node_modules/.package-lock.json" ] \
        && [ "$UI/node_modules/.package-lock.json" -nt "$UI/package-lock.json" ]; then
        log "ui/node_modules up to date"
    else
        log "npm ci in ui/"
        (cd "$UI" && npm ci --no-audit --no-fund --prefer-offline)
    fi
fi

# moto in server mode, an AWS-compatible server on loopback for the `pare scan` tests (they start and
# stop it themselves). Installed into its own virtualenv, which scripts/test.sh puts on PATH.
MOTO_VENV="${PARE_MOTO_VENV:-$HOME/.cache/pare-moto}"
if command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; then
    log "moto_server already installed"
elif [ -x "$MOTO_VENV/bin/moto_server" ]; then
    log "moto_server already installed in $MOTO_VENV"
else
    log "installing moto[server] into $MOTO_VENV"
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
fi

log "done"
