#!/usr/bin/env bash
# Installs the Debian 12 packages Kaiku builds, tests and runs with (SPEC §3), and the
# packages named as arguments (install_bench_deps.sh names the benchmark's).
# Idempotent: packages already present are skipped, and apt is not touched at all when
# everything is installed. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev
  prometheus-cpp-dev civetweb libcivetweb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev librdkafka-dev
  prometheus libyaml-cpp-dev
  libssl-dev zlib1g-dev
  libjemalloc-dev
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install_deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
