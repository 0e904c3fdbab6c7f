#!/usr/bin/python3
"""The offline peer of kaiku_eval: gradient boosting (XGBoost) on history features.

Reads the features file of `kaiku_eval --features_out` (tools/eval/peer.h), fits XGBoost on the
rows of the training side, and writes the scores of the held-out rows (visitor,episode,score),
which `kaiku_eval --peer_scores` measures next to Kaiku's models on the same episodes and
moments. The peer has no limits on state: it sees every count and time of the visitor's history
up to the moment. It is a baseline, not the product.

Run with Debian's python3 (python3-xgboost, python3-numpy; tools/run_evaluation.sh installs
them):  /usr/bin/python3 tools/eval/gbm_peer.py FEATURES.csv SCORES.csv [history|signal]

The last argument picks the columns: the history features (default), or the model's own signal
features (what boosting makes of exactly what Kaiku's state holds).
"""
import csv
import sys

import numpy as np
import xgboost as xgb


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: gbm_peer.py FEATURES.csv SCORES.csv [history|signal]")
    prefix = (sys.argv[3] if len(sys.argv) == 4 else "history") + "."
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if header[:4] != ["side", "converted", "visitor", "episode"]:
        sys.exit(f"gbm_peer.py: {sys.argv[1]}: not a kaiku_eval features file")
    columns = [i for i, n in enumerate(header) if n.startswith(prefix)]
    if not columns:
        sys.exit(f"gbm_peer.py: {sys.argv[1]}: no {prefix}* columns")
    names = [header[i][len(prefix):] for i in columns]
    x = np.array([[float(r[i]) for i in columns] for r in rows], dtype=np.float64)
    y = np.array([int(r[1]) for r in rows])
    train = np.array([r[0] == "train" for r in rows])
    if train.sum() == 0 or len(set(y[train])) < 2:
        sys.exit("gbm_peer.py: the training side needs both labels")
    # Settings a practitioner would start from on a few thousand rows; fixed, not tuned to the
    # files, and deterministic (one thread, fixed seed).
    params = {
        "objective": "binary:logistic", "eta": 0.05, "max_depth": 4, "subsample": 0.8,
        "colsample_bytree": 0.8, "min_child_weight": 2, "lambda": 1.0, "nthread": 1,
        "seed": 1, "eval_metric": "logloss",
    }
    booster = xgb.train(params, xgb.DMatrix(x[train], label=y[train], missing=np.nan),
                        num_boost_round=300)
    scores = booster.predict(xgb.DMatrix(x[~train], missing=np.nan))
    with open(sys.argv[2], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["visitor", "episode", "score"])
        for r, s in zip((r for r in rows if r[0] == "test"), scores):
            w.writerow([r[2], r[3], f"{s:.6g}"])
    gain = booster.get_score(importance_type="gain")
    top = sorted(((gain.get(f"f{i}", 0.0), n) for i, n in enumerate(names)), reverse=True)[:8]
    print("gbm_peer: %d training rows, %d held out; top features by gain: %s" % (
        train.sum(), (~train).sum(), ", ".join(n for g, n in top if g > 0)))


if __name__ == "__main__":
    main()
