#!/usr/bin/env bash
# Where the time goes when N rampflow nodes share one PostgreSQL database (pg_stat_statements
# is not needed): runs `rampflow loadgen --spawn-cluster N` and, in the middle of its window,
#
#   1. the CPU each side used, from /proc: the PostgreSQL processes (the backends serving the
#      run's database, and the server's own: WAL writer, checkpointer...), the rampflow nodes,
#      the load generator, and the whole machine (what is left is other people's work);
#   2. what the run's backends were doing, sampled every 10 ms from pg_stat_activity by one
#      session: running a statement (by statement), waiting (by wait event), or idle in a
#      transaction (the node is between two statements of its transaction);
#   3. the database's commits and WAL bytes over the same time, per second;
#   4. with PERF=1, a perf profile of the backends and the WAL writer, by binary and symbol.
#
# Usage: benches/cluster-db-time.sh [NODES] [SCENARIO] [SAMPLE_SECONDS]
#   NODES defaults to 3, SCENARIO to create (64 connections, closed loop), SAMPLE_SECONDS to 10.
# Needs target/release/rampflow, psql, and PostgreSQL at $PGHOST:$PGPORT as $PGUSER
# (127.0.0.1:5432 postgres by default), on this machine (its processes are read in /proc).
set -euo pipefail

nodes=${1:-3}
scenario=${2:-create}
sample=${3:-10}
bin=${BIN:-target/release/rampflow}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
psql=(psql -X -At -v ON_ERROR_STOP=1)
out=$(mktemp -d)
warmup=5

case $scenario in
  lifecycle) load=(--scenario lifecycle --concurrency 32) ;;
  *) load=(--scenario "$scenario" --concurrency 64) ;;
esac
RUST_LOG=warn "$bin" loadgen --spawn-cluster "$nodes" "${load[@]}" --warmup "${warmup}s" \
  --duration "$((sample + 10))s" --json "$out/run.json" >"$out/loadgen.out" 2>&1 &
loadgen=$!
trap 'kill -INT $loadgen 2>/dev/null || true' INT TERM

until grep -q "ready and balanced" "$out/loadgen.out"; do
  kill -0 $loadgen 2>/dev/null || { cat "$out/loadgen.out"; exit 1; }
  sleep 0.2
done
database=$(grep -o 'rampflow_loadgen_[0-9a-f]*' "$out/loadgen.out" | head -1)
sleep $((warmup + 3))

# Clock ticks (utime + stime) of every thread of the given processes.
ticks() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo $total
}
backends=$("${psql[@]}" -d postgres -c \
  "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE datname = '$database'")
server=$(pgrep -u postgres -x postgres | tr '\n' ' ')
node_pids=$(pgrep -P $loadgen | tr '\n' ' ')
read -r -a backends <<<"$backends"
read -r -a server <<<"$server"
read -r -a node_pids <<<"$node_pids"
# The server's own processes: every postgres process but the backends of any database.
clients=" $("${psql[@]}" -d postgres -c \
  "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE datname IS NOT NULL") "
own=()
for pid in "${server[@]}"; do
  [[ $clients == *" $pid "* ]] || own+=("$pid")
done
walwriter=$("${psql[@]}" -d postgres -c \
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")

# Commits of the run's database and the WAL position, beside the clock.
counters() {
  "${psql[@]}" -d postgres -F ' ' -c "SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn
    FROM pg_stat_database WHERE datname = '$database'"
}
# Busy clock ticks of the whole machine (user, nice, system, irq, softirq, steal).
machine() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
read -r commits_before wal_before <<<"$(counters)"
started=$(date +%s.%N)
before=("$(ticks "${backends[@]}")" "$(ticks "${own[@]}")" "$(ticks "${node_pids[@]}")" "$(ticks $loadgen)" "$(machine)")
if [ "${PERF:-0}" = 1 ]; then
  pids=$(echo "${backends[@]}" "$walwriter" | tr ' ' ',')
  perf record -q -F 999 -g -p "$pids" -o "$out/perf.data" -- sleep "$sample" 2>/dev/null &
  perf_pid=$!
fi
"${psql[@]}" -d "$database" >"$out/activity.txt" <<SQL
CREATE TEMP TABLE samples (state text, wait text, query text);
DO \$\$
BEGIN
  FOR i IN 1..($sample * 100) LOOP
    INSERT INTO samples
      SELECT state,
             coalesce(wait_event_type || ':' || wait_event, ''),
             left(regexp_replace(query, '\s+', ' ', 'g'), 90)
        FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND backend_type = 'client backend';
    PERFORM pg_stat_clear_snapshot();
    PERFORM pg_sleep(0.01);
  END LOOP;
END
\$\$;
SELECT count(*) FROM samples;
SELECT state, wait, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1)
  FROM samples GROUP BY 1, 2 ORDER BY 3 DESC;
SELECT '--- running, by statement';
SELECT count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1), wait, query
  FROM samples WHERE state = 'active' GROUP BY 3, 4 ORDER BY 1 DESC LIMIT 25;
SELECT '--- idle in transaction, after statement';
SELECT count(*), query FROM samples WHERE state = 'idle in transaction'
  GROUP BY 2 ORDER BY 1 DESC LIMIT 10;
SQL
after=("$(ticks "${backends[@]}")" "$(ticks "${own[@]}")" "$(ticks "${node_pids[@]}")" "$(ticks $loadgen)" "$(machine)")
ended=$(date +%s.%N)
read -r commits_after wal_after <<<"$(counters)"
[ -n "${perf_pid:-}" ] && wait "$perf_pid"
hz=$(getconf CLK_TCK)
elapsed=$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')

wait $loadgen || true
echo "== $nodes nodes, $scenario: $(grep -A3 '^rampflow on\|^rampflow at' "$out/loadgen.out" | grep '  all' || true)"
awk -v c=$((commits_after - commits_before)) -v w=$((wal_after - wal_before)) -v s="$elapsed" \
  'BEGIN { printf "== %.1f s sampled: %.0f commits/s, %.2f MB/s of WAL (the whole server)\n", s, c / s, w / s / 1e6 }'
echo "== CPU (cores busy)"
labels=("postgres backends of the run (${#backends[@]})" "postgres server processes" "rampflow nodes ($nodes)" "load generator" "the whole machine ($(nproc) cores)")
for i in 0 1 2 3 4; do
  awk -v a="${before[$i]}" -v b="${after[$i]}" -v hz="$hz" -v s="$elapsed" -v l="${labels[$i]}" \
    'BEGIN { printf "  %-40s %5.2f cores\n", l, (b - a) / hz / s }'
done
echo "== pg_stat_activity, the run's backends, every 10 ms"
cat "$out/activity.txt"
if [ -f "$out/perf.data" ]; then
  echo "== perf, backends and WAL writer, self time by binary, then by symbol"
  perf report -i "$out/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null \
    | grep -v '^#' | grep '%' | head -8
  perf report -i "$out/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null \
    | grep -v '^#' | grep '%' | head -30
fi
echo "(raw output in $out)"
