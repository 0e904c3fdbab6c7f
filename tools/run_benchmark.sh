#!/usr/bin/env bash
# The benchmark (SPEC §8, the performance issues). Builds kaikud, kaiku_loadgen and
# kaiku_baseline, then, on this machine with the load generator beside the server:
#   1. max rate: a fresh kaikud under the realistic workload (kaiku_loadgen
#      --workload=live: events sent when they happen, at human pace, 1 % late, 0.5 % of
#      requests retried, 8 sites with skewed traffic) offered BENCH_OFFERED events/s
#      (default 150000) for BENCH_SECONDS (default 600), a subscriber attached:
#      events stored per second, server CPU per event (/proc, all threads), peak RSS,
#      bytes per cached visitor, write amplification, stall time, and what the server
#      did: score events by kind, recomputations, state cache hits, keys and bytes
#      written per column family;
#   2. half rate: a fresh kaikud at half the rate phase 1 stored, for
#      BENCH_LATENCY_SECONDS (default 120): publish-ack and event->score p50/p99/p99.9;
#   3. the decay stress test (--workload=compressed: simulated days pass in seconds, so
#      every visitor's level rises and decays within the run) at the maximum rate for
#      BENCH_STRESS_SECONDS (default 120);
#   4. replays of the public datasets in KAIKU_DATA_DIR (default ../shared/data; those
#      present) at the maximum rate, BENCH_REPLAY_SECONDS each at most (default 60);
#   5. baselines, BENCH_BASELINE_SECONDS each (default 60), the same realistic stream
#      written as fast as they take it: raw RocksDB (visitor-first keys, day-bucketed
#      keys, time-first keys, and Kaiku's time-first log + visitor index), Redis (Lua script per event, AOF everysec, pipelined),
#      PostgreSQL (batched insert + upsert, synchronous_commit=off) — both servers
#      started here on loopback;
# and prints the table with the ratios, writes it to $BENCH_DIR/results.md and plots
# throughput and latency over time to $BENCH_DIR/benchmark.png.
#
#   bash tools/run_benchmark.sh                      # about 25 minutes
#   BENCH_SECONDS=60 BENCH_LATENCY_SECONDS=30 BENCH_STRESS_SECONDS=30 \
#     BENCH_REPLAY_SECONDS=20 BENCH_BASELINE_SECONDS=20 \
#     bash tools/run_benchmark.sh                    # a smoke run, about 6 minutes
#   BENCH_REPORT_ONLY=1 bash tools/run_benchmark.sh  # the table and plot of the last run again
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${BENCH_SECONDS:-600}"
latency_seconds="${BENCH_LATENCY_SECONDS:-120}"
baseline_seconds="${BENCH_BASELINE_SECONDS:-60}"
stress_seconds="${BENCH_STRESS_SECONDS:-120}"
replay_seconds="${BENCH_REPLAY_SECONDS:-60}"
offered="${BENCH_OFFERED:-150000}"
sites="${BENCH_SITES:-8}"
visitors="${BENCH_VISITORS:-200000}"
data_dir="${KAIKU_DATA_DIR:-$root/../shared/data}"
build="${KAIKU_BUILD_DIR:-$root/build}"
out="${BENCH_DIR:-$build/bench}"

bash "$root/tools/setup/install_bench_deps.sh"
# Configured before the benchmark's packages were there: look for them again.
if [ -f "$build/build.ninja" ]; then cmake -S "$root" -B "$build" > /dev/null; fi
bash "$root/tools/build.sh" kaikud kaiku_loadgen kaiku_baseline
kaikud="$build/services/kaikud/kaikud"
loadgen="$build/tools/loadgen/kaiku_loadgen"
baseline="$build/tools/baselines/kaiku_baseline"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

