#!/usr/bin/env bash
# Judges the models of the last `bash tools/run_evaluation.sh` on another file of the same
# dataset (e.g. a held-back part no one trained on): every episode of FILE, each at its last
# event before the decision, scored by the default model, the default model's learned weights
# and the shop model with learned shapes (both learned on every visitor of the dataset's
# train.csv), next to the gradient-boosting peer learned from the same train.csv episodes.
#
#   bash tools/eval/held_back.sh taobao HELD_BACK.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ "$#" -eq 2 ] || { echo "usage: held_back.sh taobao|rees46|uci FILE" >&2; exit 2; }
d=$1 file=$2
build="${KAIKU_BUILD_DIR:-$root/build}"
out="${KAIKU_EVAL_DIR:-$build/evaluation}"
for f in "$out/$d.all.features.csv" "$out/$d.shop.final.model.textproto"; do
  [ -r "$f" ] || { echo "held_back.sh: no $f: run bash tools/run_evaluation.sh first" >&2; exit 1; }
done
evaluate="$build/tools/eval/kaiku_eval"
train="$build/tools/train/kaiku_train"
mkdir -p "$out/held-back"
# The default model's weights learned on every visitor of train.csv (run_evaluation learns
# them on 70 %).
"$train" --dataset="$d" --store="$out/server/checkpoints/replayed" --tenant="$d" \
  --test_fraction=0 --out="$out/held-back/$d.model.textproto" > /dev/null
"$evaluate" --dataset="$d" --csv="$file" --test_fraction=0 \
  --features_out="$out/held-back/$d.features.csv" > /dev/null
/usr/bin/python3 "$root/tools/eval/gbm_peer.py" "$out/$d.all.features.csv" \
  "$out/held-back/$d.peer.csv" --test="$out/held-back/$d.features.csv"
"$evaluate" --dataset="$d" --csv="$file" --test_fraction=0 \
  --learned="$out/held-back/$d.model.textproto,$out/$d.shop.final.model.textproto" \
  --peer_scores="$out/held-back/$d.peer.csv"
