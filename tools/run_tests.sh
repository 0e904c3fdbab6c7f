#!/usr/bin/env bash
# The test command: builds everything and runs the whole CTest suite (unit, integration
# against the real kaikud, and crash tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/build.sh"
build="${KAIKU_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure -j "${KAIKU_JOBS:-$(nproc)}" --timeout 600 "$@"
