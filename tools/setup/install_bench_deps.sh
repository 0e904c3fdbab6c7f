#!/usr/bin/env bash
# Installs what the benchmark needs on top of install_deps.sh: the Redis and
# PostgreSQL servers it compares Kaiku with, their client libraries (for
# kaiku_baseline), and gnuplot for the plot. Idempotent, like install_deps.sh.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/install_deps.sh" \
  redis-server postgresql libhiredis-dev libpq-dev gnuplot-nox
