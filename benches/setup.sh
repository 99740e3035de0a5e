# Sourced by the benchmark scripts: enters the repository, builds the `perf` profile and sets
# $work (the first argument, or a new temporary folder) and $bin (the benchtop binary).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/env.sh
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --profile perf --locked --quiet --bin benchtop
bin="$CARGO_TARGET_DIR/perf/benchtop"
