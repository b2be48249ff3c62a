#!/usr/bin/env bash
# hoplite's benchmark suite (see BENCHMARKS.md):
#
#   bash bench/run.sh                                   # SQLite, 10 s per scenario, 100,000 identities
#   bash bench/run.sh --db sqlite,postgres,mysql --scale 1000000
#   bash bench/run.sh --smoke                           # a moment per scenario (CI runs this)
#
# Installs wrk from Debian's packages when it is missing, builds the release binary (unless
# HOPLITE_BIN names one), and runs bench/bench.py with the arguments given. PostgreSQL and MySQL
# come from BENCH_DATABASE_POSTGRESQL / BENCH_DATABASE_MYSQL (or TEST_DATABASE_*; `bash .ci/run
# --db-only` starts both and prints them). Results: bench/results/latest.md and latest.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v wrk >/dev/null; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
  echo "==> installing wrk (apt-get install wrk)" >&2
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null \
    || { "${SUDO[@]}" apt-get update >/dev/null && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y --no-install-recommends wrk >/dev/null; }
fi

if [ -z "${HOPLITE_BIN:-}" ]; then
  echo "==> cargo build --release --bin hoplite" >&2
  cargo build --release --bin hoplite
  export HOPLITE_BIN="$PWD/target/release/hoplite"
fi

exec python3 bench/bench.py "$@"