source "$root/tools/kaikud.sh"
redis_pid=""
pg_data=""
cleanup() {
  stop_kaikud
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2> /dev/null || true; fi
  if [ -n "$pg_data" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg_data" -m fast stop > /dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# CPU ticks of a process, its threads, its reaped children and its live children.
cpu_ticks() {
  local t c
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat")
  for c in $(ps -o pid= --ppid "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat" 2> /dev/null || echo 0)))
  done
  echo "$t"
}
ticks_per_second=$(getconf CLK_TCK)
# "key value" file lookup.
field() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
# µs of CPU per event from a tick difference and an event count.
per_event_us() {
  awk -v t="$1" -v n="$2" -v hz="$ticks_per_second" 'BEGIN {printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0)}'
}
metric() {  # sum of a metric's samples in a /metrics text
  awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $2} END {printf "%.0f", s}' "$1"
}
scrape() {
  local port
  port=$(cat "$1/metrics.port")
  exec 3<> "/dev/tcp/127.0.0.1/$port"
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}

# One API key per site, in a keys file for kaikud and a list for kaiku_loadgen.
make_keys() {
  local i key
  : > "$out/keys"
  tenant_keys=""
  for i in $(seq 0 $((sites - 1))); do
    key="bench-site$i-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
    echo "$(printf %s "$key" | sha256sum | cut -d' ' -f1) site$i ingest,subscribe" >> "$out/keys"
    tenant_keys="$tenant_keys${tenant_keys:+,}$key"
  done
}

# Runs kaikud fresh with the load generator's flags; leaves $1.summary, .metrics,
# .series and "cpu_ticks", "peak_rss_kb" lines in the summary.
kaiku_phase() {
  local name=$1
  shift
  local data="$out/$name.data"
  KAIKUD_STDERR="$out/$name.kaikud.log" start_kaikud "$kaikud" "$data" --keys_file="$out/keys"
  local before after
  before=$(cpu_ticks "$server")
  "$loadgen" --tenant_keys="$tenant_keys" --subscribe --series="$out/$name.series" "$@" \
    > "$out/$name.summary" 2> "$out/$name.loadgen.log" || true
  after=$(cpu_ticks "$server")
  scrape "$data" > "$out/$name.metrics"
  {
    echo "cpu_ticks $((after - before))"
    echo "peak_rss_kb $(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
  } >> "$out/$name.summary"
  stop_kaikud
  du -sk "$data" | awk '{print "data_kb", $1}' >> "$out/$name.summary"
  rm -rf "$data"
}

if [ -z "${BENCH_REPORT_ONLY:-}" ]; then
rm -rf "$out"
mkdir -p "$out"
make_keys
echo "== 1/5 kaikud under the realistic workload, $offered events/s offered over $sites sites, for $seconds s"
kaiku_phase max --rate="$offered" --duration="$seconds"
max_rate=$(field "$out/max.summary" events_per_second)
echo "   $max_rate events/s stored"
half=$((${max_rate%.*} / 2))
printf 'seconds=%s\nlatency_seconds=%s\nbaseline_seconds=%s\nstress_seconds=%s\nreplay_seconds=%s\noffered=%s\nsites=%s\nvisitors=%s\nhalf=%s\n' \
  "$seconds" "$latency_seconds" "$baseline_seconds" "$stress_seconds" "$replay_seconds" \
  "$offered" "$sites" "$visitors" "$half" > "$out/params"
echo "== 2/5 kaikud at half that rate ($half events/s) for $latency_seconds s"
kaiku_phase half --rate="$half" --duration="$latency_seconds"
echo "== 3/5 the decay stress test (compressed time, $visitors visitors active) at the maximum rate for $stress_seconds s"
kaiku_phase stress --workload=compressed --rate=0 --visitors="$visitors" --duration="$stress_seconds"
echo "== 4/5 replays of the public datasets in $data_dir, at most $replay_seconds s each"
declare -A csvs=(
  [taobao]="$data_dir/taobao-sample/train.csv"
  [rees46]="$data_dir/rees46-sample/train.csv"
  [uci]="$data_dir/uci-online-shoppers/train.csv"
)
for d in taobao rees46 uci; do
  if [ -f "${csvs[$d]}" ]; then
    kaiku_phase "replay_$d" --dataset="$d" --csv="${csvs[$d]}" --rate=0 --duration="$replay_seconds"
  else
    echo "   ${csvs[$d]} is missing: no $d replay"
  fi
done

