"""Reference side of benches/minilm.sh: sentence-transformers (PyTorch, CPU) embedding the same
texts with the same model folder in batches, several runs in one warm process.
    python minilm_st.py --model DIR --input TEXTS --batch 32 --runs 3 [--threads N]"""
import argparse
import statistics
import time

import torch
from sentence_transformers import SentenceTransformer

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--input", required=True)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--runs", type=int, default=3)
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()
if a.threads:
    torch.set_num_threads(a.threads)
texts = open(a.input, encoding="utf-8").read().splitlines()
model = SentenceTransformer(a.model, device="cpu")
model.encode(texts[:64], batch_size=a.batch)  # warm-up
rates = []
for run in range(1, a.runs + 1):
    start = time.perf_counter()
    model.encode(texts, batch_size=a.batch, normalize_embeddings=True)
    rate = len(texts) / (time.perf_counter() - start)
    rates.append(rate)
    print(f"run {run}: {rate:.1f} sentences/s")
print(f"median: {statistics.median(rates):.1f} sentences/s ({torch.get_num_threads()} torch threads)")
