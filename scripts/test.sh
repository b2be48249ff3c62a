#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (CI adds the databases first: see .ci/run).
#
#   bash scripts/test.sh
#
# 0. checks formatting and lints (cargo fmt --check, cargo clippy -D warnings),
# 1. builds the server binary,
# 2. runs every Rust test in the workspace; storage and flow tests also cover PostgreSQL and
#    MySQL/MariaDB when TEST_DATABASE_POSTGRESQL / TEST_DATABASE_MYSQL are set,
# 3. runs the SDK conformance tests (tests/sdk, Ory's official Python client) and the sign-up in a
#    real browser (tests/browser, headless Chromium; skipped when Chromium is not installed unless
#    HOPLITE_REQUIRE_BROWSER=1) against that binary, in a virtualenv at .venv (created on first use),
# 4. runs the benchmark suite in smoke mode (bench/run.sh --smoke; installs wrk when missing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$(pwd)

log() { printf '\n==> %s\n' "$*" >&2; }

for var in TEST_DATABASE_POSTGRESQL TEST_DATABASE_MYSQL; do
  if [ -n "${!var:-}" ]; then log "$var is set"; else log "$var is not set: those database tests are skipped"; fi
done

log "cargo fmt --check and cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

log "cargo build --bin hoplite"
cargo build --bin hoplite

log "cargo test --workspace"
cargo test --workspace

python=${PYTHON:-python3}
venv="$repo_root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  log "creating virtualenv $venv"
  "$python" -m venv "$venv"
fi
log "pip install -r tests/sdk/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt

log "pytest -q tests/sdk tests/browser"
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
HOPLITE_BIN="${HOPLITE_BIN:-$target_dir/debug/hoplite}" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/sdk tests/browser

# The benchmark suite in smoke mode (a moment per scenario, nothing timed): it must keep running.
# It uses the debug binary built above and every database the tests use.
bench_dbs=sqlite
[ -n "${TEST_DATABASE_POSTGRESQL:-}" ] && bench_dbs+=",postgres"
[ -n "${TEST_DATABASE_MYSQL:-}" ] && bench_dbs+=",mysql"
bench_out=$(mktemp -d)
log "bash bench/run.sh --smoke --db $bench_dbs"
HOPLITE_BIN="$target_dir/debug/hoplite" bash bench/run.sh --smoke --db "$bench_dbs" --out "$bench_out/smoke.md"
rm -rf "$bench_out"

log "all tests passed"
