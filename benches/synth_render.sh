#!/usr/bin/env bash
# Benchmark: benchtop's synth against LatentScore's own (latentscore 0.1.8) rendering the same
# 30 s of a dense config (the "Dense electronic" preset: density 6, procedural melody, gritty
# grain, electronic rhythm), in one run, on this machine. Prints each side's median of 5 runs
# and the ratio.
#   benches/synth_render.sh [VENV]   (VENV: a virtualenv with latentscore; made if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
venv=${1:-$HOME/.cache/benchtop-latentscore-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy scipy soundfile pydantic
  "$venv/bin/pip" install --quiet --no-deps latentscore==0.1.8
fi
cargo build --profile perf --locked --quiet --bin benchtop
bin="$CARGO_TARGET_DIR/perf/benchtop"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Both sides render five times in one process and report the median.
"$bin" bench synth --preset "Dense electronic" --seconds 30 --runs 5 | tee "$work/ours.txt"
"$venv/bin/python" benches/synth_reference.py --preset "Dense electronic" --seconds 30 --runs 5 | tee "$work/py.txt"
median() { grep 'median' "$1" | sed 's/.*: \([0-9.]*\) ms/\1/'; }
python3 - "$(median "$work/py.txt")" "$(median "$work/ours.txt")" <<'PY'
import sys
py, ours = float(sys.argv[1]), float(sys.argv[2])
print(f"benchtop renders 30 s of the dense config {py / ours:.1f}x faster than the reference ({py:.0f} ms vs {ours:.1f} ms)")
PY