# Baseline runs: $1 name, $2 server pid ("" for in-process), rest kaiku_baseline flags.
baseline_phase() {
  local name=$1 pid=$2
  shift 2
  local before=0 after=0
  if [ -n "$pid" ]; then before=$(cpu_ticks "$pid"); fi
  "$baseline" --workload=live --rate="$offered" --tenants="$sites" --duration="$baseline_seconds" "$@" \
    > "$out/$name.summary" 2> "$out/$name.log"
  sleep 1  # PostgreSQL's backends exit after the client; their CPU is then reaped
  if [ -n "$pid" ]; then
    after=$(cpu_ticks "$pid")
    echo "cpu_ticks $((after - before))" >> "$out/$name.summary"
  else
    awk -v hz="$ticks_per_second" '$1 == "client_cpu_seconds" {printf "cpu_ticks %.0f\n", $2 * hz}' \
      "$out/$name.summary" >> "$out/$name.summary"
  fi
}

echo "== 5/5 baselines, $baseline_seconds s each"
echo "   making the events alone (their cost is in the raw RocksDB figures)"
baseline_phase none "" --target=none
echo "   raw RocksDB, records under visitor-first keys (the old timeline)"
baseline_phase rocksdb "" --target=rocksdb --path="$out/rocksdb.data"
rm -rf "$out/rocksdb.data"
echo "   raw RocksDB, day-bucketed keys"
baseline_phase rocksdb_day "" --target=rocksdb-day-bucketed --path="$out/rocksdb_day.data"
rm -rf "$out/rocksdb_day.data"
echo "   raw RocksDB, time-first keys"
baseline_phase rocksdb_time "" --target=rocksdb-time-first --path="$out/rocksdb_time.data"
rm -rf "$out/rocksdb_time.data"
echo "   raw RocksDB, time-first log + visitor index (Kaiku's layout)"
baseline_phase rocksdb_log "" --target=rocksdb-log-index --path="$out/rocksdb_log.data"
rm -rf "$out/rocksdb_log.data"

echo "   Redis (Lua per event, appendonly, appendfsync everysec, pipelined)"
mkdir -p "$out/redis"
redis_port=$((20000 + RANDOM % 20000))
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$out/redis" --appendonly yes \
  --appendfsync everysec --save "" --daemonize no > "$out/redis.server.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
baseline_phase redis "$redis_pid" --target=redis --redis_port="$redis_port"
redis-cli -p "$redis_port" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print "used_memory", $2}' \
  >> "$out/redis.summary"
kill "$redis_pid"; wait "$redis_pid" 2> /dev/null || true; redis_pid=""
rm -rf "$out/redis"

echo "   PostgreSQL (insert + upsert per batch, synchronous_commit=off, 2 connections)"
pg_dir="$out/pg"
mkdir -p "$pg_dir"
chown postgres "$pg_dir"
runuser -u postgres -- "$pgbin/initdb" -D "$pg_dir/data" -A trust -U kaiku > "$out/pg.initdb.log"
pg_port=$((20000 + RANDOM % 20000))
pg_data="$pg_dir/data"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -o \
  "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c shared_buffers=512MB -c max_wal_size=4GB" \
  start > /dev/null
pg_pid=$(head -n 1 "$pg_data/postmaster.pid")
baseline_phase postgres "$pg_pid" --target=postgres --connections=2 \
  --pg="host=127.0.0.1 port=$pg_port user=kaiku dbname=postgres"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg_data" -m fast stop > /dev/null; pg_data=""
rm -rf "$pg_dir"
fi

