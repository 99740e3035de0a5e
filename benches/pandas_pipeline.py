"""The DataDecide pipeline in plain pandas: the reference benchtop's `datadecide build` is
measured against (benches/datadecide_build.sh runs both on the same files).

The six steps, as the Python tooling around DataDecide does them:
  1. parse each eval row's `metrics` string, a Python literal (single quotes, `None`, `True`/`False`,
     `nan`, `inf`): its tokens are translated to JSON and read with `json.loads` (the fast path),
     and a row that does not read that way (a quote inside a string, say) is read with Python's own
     `ast` parser, `nan`/`inf` as floats (which `ast.literal_eval` refuses); keep the 28 metrics as
     floats (booleans as 0/1, `None` and +-inf as NaN: missing);
  2. average the MMLU subjects into mmlu_average per (params, data, seed, step) and
     pivot tasks x metrics to `<task>_<metric>` columns (first value of a duplicate);
  3. outer-merge the perplexities (renamed `<domain>-valppl`) on (params, data, seed, step);
  4. add tokens = step x batch x 2048 and compute = 6 x N x tokens;
  5. average over seeds per (params, data, step); 6. melt to the long table, dropping NaN.

Usage: python benches/pandas_pipeline.py --ppl PPL.parquet --eval E1 [E2 ...] --out OUT.parquet
       [--compare BENCHTOP_OUT.parquet]
Prints wall time and peak RSS (getrusage) of the whole run, and with --compare the largest
difference between the two long tables.
"""

import argparse
import ast
import json
import re
import resource
import sys
import time

import numpy as np
import pandas as pd

SIZES = {  # label: (batch, N)
    "4M": (32, 3_744_832), "6M": (32, 6_010_464), "8M": (32, 8_538_240), "10M": (32, 9_900_432),
    "14M": (32, 14_380_224), "16M": (32, 16_004_560), "20M": (64, 19_101_888), "60M": (96, 57_078_144),
    "90M": (160, 97_946_640), "150M": (192, 151_898_880), "300M": (320, 319_980_544),
    "530M": (448, 530_074_944), "750M": (576, 681_297_408), "1B": (704, 1_176_832_000),
}
METRICS = [
    "correct_choice", "acc_raw", "acc_per_token", "acc_per_char", "acc_per_byte", "acc_uncond", "no_answer",
    "sum_logits_corr", "logits_per_token_corr", "logits_per_char_corr", "bits_per_byte_corr", "correct_prob",
    "correct_prob_per_token", "correct_prob_per_char", "margin", "margin_per_token", "margin_per_char",
    "total_prob", "total_prob_per_token", "total_prob_per_char", "uncond_correct_prob",
    "uncond_correct_prob_per_token", "uncond_correct_prob_per_char", "uncond_total_prob", "norm_correct_prob",
    "norm_correct_prob_per_token", "norm_correct_prob_per_char", "primary_metric",
]
OLMES = ["mmlu_average", "arc_challenge", "arc_easy", "boolq", "csqa", "hellaswag", "openbookqa", "piqa",
         "socialiqa", "winogrande"]
PPL = ["wikitext_103", "pile", "c4_en", "m2d2_s2orc", "ice", "dolma_wiki", "dolma_stack", "dolma_reddit",
       "dolma_pes2o", "dolma_common-crawl", "dolma_books"]
KEYS = ["params", "data", "seed", "step"]


NAMES = {"None": None, "True": True, "False": False, "nan": float("nan"), "inf": float("inf")}


def literal(node):
    """A parsed Python literal (dict, list, tuple, str, number, None, True/False, nan, inf)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in NAMES:
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal(node.operand)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Dict):
        return {literal(k): literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal(e) for e in node.elts]
    raise ValueError(f"not a literal: {ast.dump(node)}")


TOKENS = re.compile(r"\b(None|True|False|nan|inf)\b")
JSON_TOKENS = {"None": "null", "True": "true", "False": "false", "nan": "NaN", "inf": "Infinity"}


def parse_literal(text):
    """A metrics literal: as JSON after translating its tokens, else through Python's parser."""
    text_json = text.replace("'", '"')
    if any(token in text_json for token in JSON_TOKENS):
        text_json = TOKENS.sub(lambda m: JSON_TOKENS[m.group(1)], text_json)
    try:
        return json.loads(text_json)
    except ValueError:
        return literal(ast.parse(text, mode="eval").body)


