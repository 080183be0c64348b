# Shared by the scripts in this folder: finds or installs what Lyceum needs,
# skipping whatever is already there. Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Tools live outside the clone so every clone (and CI) reuses them.
LYCEUM_TOOLS="${LYCEUM_TOOLS:-$HOME/.cache/lyceum-tools}"
CARGO_LEPTOS_VERSION="0.3.11"
export PATH="$LYCEUM_TOOLS/bin:$PATH"
# leptos reads this at compile time; setting it here as cargo-leptos does
# lets `cargo test` reuse the artifacts of `cargo leptos build`.
export LEPTOS_OUTPUT_NAME=lyceum
# Extra arguments cargo-leptos passes to the wasm build (set by use_toolchain).
LIB_CARGO_ARGS=()

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages that are not installed yet.
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    apt_refresh
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# Refreshes the package lists once per run: a machine image's lists may be
# months old and name versions that are no longer the newest (an old
# rustc-web among them) or no longer on the mirror.
apt_refresh() {
    [ -n "${APT_REFRESHED:-}" ] && return 0
    as_root apt-get update -q >/dev/null
    APT_REFRESHED=1
}

# Whether the cargo given (default: the one on PATH) is 1.96 or newer, the
# Rust cargo-leptos 0.3.11 needs.
cargo_is_new_enough() {
    "${1:-cargo}" --version | grep -qE 'cargo 1\.(9[6-9]|[1-9][0-9]{2})'
}

# Debian's rustc-web at 1.96 or newer. Upgrades an older one already installed.
debian_rust() {
    apt_install rustc-web cargo-web "$@"
    if ! cargo_is_new_enough /usr/bin/cargo; then
        say "upgrading Debian's rustc-web to 1.96 or newer"
        apt_refresh
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade rustc-web cargo-web "$@" >/dev/null
        cargo_is_new_enough /usr/bin/cargo || {
            echo "Debian's rustc-web is $(/usr/bin/cargo --version); Lyceum's build needs 1.96 or newer" >&2
            return 1
        }
    fi
}

# Picks the Rust toolchain for both halves of the build: rustup's, when it
# has (or can fetch) the wasm32 target; otherwise Debian's rustc-web, which
# builds the wasm32 standard library from source.
use_toolchain() {
    if [ "${LYCEUM_TOOLCHAIN:-auto}" != debian ] && command -v rustup >/dev/null \
        && { rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' \
             || timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }; then
        TOOLCHAIN=rustup
    else
        TOOLCHAIN=debian
        debian_rust rust-web-src lld-22
        export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
        export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
        LIB_CARGO_ARGS=(--lib-cargo-args=-Zbuild-std=std,panic_abort)
    fi
    say "Rust toolchain: $TOOLCHAIN ($(cargo --version))"
}

# cargo install into the tools folder, unless `$bin --version` already says `$version`.
cargo_tool() {
    local bin="$1" crate="$2" version="$3"; shift 3
    if "$LYCEUM_TOOLS/bin/$bin" --version 2>/dev/null | grep -q " $version\$\| $version "; then
        return 0
    fi
    say "installing $crate $version (once; this takes a few minutes)"
    # A build tool only has to run, not be fast: no LTO, many codegen units,
    # no debug info, and the optimisation level the caller asks for
    # (TOOL_OPT_LEVEL, default 1). The crates' own release profiles ask for
    # fat LTO at opt-level 3, which costs half an hour on two cores.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL="${TOOL_OPT_LEVEL:-1}" CARGO_PROFILE_RELEASE_DEBUG=false \
        CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_PROFILE_RELEASE_STRIP=true \
        CARGO_TARGET_DIR="$LYCEUM_TOOLS/build" \
        cargo install "$crate" --version "$version" --root "$LYCEUM_TOOLS" --force "$@"
    rm -rf "$LYCEUM_TOOLS/build"
}

# Everything needed to build and serve.
setup_build() {
    apt_install build-essential pkg-config
    use_toolchain
    # cargo-leptos 0.3.11 needs Rust 1.96; Debian's rustc-web has it when rustup's is older.
    if ! "$LYCEUM_TOOLS/bin/cargo-leptos" --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
        if cargo_is_new_enough; then
            TOOL_OPT_LEVEL=0 cargo_tool cargo-leptos cargo-leptos "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
        else
            debian_rust
            PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc \
                TOOL_OPT_LEVEL=0 cargo_tool cargo-leptos cargo-leptos "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
        fi
    fi
    # The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
    # (--locked fails for this version: a locked dependency left the registry.)
    local wb
    wb="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' "$ROOT/Cargo.lock")"
    cargo_tool wasm-bindgen wasm-bindgen-cli "$wb"
}

# wasm-opt, for release builds: the npm build of binaryen (Debian's is too old).
setup_wasm_opt() {
    if [ ! -x "$LYCEUM_TOOLS/bin/wasm-opt" ]; then
        say "installing wasm-opt (binaryen from npm)"
        npm install --silent --prefix "$LYCEUM_TOOLS/node" binaryen@125 >/dev/null
        ln -sf "$LYCEUM_TOOLS/node/node_modules/binaryen/bin/wasm-opt" "$LYCEUM_TOOLS/bin/wasm-opt"
    fi
}

# Lighthouse, for the benchmark's page scores: 12.8 is the newest line
# that runs on Node 20 (13 wants Node 22); it drives Debian's Chromium.
LIGHTHOUSE_VERSION="12.8.2"
setup_lighthouse() {
    apt_install chromium
    command -v npm >/dev/null || apt_install nodejs npm
    if ! "$LYCEUM_TOOLS/bin/lighthouse" --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
        say "installing Lighthouse $LIGHTHOUSE_VERSION (npm)"
        npm install --silent --no-audit --no-fund --prefix "$LYCEUM_TOOLS/node" "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
        ln -sf "$LYCEUM_TOOLS/node/node_modules/lighthouse/cli/index.js" "$LYCEUM_TOOLS/bin/lighthouse"
    fi
}

# Chromium and the Playwright packages, for the end-to-end tests.
setup_e2e() {
    apt_install chromium
    command -v npm >/dev/null || apt_install nodejs npm
    if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]; then
        say "installing end-to-end test packages"
        (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --silent)
    fi
}

