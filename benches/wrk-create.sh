#!/usr/bin/env bash
# The wrk row of the benchmark table, in one command: wrk sends `POST /v1/orders` (the body of
# benches/wrk-create.lua) first to `rampflow floor`, then to `rampflow serve` on a fresh SQLite
# database, one after the other, and prints both rates and their ratio. The server gets what a
# create needs first (a wallet and its key, a partner, a user who granted that partner access),
# through the admin and wallet APIs, as the README's Load testing section shows by hand.
#
#   benches/wrk-create.sh                    # wrk -t2 -c64 -d10s, the issue's settings
#   DURATION=30s CONNECTIONS=128 benches/wrk-create.sh
#
# A run where any request failed measures nothing: the script says so and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/rampflow}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ADMIN=wrk-admin-token
JSON='Content-Type: application/json'

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs wrk against $1 and prints its requests per second; fails on any non-2xx answer.
wrk_rate() {
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s benches/wrk-create.lua "$1/v1/orders")
    echo "$out" >&2
    if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
        echo "wrk saw failed requests against $1: this run measures nothing" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The floor: the same HTTP stack answering at once; it checks no key.
port=$(free_port)
RUST_LOG=warn "$BIN" floor --bind "127.0.0.1:$port" 2>"$dir/floor.log" &
floor_pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
floor=$(wrk_rate "http://127.0.0.1:$port")
stop "$floor_pid"

# rampflow on a fresh SQLite database, with its default settings.
port=$(free_port)
base="http://127.0.0.1:$port"
RAMPFLOW_BIND="127.0.0.1:$port" RAMPFLOW_DATABASE_URL="sqlite://$dir/rampflow.db" \
    RAMPFLOW_DATA_DIR="$dir" RAMPFLOW_ADMIN_TOKEN=$ADMIN RUST_LOG=warn \
    "$BIN" serve 2>"$dir/server.log" &
server_pid=$!
trap 'stop "$server_pid"; rm -rf "$dir"' EXIT
until curl -sf "$base/readyz" >/dev/null; do sleep 0.1; done
WALLET_KEY=$(curl -sf -X POST "$base/v1/admin/wallets" -H "Authorization: Bearer $ADMIN" \
    -H "$JSON" -d '{"name":"wrk wallet"}' | jq -r .api_key)
PARTNER_ID=$(curl -sf -X POST "$base/v1/admin/partners" -H "Authorization: Bearer $ADMIN" \
    -H "$JSON" -d '{"name":"wrk partner"}' | jq -r .id)
USER_REF=u-wrk
curl -sf -o /dev/null -X PUT "$base/v1/users/$USER_REF" -H "Authorization: Bearer $WALLET_KEY" \
    -H "$JSON" -d '{"email":"wrk@example.com","country":"NG"}'
curl -sf -o /dev/null -X PUT "$base/v1/users/$USER_REF/grants/$PARTNER_ID" \
    -H "Authorization: Bearer $WALLET_KEY"
export WALLET_KEY PARTNER_ID USER_REF
rampflow=$(wrk_rate "$base")

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION: rampflow $rampflow req/s, floor $floor req/s," \
    "ratio $(python3 -c "print(f'{$rampflow / $floor:.2f}')")x"