def build(ppl_path, eval_paths):
    # 1. parse
    raw = pd.concat([pd.read_parquet(p, columns=KEYS + ["task", "metrics"]) for p in eval_paths], ignore_index=True)
    parsed = pd.DataFrame.from_records([parse_literal(s) for s in raw["metrics"]], columns=METRICS)
    # Booleans as 0/1, None and +-inf as NaN (missing).
    parsed = parsed.astype("float64").replace([np.inf, -np.inf], np.nan)
    eval_df = pd.concat([raw[KEYS + ["task"]], parsed], axis=1)
    eval_df["step"] = eval_df["step"].astype("int64")
    del raw, parsed
    # 2. MMLU average, then pivot
    is_subject = eval_df["task"].str.startswith("mmlu_")
    mmlu = eval_df[is_subject].groupby(KEYS, sort=False)[METRICS].mean().reset_index()
    mmlu["task"] = "mmlu_average"
    eval_df = pd.concat([eval_df[~is_subject], mmlu], ignore_index=True)
    wide = eval_df.pivot_table(index=KEYS, columns="task", values=METRICS, aggfunc="first")
    wide.columns = [f"{task}_{metric}" for metric, task in wide.columns]
    wide = wide.reset_index()
    del eval_df, mmlu
    # 3. perplexities
    ppl = pd.read_parquet(ppl_path)
    ppl = ppl.rename(columns={f"eval/{d}-validation/Perplexity": f"{d}-valppl" for d in PPL})
    ppl = ppl[KEYS + [f"{d}-valppl" for d in PPL]].drop_duplicates(subset=KEYS, keep="first")
    ppl = ppl.replace([np.inf, -np.inf], np.nan)
    ppl["step"] = ppl["step"].astype("int64")
    merged = ppl.merge(wide, on=KEYS, how="outer")
    del wide, ppl
    # 4. tokens and compute
    batch = merged["params"].map(lambda p: SIZES[p][0]).astype("float64")
    n = merged["params"].map(lambda p: SIZES[p][1]).astype("float64")
    merged["tokens"] = merged["step"].astype("float64") * batch * 2048.0
    merged["compute"] = 6.0 * n * merged["tokens"]
    # 5. seed average
    value_cols = [f"{d}-valppl" for d in PPL] + [
        f"{t}_{m}" for m in METRICS for t in sorted(OLMES) if f"{t}_{m}" in merged.columns
    ]
    mean = merged.groupby(["params", "data", "step"], sort=False)[["tokens", "compute"] + value_cols].mean().reset_index()
    del merged
    # 6. melt
    long = mean.melt(id_vars=["params", "data", "step", "tokens", "compute"], value_vars=value_cols,
                     var_name="metric", value_name="value").dropna(subset=["value"])
    return long


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ppl", required=True)
    ap.add_argument("--eval", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--compare")
    args = ap.parse_args()
    start = time.perf_counter()
    long = build(args.ppl, args.eval)
    long.to_parquet(args.out, index=False)
    took = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pandas: {len(long)} rows in {took:.1f} s, peak RSS {peak_mb:.0f} MB")
    if args.compare:
        ours = pd.read_parquet(args.compare)
        key = ["params", "data", "step", "metric"]
        joined = long.merge(ours, on=key, how="outer", suffixes=("_pandas", "_benchtop"), indicator=True)
        only = (joined["_merge"] != "both").sum()
        both = joined[joined["_merge"] == "both"]
        rel = (both["value_pandas"] - both["value_benchtop"]).abs() / both["value_pandas"].abs().clip(lower=1e-12)
        print(f"compare: {len(ours)} benchtop rows, {only} rows in only one table, "
              f"largest relative difference {rel.max():.3g}, tokens equal: "
              f"{np.allclose(both['tokens_pandas'], both['tokens_benchtop'])}")
        if only or rel.max() > 1e-9:
            sys.exit(1)


if __name__ == "__main__":
    main()
