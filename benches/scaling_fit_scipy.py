#!/usr/bin/env python3
"""The reference for benchtop's scaling-law fit: the DataDecide two-step method fitted with scipy,
one problem at a time (the loop a researcher would write).

Input: a JSON file of problems, as `benchtop fit --points-out FILE` writes them:
  {"problems": [{"task", "recipe", "loss_points": [[F, L], ...], "acc_points": [[L, acc], ...],
                 "target_compute": F}, ...]}
Output (stdout): JSON with, per problem, the fitted parameters and the predictions at the target,
and the wall time of the whole loop.

Step 1: L(F) = exp(a) / F^alpha + E, Huber loss (delta 1e-3) on log(pred) - log(actual)
        (scipy's least_squares with loss="huber", f_scale=1e-3 is exactly that Huber loss), E >= 0.
Step 2: Acc(L) = a / (1 + exp(-k (L - L0))) + b, least squares, a in [-1, 0], k >= 0, L0 >= 0,
        b in [0, 1] (curve_fit, method "trf").
Both start from the same initial guesses as benchtop (described in src/ml/fit/solve.rs); step 1
from each E in a grid of fractions of the smallest loss, keeping the best end.

    python3 benches/scaling_fit_scipy.py tests/data/fit_points.json
"""

import json
import sys
import time

import numpy as np
from scipy.optimize import curve_fit, least_squares


E_STARTS = [0.05, 0.25, 0.5, 0.75, 0.9]


def step1_init(F, L, fraction):
    E0 = fraction * L.min()
    x = np.log(F)
    y = np.log(L - E0)
    slope, intercept = np.polyfit(x, y, 1)
    return np.array([intercept, -slope, E0])


def fit_step1(F, L):
    def residuals(p):
        a, alpha, E = p
        return np.log(np.exp(a - alpha * np.log(F)) + E) - np.log(L)

    best = None
    for fraction in E_STARTS:
        res = least_squares(
            residuals, step1_init(F, L, fraction), loss="huber", f_scale=1e-3, method="trf",
            bounds=([-np.inf, -np.inf, 0.0], [np.inf, np.inf, np.inf]),
            x_scale="jac", max_nfev=20000, xtol=1e-12, ftol=1e-12, gtol=1e-12,
        )
        if best is None or res.cost < best.cost:
            best = res
    return best.x


def sigmoid(L, a, k, L0, b):
    return a / (1.0 + np.exp(-k * (L - L0))) + b


def step2_init(L, A):
    lo, hi = A.min(), A.max()
    b0 = min(0.999, hi + 0.02)
    a0 = max(-0.999, min(-0.001, lo - 0.02 - b0))
    L0 = max(1e-3, float(np.median(L)))
    k0 = 4.0 / max(L.max() - L.min(), 1e-3)
    return np.array([a0, k0, L0, b0])


def fit_step2(L, A):
    p0 = step2_init(L, A)
    popt, _ = curve_fit(
        sigmoid, L, A, p0=p0, method="trf",
        bounds=([-1.0, 0.0, 0.0, 0.0], [0.0, np.inf, np.inf, 1.0]), maxfev=20000,
    )
    return popt


def main():
    with open(sys.argv[1]) as f:
        problems = json.load(f)["problems"]
    out = []
    t0 = time.perf_counter()
    for p in problems:
        lp = np.array(p["loss_points"], dtype=float)
        ap = np.array(p["acc_points"], dtype=float)
        a, alpha, E = fit_step1(lp[:, 0], lp[:, 1])
        s2 = fit_step2(ap[:, 0], ap[:, 1])
        pred_loss = float(np.exp(a - alpha * np.log(p["target_compute"])) + E)
        pred_acc = float(sigmoid(pred_loss, *s2))
        out.append({
            "task": p["task"], "recipe": p["recipe"],
            "step1": [float(a), float(alpha), float(E)],
            "step2": [float(v) for v in s2],
            "pred_loss": pred_loss, "pred_acc": pred_acc,
        })
    seconds = time.perf_counter() - t0
    json.dump({"seconds": seconds, "fits": out}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
