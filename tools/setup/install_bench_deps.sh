#!/usr/bin/env bash
# Installs what the benchmark needs on top of install_deps.sh: the Redis and
# PostgreSQL servers it compares Kaiku with, their client libraries (for
# kaiku_baseline), and gnuplot for the plot. Idempotent, like install_deps.sh.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/install_deps.sh"

packages=(redis-server postgresql libhiredis-dev libpq-dev gnuplot-nox)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "install_bench_deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
