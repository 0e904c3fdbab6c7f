#!/usr/bin/env bash
# The run command: builds kaikud and kaikuctl, starts kaikud on its embedded RocksDB
# (./data/demo, loopback, the default scoring model), streams a demo clickstream through it
# and shows what happens: per-event acknowledgements, a retry counted once, a bad event with
# its field named, the hottest leads, a buyer's score with its explanation and timeline, and
# the score stream (replayed, then live with `kaikuctl tail`), and the Prometheus metrics
# and probes. Then it keeps a live clickstream flowing until Ctrl-C
# (or for DEMO_SECONDS seconds), and stops the server gracefully.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/build.sh" kaikud kaikuctl kaiku_demo_events
build="${KAIKU_BUILD_DIR:-$root/build}"
kaikud="$build/services/kaikud/kaikud"
kaikuctl="$build/tools/kaikuctl/kaikuctl"
events="$build/tools/demo/kaiku_demo_events"
data="$root/data/demo"
mkdir -p "$data"

source "$root/tools/kaikud.sh"
trap stop_kaikud EXIT
trap 'exit 0' INT TERM
start_kaikud "$kaikud" "$data"
metrics_port=$(cat "$data/metrics.port")
echo "== kaikud is serving on $KAIKU_ADDR (data in $data);" \
  "metrics on http://127.0.0.1:$metrics_port/metrics"

# GET http://127.0.0.1:$metrics_port$1, body only (bash's /dev/tcp: no curl needed).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$metrics_port"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}

# "OUTCOME_ACCEPTED=991 OUTCOME_DUPLICATE=96" for a file of kaikuctl result lines.
outcomes() {
  grep -o '"outcome":"[A-Z_]*"' "$1" | cut -d'"' -f4 | sort | uniq -c |
    awk '{printf "%s=%s ", $2, $1}'
}

tmp="$(mktemp -d)"
trap 'stop_kaikud; rm -rf "$tmp"' EXIT
seed=$(date +%s)
"$events" --visitors=200 --seed="$seed" --run_id="$seed" > "$tmp/history.jsonl"
echo "== publishing $(wc -l < "$tmp/history.jsonl") events of 200 visitors (info seekers, researchers, buyers)"
"$kaikuctl" publish "$tmp/history.jsonl" > "$tmp/acks.jsonl" || true
echo "   first acknowledgements:"; head -n 3 "$tmp/acks.jsonl" | sed 's/^/   /'
echo "   outcomes: $(outcomes "$tmp/acks.jsonl")"

echo "== the same events again (a client retry): stored once"
"$kaikuctl" publish "$tmp/history.jsonl" > "$tmp/retry.jsonl" || true
echo "   outcomes: $(outcomes "$tmp/retry.jsonl")"

echo "== a batch with one bad event: the field is named, its neighbours are stored"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' \
  "{\"eventId\":\"bad-demo-$seed-1\",\"visitorId\":\"visitor-0\",\"occurredAt\":\"$now\",\"pageView\":{\"url\":\"https://shop.example/pricing\"}}" \
  "{\"eventId\":\"bad-demo-$seed-2\",\"visitorId\":\"visitor-0\",\"occurredAt\":\"$now\",\"download\":{\"url\":\"https://shop.example/price-list.pdf\"}}" \
  | "$kaikuctl" publish | sed 's/^/   /' || true

echo "== kaikuctl leads: the hottest visitors now (score, level, segment, stage)"
"$kaikuctl" leads --limit 8 > "$tmp/leads.jsonl" || true
sed 's/^/   /' "$tmp/leads.jsonl"
buyer=$(head -n 1 "$tmp/leads.jsonl" | grep -o '"visitorId":"[^"]*"' | cut -d'"' -f4 || true)
buyer=${buyer:-visitor-0}
echo "== kaikuctl get $buyer --limit 5: why — every signal's contribution, largest first"
"$kaikuctl" get "$buyer" --limit 5 --pretty | sed 's/^/   /'

echo "== kaikuctl tail --from earliest --limit 6: the score stream, replayed from the durable log"
"$kaikuctl" tail --from earliest --limit 6 | cut -c1-230 | sed 's/^/   /'

echo "== /readyz: $(http_get /readyz)   /healthz: $(http_get /healthz)"
echo "== /metrics (a few of them; Prometheus scrapes them all):"
http_get /metrics | grep -E '^(kaiku_ingest_events_total|kaiku_scoring_level_transitions_total\{from="(cold|warm)"|kaiku_scoring_triggers_fired_total|kaiku_ingest_ack_latency_seconds_count|kaiku_score_stream_delivered|kaiku_scoring_cached_visitors)' \
  | sed 's/^/   /' || true

echo "== live clickstream: new events every 2 s; live score events below as 'stream:'"
echo "   (Ctrl-C stops the demo and the server)"
# Follows the stream from now on; ends when the server stops.
("$kaikuctl" tail --from latest 2>/dev/null | cut -c1-200 | sed 's/^/   stream: /') &
end=$(( $(date +%s) + ${DEMO_SECONDS:-31536000} ))
round=0
while [ "$(date +%s)" -lt "$end" ]; do
  round=$((round + 1))
  "$events" --visitors=4 --hours=1 --seed=$((seed + round)) --run_id="live-$seed-$round" \
    > "$tmp/live.jsonl"
  "$kaikuctl" publish "$tmp/live.jsonl" > "$tmp/live-acks.jsonl" || true
  echo "   published $(wc -l < "$tmp/live.jsonl") live events: $(outcomes "$tmp/live-acks.jsonl")"
  if [ $((round % 5)) -eq 0 ]; then
    echo "   leads now:"; "$kaikuctl" leads --limit 3 | sed 's/^/     /' || true
  fi
  sleep 2
done
