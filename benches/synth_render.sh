#!/usr/bin/env bash
# Benchmark: benchtop's synth against LatentScore's own (latentscore 0.1.8) rendering the same
# 30 s of a dense config (the "Dense electronic" preset: density 6, procedural melody, gritty
# grain, electronic rhythm), in one run, on this machine. Prints each side's median in each of
# five alternating rounds and the ratios: benchtop on every core of the machine (its notes render
# on rayon's threads) and on one thread (RAYON_NUM_THREADS=1), against the reference, which runs
# on one thread (numpy, no parallel work). Both sides warm: each renders several times in one
# process.
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
# Five rounds, alternating the sides, so that a slow spell of this shared machine falls on both.
# In a round each side renders several times in one process and reports its median: the
# reference 9 times (~1 s each), benchtop 99 times (~10 ms each), so that benchtop's median spans
# about a second of the machine's load rather than the tenth of a second nine of its runs take.
# The ratio reported is the median of the five rounds' ratios.
median() { grep 'median' "$1" | sed 's/.*: \([0-9.]*\) ms/\1/'; }
threads=$(nproc)
for round in 1 2 3 4 5; do
  "$bin" bench synth --preset "Dense electronic" --seconds 30 --runs 99 > "$work/ours$round.txt"
  RAYON_NUM_THREADS=1 "$bin" bench synth --preset "Dense electronic" --seconds 30 --runs 99 > "$work/one$round.txt"
  "$venv/bin/python" benches/synth_reference.py --preset "Dense electronic" --seconds 30 --runs 9 > "$work/py$round.txt"
  echo "round $round: benchtop $(median "$work/ours$round.txt") ms ($threads threads), $(median "$work/one$round.txt") ms (1 thread); reference $(median "$work/py$round.txt") ms (1 thread)"
  echo "$(median "$work/py$round.txt") $(median "$work/ours$round.txt") $(median "$work/one$round.txt")" >> "$work/rounds.txt"
done
python3 - "$work/rounds.txt" "$threads" <<'PY'
import statistics, sys
rounds = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
threads = sys.argv[2]
for column, label in [(1, f"on {threads} threads"), (2, "on 1 thread")]:
    ratios = [r[0] / r[column] for r in rounds]
    py, ours = statistics.median(r[0] for r in rounds), statistics.median(r[column] for r in rounds)
    print(f"benchtop {label} renders 30 s of the dense config {statistics.median(ratios):.1f}x faster than the "
          f"one-thread reference (median of the rounds' ratios {', '.join(f'{r:.1f}' for r in ratios)}; "
          f"medians {py:.0f} ms vs {ours:.1f} ms)")
PY
