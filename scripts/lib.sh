# Shared helpers for scripts/up.sh, scripts/test.sh and .ci/run.
# Each ensure_* uses what is configured and reachable, else starts a local one (installing Debian's
# package when missing) and says what it did.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# State (pids, logs, demo.json) of one stack; `npm test` runs its own stack under .aitk/e2e.
AITK_DIR="${AITK_STATE:-$ROOT/.aitk}"
mkdir -p "$AITK_DIR/logs" "$AITK_DIR/pids"

export NEXT_TELEMETRY_DISABLED=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
export CHECKPOINT_DISABLE=1

say() { printf '\033[1;36m[aitk]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m[aitk]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[aitk]\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || die "cannot install $*: no apt-get on this machine; install it yourself and re-run"
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq >/dev/null 2>&1 || warn "apt-get update failed"
    APT_UPDATED=1
  fi
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$AITK_DIR/logs/apt.log" 2>&1 ||
    die "apt-get install $* failed (see .aitk/logs/apt.log)"
}

# Loads .env (creating it from .env.example with fresh secrets the first time).
load_env() {
  if [ ! -f "$ROOT/.env" ]; then
    local secret nextauth
    secret=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
    nextauth=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
    sed -e "s|^AITK_SECRET_KEY=.*|AITK_SECRET_KEY=$secret|" -e "s|^NEXTAUTH_SECRET=.*|NEXTAUTH_SECRET=$nextauth|" \
      "$ROOT/.env.example" >"$ROOT/.env"
    say "wrote .env with fresh secrets (from .env.example)"
  fi
  # Variables already set in the environment win over .env (scripts/test.sh relies on it).
  local line key
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key=${line%%=*}
    # An empty value means "not set", so each app's own default applies.
    [ -n "${line#*=}" ] || continue
    [ -n "${!key+x}" ] || export "$line"
  done <"$ROOT/.env"
}

url_host() { node -e 'const u=new URL(process.argv[1]);console.log(u.hostname||"127.0.0.1")' "$1"; }
url_port() { node -e 'const u=new URL(process.argv[1]);console.log(u.port||process.argv[2])' "$1" "$2"; }

ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules/.bin" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

ensure_postgres() {
  local host port
  host=$(url_host "$DATABASE_URL"); port=$(url_port "$DATABASE_URL" 5432)
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null || node -e '
      const s=require("net").connect(+process.argv[2],process.argv[1]);s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));' "$host" "$port"; then
    say "Postgres reachable at $host:$port"
    return
  fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *) die "Postgres at $host:$port (DATABASE_URL) is not reachable" ;; esac
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  local ver
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting local Postgres $ver cluster"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || as_root pg_ctlcluster "$ver" main start ||
    die "could not start Postgres"
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
  # A fresh Debian cluster wants a password over TCP: give the postgres role the one in DATABASE_URL.
  local pw
  pw=$(node -e 'console.log(decodeURIComponent(new URL(process.argv[1]).password||""))' "$DATABASE_URL")
  if [ -n "$pw" ]; then
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD '$pw'\"" >/dev/null 2>&1 || true
  fi
  pg_isready -q -h 127.0.0.1 -p "$port" || die "Postgres did not come up"
}

ensure_redis() {
  local host port
  host=$(url_host "$REDIS_URL"); port=$(url_port "$REDIS_URL" 6379)
  if node -e '
      const s=require("net").connect(+process.argv[2],process.argv[1]);s.on("connect",()=>{s.write("PING\r\n")});
      s.on("data",d=>process.exit(String(d).includes("PONG")?0:1));s.on("error",()=>process.exit(1));setTimeout(()=>process.exit(1),2000)' "$host" "$port"; then
    say "Redis reachable at $host:$port"
    return
  fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *) die "Redis at $host:$port (REDIS_URL) is not reachable" ;; esac
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting local Redis on port $port"
  mkdir -p "$AITK_DIR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$AITK_DIR/redis" --logfile "$AITK_DIR/logs/redis.log" || die "could not start Redis"
  for _ in $(seq 1 20); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.5; done
  die "Redis did not come up"
}

ensure_docker() {
  local sock="${DOCKER_SOCKET:-/var/run/docker.sock}"
  if [ -S "$sock" ] && docker -H "unix://$sock" info >/dev/null 2>&1; then
    say "Docker engine reachable at $sock"
    return
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  say "starting dockerd (no bridge, no iptables: containers use host or no networking)"
  as_root sh -c "nohup dockerd --bridge=none --iptables=false >'$AITK_DIR/logs/dockerd.log' 2>&1 &"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && { say "Docker engine up"; return; }; sleep 1; done
  warn "Docker engine did not come up (see .aitk/logs/dockerd.log); Docker features will show the host unhealthy"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  apt_install chromium
}

# The Docker build tests make their base images FROM scratch out of this machine's busybox (nothing
# can be pulled), so it must be the static one (busybox-static; Debian's plain busybox needs libc).
ensure_busybox() {
  [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 && return
  apt_install busybox-static
}

# Starts a named background process in its own process group (so stopping it also stops whatever it
# spawned), logging to $AITK_DIR/logs/NAME.log, pid in $AITK_DIR/pids/NAME.pid.
start_bg() {
  local name="$1"; shift
  stop_bg "$name"
  (
    cd "$ROOT" || exit 1
    setsid nohup "$@" >"$AITK_DIR/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$AITK_DIR/pids/$name.pid"
  )
}

stop_bg() {
  local f="$AITK_DIR/pids/$1.pid"
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

wait_http() {
  local url="$1" name="$2" tries="${3:-120}"
  for _ in $(seq 1 "$tries"); do
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))' "$url"; then
      return 0
    fi
    sleep 1
  done
  warn "$name did not answer at $url; last log lines:"
  tail -n 30 "$AITK_DIR/logs/$name.log" >&2 2>/dev/null
  return 1
}
