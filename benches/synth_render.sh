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
python3 -c '
import json, sys
presets = json.load(open("assets/synth-presets.json"))["presets"]
json.dump(next(p for p in presets if p["name"] == "Dense electronic")["config"], sys.stdout)
' > "$work/dense.json"

ours=()
for seed in 0 1 2 3 4; do
  ms=$("$bin" render "$work/dense.json" -o "$work/out.wav" --seconds 30 --seed "$seed" 2>/dev/null \
       | sed -n 's/.*rendered in \([0-9.]*\) ms.*/\1/p')
  echo "benchtop run $seed: $ms ms"
  ours+=("$ms")
done
"$venv/bin/python" benches/synth_reference.py --preset "Dense electronic" --seconds 30 --runs 5 | tee "$work/py.txt"
python3 - "$(grep 'python median' "$work/py.txt" | sed 's/.*: \([0-9.]*\) ms/\1/')" "${ours[@]}" <<'PY'
import statistics, sys
py = float(sys.argv[1])
ours = statistics.median(float(x) for x in sys.argv[2:])
print(f"benchtop median: {ours:.1f} ms")
print(f"benchtop renders 30 s of the dense config {py / ours:.0f}x faster than the reference ({py:.0f} ms vs {ours:.1f} ms)")
PY
