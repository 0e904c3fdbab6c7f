#!/usr/bin/python3
"""The offline peer of kaiku_eval: gradient boosting (XGBoost) on history features.

Reads a features file of `kaiku_eval --features_out` (tools/eval/peer.h), fits XGBoost on the
rows of its training side, and writes the scores of its held-out rows (visitor,episode,score),
which `kaiku_eval --peer_scores` measures next to Kaiku's models on the same episodes and
moments. The peer has no limits on state: it sees every count and time of the visitor's history
up to the moment. It is a baseline, not the product.

  gbm_peer.py FEATURES.csv SCORES.csv                      # train side -> test side
  gbm_peer.py FEATURES.csv SCORES.csv --test=OTHER.csv     # all of FEATURES -> all of OTHER
  ... --columns=signal    # the model's own signal features instead of the history features

--test is for a held-back file: the peer learns from every row of the training data (as the
models judged with it do) and scores every row of the other file. --columns=signal shows what
boosting makes of exactly what Kaiku's state holds.

Run with Debian's python3 (python3-xgboost, python3-numpy; tools/run_evaluation.sh installs them).
"""
import argparse
import csv
import sys

import numpy as np
import xgboost as xgb


def read(path, prefix):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:4] != ["side", "converted", "visitor", "episode"]:
        sys.exit(f"gbm_peer.py: {path}: not a kaiku_eval features file")
    header, rows = rows[0], rows[1:]
    columns = [i for i, n in enumerate(header) if n.startswith(prefix)]
    if not columns:
        sys.exit(f"gbm_peer.py: {path}: no {prefix}* columns")
    names = [header[i][len(prefix):] for i in columns]
    x = np.array([[float(r[i]) for i in columns] for r in rows], dtype=np.float64)
    x = x.reshape(len(rows), len(columns))
    y = np.array([int(r[1]) for r in rows])
    return names, rows, x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("features")
    parser.add_argument("scores")
    parser.add_argument("--test", help="score every row of this features file instead")
    parser.add_argument("--columns", choices=["history", "signal"], default="history")
    args = parser.parse_args()
    prefix = args.columns + "."
    names, rows, x, y = read(args.features, prefix)
    if args.test:
        train = np.ones(len(rows), dtype=bool)
        test_names, test_rows, test_x, _ = read(args.test, prefix)
        if test_names != names:
            sys.exit("gbm_peer.py: the two files have different columns")
    else:
        train = np.array([r[0] == "train" for r in rows])
        test_rows = [r for r in rows if r[0] == "test"]
        test_x = x[~train]
    if train.sum() == 0 or len(set(y[train])) < 2:
        sys.exit("gbm_peer.py: the training rows need both labels")
    # Settings a practitioner would start from on a few thousand rows; fixed, not tuned to the
    # files, and deterministic (one thread, fixed seed).
    params = {
        "objective": "binary:logistic", "eta": 0.05, "max_depth": 4, "subsample": 0.8,
        "colsample_bytree": 0.8, "min_child_weight": 2, "lambda": 1.0, "nthread": 1,
        "seed": 1, "eval_metric": "logloss",
    }
    booster = xgb.train(params, xgb.DMatrix(x[train], label=y[train], missing=np.nan),
                        num_boost_round=300)
    scores = booster.predict(xgb.DMatrix(test_x, missing=np.nan)) if len(test_rows) else []
    with open(args.scores, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["visitor", "episode", "score"])
        for r, s in zip(test_rows, scores):
            w.writerow([r[2], r[3], f"{s:.6g}"])
    gain = booster.get_score(importance_type="gain")
    top = sorted(((gain.get(f"f{i}", 0.0), n) for i, n in enumerate(names)), reverse=True)[:8]
    print("gbm_peer: %d training rows, %d scored; top features by gain: %s" % (
        train.sum(), len(test_rows), ", ".join(n for g, n in top if g > 0)))


if __name__ == "__main__":
    main()
