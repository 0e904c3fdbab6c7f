# Sourced by the tools' scripts (run_demo.sh, run_evaluation.sh): runs kaikud in the
# background on loopback, ports chosen by the system, and stops it gracefully.
#
#   source "$root/tools/kaikud.sh"
#   trap stop_kaikud EXIT
#   start_kaikud "$build/services/kaikud/kaikud" "$data_dir" [FLAGS...]
#   kaikuctl ...            # KAIKU_ADDR is exported

# start_kaikud KAIKUD DATA_DIR [FLAGS...]: starts KAIKUD with --data_dir=DATA_DIR and FLAGS
# (stderr to $KAIKUD_STDERR when set), sets $server to its pid, waits until it serves (up to
# 30 s) and exports KAIKU_ADDR; exits the script when kaikud does not start.
start_kaikud() {
  local kaikud=$1 data=$2
  shift 2
  rm -f "$data/kaikud.port" "$data/metrics.port"
  local flags=(--data_dir="$data" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 "$@")
  # Not 2>/dev/stderr by default: that reopens a log file the caller redirected to at offset 0.
  if [ -n "${KAIKUD_STDERR:-}" ]; then
    "$kaikud" "${flags[@]}" 2> "$KAIKUD_STDERR" &
  else
    "$kaikud" "${flags[@]}" &
  fi
  server=$!
  for _ in $(seq 1 300); do
    [ -s "$data/kaikud.port" ] && break
    kill -0 "$server" 2>/dev/null || { echo "kaikud failed to start" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$data/kaikud.port" ] || { echo "kaikud did not start within 30 s" >&2; exit 1; }
  export KAIKU_ADDR="127.0.0.1:$(cat "$data/kaikud.port")"
}

# stop_kaikud: SIGTERM (kaikud drains and flushes) and wait, if it still runs.
stop_kaikud() {
  if [ -n "${server:-}" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" || true
  fi
}
