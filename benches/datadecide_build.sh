#!/usr/bin/env bash
# Benchmark: `benchtop datadecide build` against the plain-pandas pipeline (benches/pandas_pipeline.py)
# on the same full-size SYNTHETIC DataDecide set (1,410,750 eval rows, made by `datadecide synth --full`),
# in one run, on this machine. Prints wall time and peak RSS of each, their ratios, and checks that
# both produce the same long table.
#   benches/datadecide_build.sh [WORKDIR]   (WORKDIR keeps the generated set and the venv between runs)
. "$(dirname "$0")/setup.sh"
hub="$work/hub"
if [ ! -f "$hub/README-SYNTHETIC.txt" ]; then
  "$bin" datadecide synth --full --seed 0 --out "$hub" 2>/dev/null
fi
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet pandas pyarrow numpy
fi
ppl="$hub/allenai/DataDecide-ppl-results/data/train-00000-of-00001.parquet"
evals=("$hub"/allenai/DataDecide-eval-results/data/train-*.parquet)
eval_args=()
for f in "${evals[@]}"; do eval_args+=(--eval "$f"); done

# Warm the page cache for both: read every input once.
cat "$ppl" "${evals[@]}" > /dev/null

/usr/bin/time -f "%e %M" -o "$work/benchtop.time" \
  "$bin" datadecide build --ppl "$ppl" "${eval_args[@]}" --out "$work/benchtop.parquet" 2>/dev/null >"$work/benchtop.out"
/usr/bin/time -f "%e %M" -o "$work/pandas.time" \
  "$work/venv/bin/python" benches/pandas_pipeline.py --ppl "$ppl" --eval "${evals[@]}" \
  --out "$work/pandas.parquet" --compare "$work/benchtop.parquet" >"$work/pandas.out"

read -r b_secs b_kb < "$work/benchtop.time"
read -r p_secs p_kb < "$work/pandas.time"
cat "$work/benchtop.out" "$work/pandas.out"
python3 - "$b_secs" "$b_kb" "$p_secs" "$p_kb" <<'PY'
import sys
b_s, b_kb, p_s, p_kb = map(float, sys.argv[1:])
print(f"benchtop: {b_s:.1f} s, peak RSS {b_kb/1024:.0f} MB")
print(f"pandas:   {p_s:.1f} s, peak RSS {p_kb/1024:.0f} MB")
print(f"benchtop is {p_s/b_s:.1f}x faster and uses {b_kb/p_kb:.2f}x the peak memory of pandas")
PY
