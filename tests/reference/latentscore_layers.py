"""Per-layer levels of LatentScore's own synth, the reference benchtop's port is checked against.

For every preset in assets/synth-presets.json, renders each layer exactly as
latentscore.synth.assemble does (same order, one generator passed through the layers) for seeds
0..N-1 and prints the mean peak and RMS of each layer before mixing and normalization, plus the
tempo and the harmony style "auto" resolves to. tests/synth_fidelity.rs records these numbers.

Set-up (LatentScore 0.1.8, Apache-2.0; numpy 2.4.6, scipy 1.17.1 when recorded):
  python3 -m venv /tmp/ls-venv
  /tmp/ls-venv/bin/pip install numpy scipy soundfile pydantic
  /tmp/ls-venv/bin/pip install --no-deps latentscore==0.1.8
Run:
  /tmp/ls-venv/bin/python tests/reference/latentscore_layers.py [--seconds 16] [--seeds 24]

The reference draws noise and humanize jitter from numpy's global generator; it is seeded too
(np.random.seed), so the printed numbers are reproducible.
"""

import argparse
import json
import pathlib

import numpy as np

import latentscore.synth as s
from latentscore.config import MusicConfig

ROOT = pathlib.Path(__file__).resolve().parents[2]


def layers(config, duration, seed):
    """The active layers of `assemble`, each as the array it adds to the mix."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    harmony = s.build_harmony_plan(config, duration, rng)
    policy = s.build_melody_policy(config)
    active = s.DENSITY_LAYERS[config.density]
    out = {}
    out["bass"] = s.BASS_PATTERNS.get(config.bass, s.bass_drone)(config, duration, harmony, policy, rng, 0.0)
    if config.depth:
        out["depth"] = s.bass_sub_pulse(config, duration, harmony, policy, rng, 0.0) * 0.6
    out["pad"] = s.PAD_PATTERNS.get(config.pad, s.pad_warm_slow)(config, duration, harmony, policy, rng, 0.0)
    if "melody" in active:
        if config.melody_engine == "procedural":
            fn = s.melody_procedural
        else:
            fn = s.MELODY_PATTERNS.get(config.melody, s.melody_contemplative)
        out["melody"] = fn(config, duration, harmony, policy, rng, 0.0)
    if "rhythm" in active and config.rhythm != "none":
        out["rhythm"] = s.RHYTHM_PATTERNS[config.rhythm](config, duration, harmony, policy, rng, 0.0)
    if "texture" in active and config.texture != "none":
        out["texture"] = s.TEXTURE_PATTERNS[config.texture](config, duration, harmony, policy, rng, 0.0)
    if "accent" in active and config.accent != "none":
        out["accent"] = s.ACCENT_PATTERNS[config.accent](config, duration, harmony, policy, rng, 0.0)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument("--seeds", type=int, default=24)
    args = parser.parse_args()
    presets = json.loads((ROOT / "assets" / "synth-presets.json").read_text())["presets"]
    for preset in presets:
        config = MusicConfig.model_validate(preset["config"]).to_internal()
        peaks, rmss = {}, {}
        for seed in range(args.seeds):
            for name, x in layers(config, args.seconds, seed).items():
                assert len(x) == int(s.SAMPLE_RATE * args.seconds)
                peaks.setdefault(name, []).append(float(np.max(np.abs(x))))
                rmss.setdefault(name, []).append(float(np.sqrt(np.mean(x * x))))
        print(f"{preset['name']}: {s._bpm(config):.1f} BPM")
        for name in peaks:
            p, r = np.array(peaks[name]), np.array(rmss[name])
            print(f"  {name:<8} peak {p.mean():.4f} (sd {p.std():.4f})  rms {r.mean():.5f} (sd {r.std():.5f})")


if __name__ == "__main__":
    main()
