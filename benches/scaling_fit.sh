#!/usr/bin/env bash
# Benchmark: the two-step scaling-law fit of every task × recipe of a DataDecide table, benchtop's
# batched burn program (`benchtop fit`, the code the Jobs panel runs) against the scipy loop of
# benches/scaling_fit_scipy.py on the same points, in one run. Prints both times and the ratio,
# and how far the predictions differ.
#   benches/scaling_fit.sh [WORKDIR] [TABLE]
# TABLE defaults to WORKDIR/benchtop.parquet, the full-size SYNTHETIC mean_eval_melted that
# benches/datadecide_build.sh WORKDIR leaves there (run it first); scipy is installed into
# WORKDIR/venv from PyPI if python3 lacks it.
. "$(dirname "$0")/setup.sh"
table=${2:-$work/benchtop.parquet}
[ -f "$table" ] || { echo "no table $table: run benches/datadecide_build.sh $work first" >&2; exit 1; }
python=python3
if ! python3 -c "import scipy" 2> /dev/null; then
  [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
  "$work/venv/bin/python" -c "import scipy" 2> /dev/null || "$work/venv/bin/pip" install --quiet numpy scipy
  python="$work/venv/bin/python"
fi
"$bin" fit --data "$table" --backend cpu --points-out "$work/points.json" --json > "$work/benchtop.json" 2> /dev/null
"$python" benches/scaling_fit_scipy.py "$work/points.json" > "$work/scipy.json"
"$python" - "$work/benchtop.json" "$work/scipy.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
ref = json.load(open(sys.argv[2]))
rows, fits = ours["rows"], ref["fits"]
acc = sorted(abs(a["predicted_acc"] - b["pred_acc"]) for a, b in zip(rows, fits))
loss = sorted(abs(a["predicted_loss"] - b["pred_loss"]) / b["pred_loss"] for a, b in zip(rows, fits))
print(f"{len(rows)} task x recipe fits")
print(f"benchtop (burn, {ours['device']}): {ours['seconds']:.2f} s (points, both steps, report)")
print(f"scipy loop: {ref['seconds']:.2f} s")
print(f"benchtop is {ref['seconds'] / ours['seconds']:.1f}x faster")
print(f"1B predictions vs scipy: accuracy |diff| median {acc[len(acc) // 2]:.4f}, max {acc[-1]:.4f}; "
      f"loss relative diff median {loss[len(loss) // 2]:.2e}, max {loss[-1]:.2e}")
PY