# ---- the table
source "$out/params"
m="$out/max.summary"; h="$out/half.summary"
mx="$out/max.metrics"
max_events=$(( $(field "$m" events_accepted) + $(field "$m" events_duplicate) ))
kaiku_cpu=$(per_event_us "$(field "$m" cpu_ticks)" "$max_events")
cached=$(metric "$mx" kaiku_scoring_cached_visitors)
cache_bytes=$(metric "$mx" kaiku_scoring_state_cache_bytes)
user_bytes=$(metric "$mx" kaiku_rocksdb_user_written_bytes_total)
written=$(( $(metric "$mx" kaiku_rocksdb_flush_written_bytes_total) + $(metric "$mx" kaiku_rocksdb_compaction_written_bytes_total) ))
stall=$(awk -v m=kaiku_rocksdb_write_stall_seconds_total '$1 == m {printf "%.1f", $2}' "$mx")
rate() { field "$out/$1.summary" events_per_second; }
cpu_of() {
  per_event_us "$(field "$out/$1.summary" cpu_ticks)" \
    "$(field "$out/$1.summary" events_written)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
none_cpu=$(cpu_of none)
storage_cpu() { awk -v a="$(cpu_of "$1")" -v b="$none_cpu" 'BEGIN {printf "%.2f", a - b}'; }
# Per-phase figures: events stored, server CPU per event.
stored_of() { echo $(( $(field "$out/$1.summary" events_accepted) + $(field "$out/$1.summary" events_duplicate) )); }
kaiku_cpu_of() { per_event_us "$(field "$out/$1.summary" cpu_ticks)" "$(stored_of "$1")"; }
per_event() { awk -v a="$1" -v n="$max_events" 'BEGIN {printf "%.3f", (n > 0 ? a / n : 0)}'; }
labelled() {  # the value of metric $2 with label $3 in $1
  awk -v m="$2" -v l="$3" 'index($1, m "{") == 1 && index($1, l) > 0 {printf "%.0f", $2}' "$1"
}
{
  echo "## Benchmark $(date -u +%Y-%m-%d) ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r); commit $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown))"
  echo
  echo "Kaiku for $seconds s under the realistic workload (kaiku_loadgen --workload=live), $offered events/s offered: each event sent when it happens, visitors at human pace, $(field "$m" events_late) events late, $(field "$m" requests_retried) requests retried, $sites sites with Zipf-skewed traffic, batched per site (up to 500 events or 20 ms); the load generator on the same machine:"
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| events stored per second | $(rate max) |"
  echo "| kaikud CPU per event (all threads, compaction included) | $kaiku_cpu µs |"
  echo "| publish-ack p50 / p99 / p99.9 | $(field "$m" ack_p50_ms) / $(field "$m" ack_p99_ms) / $(field "$m" ack_p999_ms) ms |"
  echo "| peak RSS | $(( $(field "$m" peak_rss_kb) / 1024 )) MiB |"
  echo "| distinct visitors seen / in a session at the end / cached at the end | $(field "$m" visitors_seen) / $(field "$m" visitors_in_session_at_end) / $cached |"
  echo "| bytes per cached visitor | $(awk -v b="$cache_bytes" -v n="$cached" 'BEGIN {printf "%.0f", (n > 0 ? b / n : 0)}') |"
  echo "| visitor states found in the cache / read from the store / new | $(labelled "$mx" kaiku_scoring_state_lookups_total cache) / $(labelled "$mx" kaiku_scoring_state_lookups_total store) / $(labelled "$mx" kaiku_scoring_state_lookups_total none) |"
  echo "| score events per event (level / stage / segment / trigger / disqualified) | $(per_event "$(metric "$mx" kaiku_scoring_score_events_total)") ($(for k in level_changed stage_changed segment_changed trigger_fired disqualified; do printf '%s ' "$(labelled "$mx" kaiku_scoring_score_events_total "\"$k\"")"; done | sed 's/ $//; s/ / \/ /g')) |"
  echo "| recomputations (late events, model changes) / timer wake-ups | $(metric "$mx" kaiku_scoring_recomputations_total) / $(metric "$mx" kaiku_scoring_timer_wakeups_total) |"
  for cf in events event_index visitor_state leads scorelog journal; do
    echo "| keys / bytes written per event, $cf | $(per_event "$(labelled "$mx" kaiku_storage_written_keys_total "\"$cf\"")") / $(per_event "$(labelled "$mx" kaiku_storage_written_bytes_total "\"$cf\"")") |"
  done
  echo "| RocksDB write amplification ((flush + compaction) / user bytes) | $(awk -v w="$written" -v u="$user_bytes" 'BEGIN {printf "%.1f", (u > 0 ? w / u : 0)}') |"
  echo "| RocksDB write stall | $stall s |"
  echo "| score events published | $(field "$m" score_events) |"
  echo "| data directory at the end | $(( $(field "$m" data_kb) / 1024 )) MiB |"
  echo
  echo "At half that rate ($half events/s, the same workload, $latency_seconds s, a subscriber attached):"
  echo
  echo "| figure | p50 | p99 | p99.9 |"
  echo "|---|---|---|---|"
  echo "| publish-ack | $(field "$h" ack_p50_ms) ms | $(field "$h" ack_p99_ms) ms | $(field "$h" ack_p999_ms) ms |"
  echo "| event -> subscriber ($(field "$h" e2e_samples) timed score events) | $(field "$h" e2e_p50_ms) ms | $(field "$h" e2e_p99_ms) ms | $(field "$h" e2e_p999_ms) ms |"
  echo
  echo "Other workloads, each into a fresh kaikud at the maximum rate:"
  echo
  echo "| workload | events | events/s | kaikud CPU µs/event | score events | ack p99 |"
  echo "|---|---|---|---|---|---|"
  for w in stress replay_taobao replay_rees46 replay_uci; do
    [ -f "$out/$w.summary" ] || continue
    case $w in
      stress) label="decay stress test (compressed time: simulated days pass in seconds, $visitors visitors active, one site; not a realistic load)" ;;
      replay_*) label="${w#replay_} dataset replay (its events in time order, shifted to end now)" ;;
    esac
    echo "| $label | $(stored_of "$w") | $(rate "$w") | $(kaiku_cpu_of "$w") | $(field "$out/$w.summary" score_events) | $(field "$out/$w.summary" ack_p99_ms) ms |"
  done
  echo
  echo "The same realistic stream into the baselines, written as fast as each takes it ($baseline_seconds s each):"
  echo
  echo "| system | events/s | server CPU µs/event | Kaiku's throughput ÷ theirs | their CPU per event ÷ Kaiku's |"
  echo "|---|---|---|---|---|"
  echo "| Kaiku (gRPC, dedupe, scoring, score stream) | $(rate max) | $kaiku_cpu | 1.0 | 1.0 |"
  for b in rocksdb rocksdb_day rocksdb_time rocksdb_log redis postgres; do
    case $b in
      rocksdb) label="raw RocksDB WriteBatch of 100, records under visitor-first keys (the old timeline), no gRPC (in process; CPU without making the events)"; c=$(storage_cpu rocksdb) ;;
      rocksdb_day) label="raw RocksDB, day-bucketed keys (tenant, day, visitor, time; same)"; c=$(storage_cpu rocksdb_day) ;;
      rocksdb_time) label="raw RocksDB, time-first keys (tenant, time, visitor; same)"; c=$(storage_cpu rocksdb_time) ;;
      rocksdb_log) label="raw RocksDB, records under sequential keys + visitor-first index entries (Kaiku's layout; same)"; c=$(storage_cpu rocksdb_log) ;;
      redis) label="Redis, Lua script per event, AOF everysec, pipelined 100"; c=$(cpu_of redis) ;;
      postgres) label="PostgreSQL, insert + upsert per 100, synchronous_commit=off, 2 connections"; c=$(cpu_of postgres) ;;
    esac
    echo "| $label | $(rate $b) | $c | $(ratio "$(rate max)" "$(rate $b)") | $(ratio "$c" "$kaiku_cpu") |"
  done
  echo
  echo "Making the events costs the client $none_cpu µs each ($(rate none) events/s on one thread)."
} > "$out/results.md"
cat "$out/results.md"

if command -v gnuplot > /dev/null; then
  gnuplot <<GP
set terminal pngcairo size 1100,700 noenhanced
set output "$out/benchmark.png"
set multiplot layout 2,1 title "Kaiku benchmark $(date -u +%Y-%m-%d)"
set xlabel "seconds"
set ylabel "events/s"
set key top right
plot "$out/max.series" using 1:2 with lines title "maximum rate: events acknowledged per second", \
     "$out/half.series" using 1:2 with lines title "half rate"
set ylabel "ms"
set logscale y
plot "$out/half.series" using 1:(\$4 > 0 ? \$4 : 1/0) with lines title "half rate: publish-ack p99", \
     "$out/half.series" using 1:(\$6 > 0 ? \$6 : 1/0) with lines title "half rate: event -> subscriber p99", \
     "$out/max.series" using 1:(\$4 > 0 ? \$4 : 1/0) with lines title "maximum rate: publish-ack p99"
unset multiplot
GP
  echo "plot: $out/benchmark.png"
fi
