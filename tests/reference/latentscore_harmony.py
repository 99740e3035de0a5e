"""The chord progressions LatentScore's build_harmony_plan draws, per harmony style and mode.

For each (style, mode), draws 200 plans of 30 s at 110 BPM with one chord per bar and prints the
distinct sequences of chord roots (scale degrees) it produced. tests/synth_fidelity.rs records
them. Set-up as in latentscore_layers.py; run:
  /tmp/ls-venv/bin/python tests/reference/latentscore_harmony.py
"""

import numpy as np

import latentscore.synth as s
from latentscore.config import MusicConfig

for style in ("pop", "jazz", "cinematic", "ambient"):
    for mode in ("major", "minor", "dorian", "mixolydian"):
        config = MusicConfig(harmony_style=style, mode=mode).to_internal()
        seen = set()
        for seed in range(200):
            plan = s.build_harmony_plan(config, 30.0, np.random.default_rng(seed))
            seen.add(tuple(c.root_degree for c in plan.chords))
        print(style, mode, len(next(iter(seen))), sorted(seen))
