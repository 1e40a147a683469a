#!/usr/bin/env bash
# lb's SQL datasources next to the hand-written axum + sqlx ceiling (examples/sqlx_ceiling.rs),
# with the shared harness (../shared/bench, one custom target per invocation): for each
# database, runs alternate ceiling / lb, RUNS times, so both see the same machine drift.
#   bench/sql.sh [sqlite|postgres ...]     env: RUNS (2), PG_URL, OUT (results folder)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-../shared/bench}
RUNS=${RUNS:-2}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
OUT=${OUT:-$(mktemp -d /tmp/lb-sql-bench.XXXX)}
cargo build --release --all-features --example locations --example sqlx_ceiling
root=$(pwd)
for db in "${@:-sqlite postgres}"; do
  for db in $db; do
    case $db in
      sqlite) url="sqlite:/tmp/lb-bench-$$.db" ;;
      postgres) url=$PG_URL ;;
      *) echo "unknown database $db" >&2; exit 2 ;;
    esac
    for run in $(seq "$RUNS"); do
      "$BENCH/bench.sh" custom --name "ceiling-$db" --base-path /api --runs 1 --out "$OUT/$db-ceiling-$run" \
        --start "DATASOURCE_URL=$url exec $root/target/release/examples/sqlx_ceiling"
      "$BENCH/bench.sh" custom --name "lb-$db" --base-path /api --runs 1 --out "$OUT/$db-lb-$run" \
        --start "export DATASOURCE_URL=$url; $root/target/release/examples/locations migrate --drop && exec $root/target/release/examples/locations"
    done
  done
done
echo "results: $OUT"
