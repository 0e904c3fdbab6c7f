#!/usr/bin/env bash
# The test command: builds everything and runs the whole CTest suite (unit, integration
# against the real kaikud, and crash tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The evaluation's gradient-boosting peer (tools/eval/gbm_peer.py) runs in an integration test.
bash "$root/tools/setup/install_deps.sh" python3-xgboost python3-numpy
bash "$root/tools/build.sh"
build="${KAIKU_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure -j "${KAIKU_JOBS:-$(nproc)}" --timeout 600 "$@"
