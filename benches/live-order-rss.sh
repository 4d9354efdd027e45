#!/usr/bin/env bash
# What a live order costs in memory: the server's RSS growth per order after a closed-loop
# create run, once with idle compaction off (every order keeps its whole state, as a freshly
# created one does) and once with it on (every idle order keeps only its summary, as a
# rehydrated one does). Each run starts `rampflow serve` on a fresh SQLite database and
# creates orders through `rampflow loadgen --target`; the orders stay live (the acceptance
# timeout is 10 minutes), so each one is an actor in memory when RSS is read.
#
#   benches/live-order-rss.sh            # 20 s of creates per run
#   DURATION=60s benches/live-order-rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/rampflow}
DURATION=${DURATION:-20s}
TOKEN=rss-admin-token

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

run() {
    local compact_after=$1
    local dir port pid before after live
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    RAMPFLOW_BIND="127.0.0.1:$port" RAMPFLOW_DATABASE_URL="sqlite://$dir/rampflow.db" \
        RAMPFLOW_DATA_DIR="$dir" RAMPFLOW_ADMIN_TOKEN=$TOKEN \
        RAMPFLOW_ACTORS__COMPACT_AFTER="$compact_after" RAMPFLOW_LOG_FORMAT=json RUST_LOG=warn \
        "$BIN" serve 2>"$dir/server.log" &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
    before=$(rss_kib "$pid")
    RAMPFLOW_ADMIN_TOKEN=$TOKEN "$BIN" loadgen --target "http://127.0.0.1:$port" \
        --scenario create --concurrency 64 --duration "$DURATION" --warmup 0s >"$dir/loadgen.txt"
    # Long enough for every order to have been idle past compact_after.
    sleep 3
    after=$(rss_kib "$pid")
    live=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/v1/ops/stats" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["actors"]["live"])')
    kill -TERM "$pid"
    wait "$pid" || true
    echo "compact_after=$compact_after live_orders=$live rss_before=${before}KiB rss_after=${after}KiB bytes_per_live_order=$(( (after - before) * 1024 / live ))"
    rm -rf "$dir"
}

run 0s      # compaction off: whole state, as freshly created
run 100ms   # compaction on: summary only, as rehydrated
