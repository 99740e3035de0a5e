#!/usr/bin/env bash
# Benchmark: all-MiniLM-L6-v2 in benchtop (burn, CPU) against sentence-transformers on PyTorch
# CPU, embedding the bundled training set's 3,000 vibes in batches of 32, in one run, alternating
# the sides; then the fast model's query latency (embed one vibe, search a 10,558-row map).
# Both sides warm (several runs in one process). The reference is installed in a throwaway venv.
#   benches/minilm.sh [VENV]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-$HOME/.cache/benchtop-st-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu || "$venv/bin/pip" install --quiet torch
  "$venv/bin/pip" install --quiet sentence-transformers
fi
. benches/setup.sh
model=$(scripts/fetch-test-model)
texts="$work/texts.txt"
python3 -c "
import json, sys
for line in open('data/latentscore-synthetic-train.jsonl'):
    print(json.loads(line)['vibe_original'])" > "$texts"
threads=$(nproc)
for round in 1 2 3; do
  echo "round $round"
  "$bin" bench embed --model "$model" --input "$texts" --batch 32 --runs 3 | tail -1 | sed 's/^/  benchtop (burn CPU): /'
  "$venv/bin/python" benches/minilm_st.py --model "$model" --input "$texts" --batch 32 --runs 3 | tail -1 | sed 's/^/  sentence-transformers: /'
  "$venv/bin/python" benches/minilm_st.py --model "$model" --input "$texts" --batch 32 --runs 3 --threads 1 | tail -1 | sed 's/^/  sentence-transformers: /'
done
# A map the size of LatentScore's (10,558 rows): the bundled rows' configs, random unit embeddings
# (the search's cost does not depend on their values).
python3 - "$work/map.jsonl" <<'PY'
import json, math, random, sys
rows = [json.loads(l) for l in open('data/latentscore-synthetic-train.jsonl')]
rng = random.Random(0)
with open(sys.argv[1], 'w') as out:
    for i in range(10558):
        r = rows[i % len(rows)]
        v = [rng.gauss(0, 1) for _ in range(384)]
        n = math.sqrt(sum(x * x for x in v))
        out.write(json.dumps({"vibe_original": r["vibe_original"], "embedding": [round(x / n, 7) for x in v],
                              "config": r["config"], "title": r.get("title"), "split": r.get("split"),
                              "synthetic": True}) + "\n")
PY
"$bin" bench query --model "$model" --map "$work/map.jsonl" --runs 300 2>/dev/null