# Python packages the tests use as independent peers and checkers (an SMTP
# relay that offers STARTTLS, an iCalendar parser, a JWT/JWKS verifier, a
# PDF reader, an OpenAPI validator, an API fuzzer that checks answers
# against the document, a webhook receiver's signature checks, a software
# passkey authenticator built from python-fido2's WebAuthn structures), in a
# virtual environment in the tools folder.
# icalendar stays on 6.x.
AIOSMTPD_VERSION="1.4.6"
ICALENDAR_VERSION="6.3.2"
PYJWT_VERSION="2.15.1"
CRYPTOGRAPHY_VERSION="50.0.2"
PYPDF_VERSION="7.1.1"
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
SCHEMATHESIS_VERSION="4.32.5"
STANDARDWEBHOOKS_VERSION="1.3.0"
PYOTP_VERSION="2.9.0"
FIDO2_VERSION="2.2.1"
# Read directly by check_openapi.py to validate webhook bodies (they come
# with openapi-spec-validator too; pinned here as used in their own right).
JSONSCHEMA_VERSION="4.26.0"
REFERENCING_VERSION="0.37.0"
setup_python_tools() {
    local venv="$LYCEUM_TOOLS/python"
    local wanted=("aiosmtpd==$AIOSMTPD_VERSION" "icalendar==$ICALENDAR_VERSION"
        "PyJWT[crypto]==$PYJWT_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION" "pypdf==$PYPDF_VERSION"
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
        "standardwebhooks==$STANDARDWEBHOOKS_VERSION" "pyotp==$PYOTP_VERSION"
        "fido2==$FIDO2_VERSION" "jsonschema==$JSONSCHEMA_VERSION" "referencing==$REFERENCING_VERSION")
    # Fails when a package is missing or at another version.
    if ! "$venv/bin/python" -c '
import sys
from importlib.metadata import version
sys.exit(any(version(r.split("==")[0].split("[")[0]) != r.split("==")[1] for r in sys.argv[1:]))
' "${wanted[@]}" 2>/dev/null; then
        say "installing the Python test tools (${wanted[*]})"
        python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
        "$venv/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}"
    fi
    export LYCEUM_TEST_PYTHON="$venv/bin/python"
}

# PostgreSQL server binaries, for the integration tests on PostgreSQL.
setup_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        apt_install postgresql
    fi
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
}

# Waits until `url` answers, up to `seconds`.
wait_for() {
    local url="$1" seconds="$2"
    for _ in $(seq 1 $((seconds * 4))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.25
    done
    echo "timed out waiting for $url" >&2
    return 1
}

# First free TCP port on loopback at or above $1.
free_port() {
    local port="$1"
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port"
}

# Starts a throwaway PostgreSQL cluster in a new folder under /tmp on a free
# loopback port, and sets PG_URL to its superuser connection. fsync is off:
# the cluster is deleted afterwards, so durability buys nothing.
start_postgres() {
    setup_postgres
    # Its own folder directly under /tmp, which the postgres user can reach.
    PG_DIR="$(mktemp -d /tmp/lyceum-pg.XXXXXX)"
    PG_RUN=()
    # PostgreSQL refuses to run as root.
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_DIR"
        PG_RUN=(runuser -u postgres --)
    fi
    "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U lyceum --auth=trust -E UTF8 --locale=C >/dev/null
    # A port found free can be taken before the server binds it (by a
    # connection's own end, say): then try the next one.
    local port=55432 attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port "$port")"
        if "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null; then
            PG_URL="postgres://lyceum@127.0.0.1:$port/postgres"
            return 0
        fi
        echo "PostgreSQL could not start on port $port (attempt $attempt):" >&2
        tail -n 3 "$PG_DIR/server.log" >&2
        port=$((port + 1))
    done
    return 1
}

# Shell commands (one quoted line each, in PG_STOP_CMD and PG_START_CMD)
# that stop the cluster start_postgres started and start it again on the
# same port with the same options: those in its postmaster.opts, which
# the server writes at start and a stop leaves in place. For a test that
# takes the database away and brings it back.
postgres_restart_commands() {
    local ctl=("${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data")
    # The server binary, then each of its arguments in double quotes.
    local options
    options="$(cut -d' ' -f2- "$PG_DIR/data/postmaster.opts")"
    PG_STOP_CMD="$(printf '%q ' "${ctl[@]}" -m fast -w stop)"
    PG_START_CMD="$(printf '%q ' "${ctl[@]}" -l "$PG_DIR/server.log" -w start -o "$options")"
}

stop_postgres() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    PG_DIR=""
}
