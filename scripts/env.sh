# Shared set-up for scripts/start, scripts/test and .ci/run; source it, do not run it.
# Installs uv and the project's packages, and finds (or starts) PostgreSQL on request.

export UV_PYTHON_DOWNLOADS=never
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$PROJECT_ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV=(uv)
  elif python3 -m uv --version >/dev/null 2>&1; then
    UV=(python3 -m uv)
  else
    log "Installing uv"
    python3 -m pip install --quiet --disable-pip-version-check uv || die "could not install uv"
    UV=(python3 -m uv)
  fi
}

sync_packages() {
  ensure_uv
  log "Installing Python packages (uv sync)"
  "${UV[@]}" sync --locked --quiet || die "uv sync failed"
  PY="$PROJECT_ROOT/.venv/bin/python"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_debian_packages() {
  # ensure_debian_packages BINARY_OR_PACKAGE...: install what is missing, once.
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "could not install ${missing[*]}"
}

pg_answers() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
}

ensure_postgres() {
  # Sets DATABASE_URL to a PostgreSQL server that answers: the one given, the local one
  # on 127.0.0.1:5432, or a throwaway cluster started from the installed binaries.
  if [ -n "${DATABASE_URL:-}" ]; then
    case "$DATABASE_URL" in postgres*) ;; *) die "DATABASE_URL must point at PostgreSQL for the tests";; esac
    pg_answers "$DATABASE_URL" || die "PostgreSQL at DATABASE_URL does not answer"
    return 0
  fi
  local local_url="postgres://postgres@127.0.0.1:5432/postgres"
  if pg_answers "$local_url"; then
    export DATABASE_URL="$local_url"
    return 0
  fi
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bindir/initdb" ] || die "no PostgreSQL server answers and no PostgreSQL binaries are installed"
  local dir port=55432
  dir=$(mktemp -d /tmp/pg-throwaway.XXXXXX)
  log "Starting a throwaway PostgreSQL cluster in $dir on port $port"
  local run=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null || die "initdb failed"
  "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" \
    -l "$dir/log" -w start >/dev/null || die "could not start PostgreSQL"
  THROWAWAY_PG=("${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast stop)
  THROWAWAY_DIR="$dir"
  trap 'stop_throwaway_postgres' EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
  if [ -n "${THROWAWAY_PG:-}" ]; then "${THROWAWAY_PG[@]}" >/dev/null 2>&1 || true; fi
  if [ -n "${THROWAWAY_DIR:-}" ]; then rm -rf "$THROWAWAY_DIR"; fi
}
