#!/usr/bin/env bash
# Installs the Debian packages (idempotent), configures build/ with CMake + Ninja and builds
# the given targets (all when none are given). Shared by run_demo.sh and run_tests.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup/install_deps.sh"
build="${KAIKU_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
jobs="${KAIKU_JOBS:-$(nproc)}"
if [ "$#" -gt 0 ]; then
  cmake --build "$build" -j "$jobs" --target "$@"
else
  cmake --build "$build" -j "$jobs"
fi
