#!/usr/bin/env bash
# Benchmark: training throughput of the vibe-to-config model (`benchtop train`, the code the Jobs
# panel runs) on the bundled SYNTHETIC training set, per burn backend, in one run: burn's CPU
# backend (flex) and wgpu (whatever adapter wgpu picks: Mesa's lavapipe on a machine without a
# GPU). Prints rows/s (training rows through forward, backward and Adam per second of training
# steps; evaluation excluded) and the ratio.
#   benches/vibe_train.sh [WORKDIR] [EPOCHS]
. "$(dirname "$0")/setup.sh"
epochs=${2:-3}
rate() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fields = r["evaluation"]["fields"]
mean = sum(f["model"] for f in fields) / len(fields)
loss = " ".join(f"{h['train_loss']:.4f}" for h in r["history"])
epochs = " ".join(f"{h['rows_per_second']:.0f}" for h in r["history"] if h.get("rows_per_second"))
print(f"{r['rows_per_second']:.0f} rows/s ({r['steps']} steps in {r['seconds']:.1f} s on {r['device']}; "
      f"per epoch {epochs} rows/s; loss per epoch {loss}; TEST mean accuracy {mean:.3f})")
PY
}
"$bin" train --out "$work/cpu" --epochs "$epochs" --backend cpu --json > "$work/cpu.json" 2> /dev/null
echo "cpu:  $(rate "$work/cpu.json")"
if "$bin" train --out "$work/wgpu" --epochs "$epochs" --backend wgpu --json > "$work/wgpu.json" 2> "$work/wgpu.err"; then
  echo "wgpu: $(rate "$work/wgpu.json")"
  python3 - "$work/cpu.json" "$work/wgpu.json" <<'PY'
import json, sys
cpu, gpu = (json.load(open(p)) for p in sys.argv[1:])
last = lambda r: r["history"][-1]["rows_per_second"]
print(f"wgpu / cpu throughput: {gpu['rows_per_second'] / cpu['rows_per_second']:.3f} over the run, "
      f"{last(gpu) / last(cpu):.3f} in the last epoch")
PY
else
  echo "wgpu: failed: $(tail -1 "$work/wgpu.err")"
fi
