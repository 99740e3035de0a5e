"""Times LatentScore's own synth (latentscore 0.1.8, `synth.assemble`) rendering a preset of
assets/synth-presets.json: the reference benches/synth_render.sh compares benchtop with.

Usage: python benches/synth_reference.py [--preset "Dense electronic"] [--seconds 30] [--runs 5]
Prints each run's wall time and the median, in milliseconds.
"""

import argparse
import json
import pathlib
import statistics
import time

import numpy as np

import latentscore.synth as s
from latentscore.config import MusicConfig

ROOT = pathlib.Path(__file__).resolve().parents[1]

parser = argparse.ArgumentParser()
parser.add_argument("--preset", default="Dense electronic")
parser.add_argument("--seconds", type=float, default=30.0)
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

presets = json.loads((ROOT / "assets" / "synth-presets.json").read_text())["presets"]
preset = next(p for p in presets if p["name"] == args.preset)
config = MusicConfig.model_validate(preset["config"]).to_internal()
times = []
for seed in range(args.runs):
    np.random.seed(seed)
    start = time.perf_counter()
    audio = s.assemble(config, args.seconds, rng=np.random.default_rng(seed))
    times.append((time.perf_counter() - start) * 1000.0)
    assert len(audio) == int(s.SAMPLE_RATE * args.seconds)
    print(f"python run {seed}: {times[-1]:.0f} ms")
print(f"python median: {statistics.median(times):.1f} ms")
