#!/usr/bin/env sh
# One entry point for people and CI: sets up .venv, then serves the app or runs every check.
#   scripts/dev.sh serve [podcast serve options]   run the service on http://127.0.0.1:8000
#   scripts/dev.sh test  [pytest options]          lint, format and type checks, the whole test suite
set -eu
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "error: need root to run: $*" >&2; return 1; fi
}

apt_install() {
    # Debian packages the project needs; installed only when missing.
    missing=""
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    echo "Installing Debian packages:$missing"
    as_root apt-get update -qq || return 1
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
            # Debian splits venv/ensurepip out of the base Python.
            rm -rf "$VENV"
            apt_install python3-venv
            "$PYTHON" -m venv "$VENV"
        fi
    fi
    stamp="$VENV/.installed-$(cksum pyproject.toml | cut -d' ' -f1)"
    if [ ! -f "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e '.[test,asr]'
        rm -f "$VENV"/.installed-* && touch "$stamp"
    fi
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    serve)
        setup
        exec "$VENV/bin/podcast" serve "$@"
        ;;
    test)
        setup
        # The browser tests drive Debian's Chromium (tests/web/test_browser.py); ffmpeg checks
        # our audio durations against what it decodes; nginx is the cluster test's load
        # balancer (scripts/cluster.sh, with curl). Without root those tests are skipped
        # (with a warning); on CI a failed install fails the run.
        # espeak-ng speaks for the ASR tests.
        if ! apt_install chromium ffmpeg espeak-ng nginx curl; then
            [ "${CI:-}" = "true" ] && exit 1
            echo "warning: could not install chromium, ffmpeg and nginx: their tests will be" \
                "skipped" >&2
        fi
        # Podcast Index's partytime and podparse read our feed back (tests/feed/test_js_parsers.py);
        # the machine's Node.js installs them from the npm registry, pinned by the lock file.
        if command -v npm >/dev/null 2>&1 && [ ! -d tests/feed/js/node_modules ]; then
            npm ci --no-audit --no-fund --silent --prefix tests/feed/js
        fi
        # Run the PostgreSQL half of the suite too when a local server answers (as on CI).
        if [ -z "${PODCAST_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
            && pg_isready -q -h 127.0.0.1 -p 5432; then
            export PODCAST_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
        fi
        "$VENV/bin/ruff" check .
        "$VENV/bin/ruff" format --check .
        "$VENV/bin/mypy"
        # One pytest worker per core (pytest-xdist); every worker has its own databases. A
        # module marked xdist_group (tests/cluster: one cluster for its tests) stays on one.
        exec "$VENV/bin/pytest" -n auto --dist loadgroup --durations=25 "$@"
        ;;
    *)
        echo "usage: scripts/dev.sh serve|test [options]" >&2
        exit 2
        ;;
esac
