# Sourced by scripts/demo and scripts/test: makes .venv with readerfund installed.
# Usage: bootstrap_python [extra]   e.g. bootstrap_python dev
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@";
  else return 1; fi
}

apt_install() {
  echo "readerfund: installing Debian packages: $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "readerfund needs Python 3.11 or newer (python3 --version)." >&2
  return 1
}

bootstrap_python() {
  local extra="${1:-}" spec="$ROOT" stamp="$VENV/.installed${1:+-$1}"
  [ -n "$extra" ] && spec="$ROOT[$extra]"
  if [ ! -x "$VENV/bin/python" ]; then
    local python; python="$(find_python)"
    # Debian splits venv/ensurepip into python3-venv; install it when we may.
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      local version; version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt_install "python$version-venv" || {
        echo "readerfund: cannot create a virtualenv; install python3-venv." >&2; return 1; }
      "$python" -m venv "$VENV"
    fi
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "readerfund: installing Python packages into .venv …" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
    touch "$stamp"
  fi
}

bootstrap_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return 0; fi
  apt_install chromium chromium-driver || {
    echo "readerfund: browser tests need Debian's chromium; run: sudo apt-get install chromium chromium-driver" >&2
    return 1; }
}

# The deploy tests run Debian's nginx on deploy/nginx/readerfund.conf with a throwaway
# certificate made by openssl (readerfund/tests/test_deploy.py).
bootstrap_nginx() {
  if { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && command -v openssl >/dev/null; then
    return 0
  fi
  apt_install nginx openssl || {
    echo "readerfund: the deploy tests need Debian's nginx; run: sudo apt-get install nginx openssl" >&2
    return 1; }
}

bootstrap_postgres_server() {
  # Tests and scripts/cluster start throwaway PostgreSQL servers of their own (initdb in a
  # temporary directory), so that they can stop the database at will.
  if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then return 0; fi
  apt_install postgresql || {
    echo "readerfund: the outage tests need PostgreSQL's server binaries; run: sudo apt-get install postgresql" >&2
    return 1; }
}

# The embed's build tools (esbuild) and axe-core for the accessibility tests, pinned by
# package-lock.json into node_modules/. Node 18+ and npm; Debian's when missing.
bootstrap_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm || {
      echo "readerfund: the embed's build and the accessibility tests need Node and npm; run: sudo apt-get install nodejs npm" >&2
      return 1; }
  fi
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] ||
    [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    echo "readerfund: installing the embed's build tools into node_modules …" >&2
    (cd "$ROOT" && npm ci --no-audit --no-fund --silent)
  fi
}
