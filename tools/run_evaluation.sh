#!/usr/bin/env bash
# The evaluation command: replays the public datasets of ../shared/data/ into a fresh kaikud
# through the real API (one tenant per dataset), takes an online checkpoint of the store, and
# for each dataset, from the stored timelines:
#  - learns two models on 70 % of the visitors (kaiku_train): the default model's weights, and
#    the shop model (deploy/config/shop-base.textproto) with learned shapes; the shop model is
#    learned again on every visitor for use on other data of the same site;
#  - loads every learned model into the running kaikud (`kaikuctl reload-model`);
#  - trains the gradient-boosting peer (tools/eval/gbm_peer.py, XGBoost) on the same episodes
#    and moments, from history features;
#  - prints the evaluation table on the held-out 30 % (kaiku_eval) and a backtest of the shop
#    model against the default one (kaiku_backtest: what each would have sent).
# Everything it writes goes to build/evaluation/ (KAIKU_EVAL_DIR); the data is read where it
# is (KAIKU_DATA_DIR, default ../shared/data next to the repository) and never copied.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup/install_deps.sh" python3-xgboost python3-numpy
bash "$root/tools/build.sh" kaikud kaikuctl kaiku_replay_tool kaiku_train kaiku_eval kaiku_backtest
build="${KAIKU_BUILD_DIR:-$root/build}"
data_dir="${KAIKU_DATA_DIR:-$root/../shared/data}"
out="${KAIKU_EVAL_DIR:-$build/evaluation}"
kaikud="$build/services/kaikud/kaikud"
kaikuctl="$build/tools/kaikuctl/kaikuctl"
replay="$build/tools/replay/kaiku_replay"
train="$build/tools/train/kaiku_train"
evaluate="$build/tools/eval/kaiku_eval"
backtest="$build/tools/backtest/kaiku_backtest"
python=/usr/bin/python3  # Debian's, with python3-xgboost
datasets=(taobao rees46 uci)
declare -A csv=(
  [taobao]="$data_dir/taobao-sample/train.csv"
  [rees46]="$data_dir/rees46-sample/train.csv"
  [uci]="$data_dir/uci-online-shoppers/train.csv"
)
# The sites' time zones: calendar days and hours are read in them.
declare -A zone=([taobao]=Asia/Shanghai [rees46]=UTC [uci]=UTC)
for d in "${datasets[@]}"; do
  [ -r "${csv[$d]}" ] || { echo "run_evaluation: cannot read ${csv[$d]}" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/server"
# One tenant per dataset; keys are made for this run only.
declare -A key
for d in "${datasets[@]}"; do
  key[$d]="eval-$d-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  echo "$("$kaikuctl" hash-key "${key[$d]}") $d ingest,subscribe,admin" >> "$out/server/keys"
done
cp "$root/deploy/config/model.textproto" "$out/server/model.textproto"

source "$root/tools/kaikud.sh"
trap stop_kaikud EXIT
# UCI's sessions span the months of 2014 its rows name; a replay keeps their spacing, so the
# store keeps 400 days instead of the default 90.
echo "retention { seconds: 34560000 }" > "$out/server/kaikud.textproto"
KAIKUD_STDERR="$out/server/kaikud.log" start_kaikud "$kaikud" "$out/server" \
  --config="$out/server/kaikud.textproto" --keys_file="$out/server/keys" \
  --model="$out/server/model.textproto"
echo "== kaikud on $KAIKU_ADDR, data in $out/server"

echo "== replaying the datasets through the Ingest API (event times shifted by whole days)"
for d in "${datasets[@]}"; do
  "$replay" --dataset="$d" --csv="${csv[$d]}" --api_key="${key[$d]}" | sed 's/^/   /'
done

echo "== online checkpoint of the store"
"$kaikuctl" checkpoint replayed --api-key "${key[taobao]}" | sed 's/^/   /'
store="$out/server/checkpoints/replayed"

for d in "${datasets[@]}"; do
  common=(--dataset="$d" --store="$store" --tenant="$d")
  echo "== $d: learning the default model's weights (70 % of the visitors)"
  "$train" "${common[@]}" --out="$out/$d.model.textproto" > "$out/$d.train.txt"
  tail -2 "$out/$d.train.txt" | sed 's/^/   /'
  echo "== $d: learning the shop model with shapes (deploy/config/shop-base.textproto)"
  shop=(--base_model="$root/deploy/config/shop-base.textproto" --time_zone="${zone[$d]}"
        --shapes=monotone)
  "$train" "${common[@]}" "${shop[@]}" --out="$out/$d.shop.model.textproto" \
    > "$out/$d.shop.train.txt"
  tail -2 "$out/$d.shop.train.txt" | sed 's/^/   /'
  echo "== $d: the shop model learned on every visitor (for other data of the same site)"
  "$train" "${common[@]}" "${shop[@]}" --test_fraction=0 \
    --version="kaiku-shop-2026-12-1-$d" --out="$out/$d.shop.final.model.textproto" \
    > "$out/$d.shop.final.train.txt"
  echo "== $d: the learned models loaded into kaikud"
  for m in "$out/$d.model.textproto" "$out/$d.shop.model.textproto" \
           "$out/$d.shop.final.model.textproto"; do
    cp "$m" "$out/server/model.textproto"
    "$kaikuctl" reload-model --api-key "${key[$d]}" | sed 's/^/   /'
  done
  echo "== $d: the gradient-boosting peer on the same episodes and moments"
  "$evaluate" "${common[@]}" --features_out="$out/$d.features.csv" > /dev/null
  "$evaluate" "${common[@]}" --test_fraction=0 --features_out="$out/$d.all.features.csv" > /dev/null
  "$python" "$root/tools/eval/gbm_peer.py" "$out/$d.features.csv" "$out/$d.peer.csv" | sed 's/^/   /'
done
echo "== the shop starter model: the shop model learned on the three shops' visitors pooled"
"$train" --dataset=taobao --store="$store" --tenant=taobao,rees46,uci \
  --base_model="$root/deploy/config/shop-base.textproto" --shapes=monotone --test_fraction=0 \
  --version=kaiku-shop-2026-12-1 --out="$out/shop-starter.model.textproto" \
  > "$out/shop-starter.train.txt"
head -3 "$out/shop-starter.train.txt" | sed 's/^/   /'
cp "$out/shop-starter.model.textproto" "$out/server/model.textproto"
"$kaikuctl" reload-model --api-key "${key[taobao]}" | sed 's/^/   /'
cp "$root/deploy/config/model.textproto" "$out/server/model.textproto"
"$kaikuctl" reload-model --api-key "${key[taobao]}" > /dev/null

for d in "${datasets[@]}"; do
  echo
  "$evaluate" --dataset="$d" --store="$store" --tenant="$d" \
    --learned="$out/$d.model.textproto,$out/$d.shop.model.textproto" \
    --peer_scores="$out/$d.peer.csv" | tee "$out/$d.eval.md"
  "$backtest" --store="$store" --tenant="$d" --model="$out/$d.shop.model.textproto" \
    > "$out/$d.backtest.md"
  echo
  echo "Backtest of the shop model against the default one (all of $d; $out/$d.backtest.md):"
  grep -E '^\| (current|candidate) |^\| all |^### Visitors' "$out/$d.backtest.md" | sed 's/^/   /'
done
echo
echo "== tables in $out/*.eval.md, backtests in $out/*.backtest.md, learned models in $out/*.model.textproto"
echo "   (deploy/config/shop-model.textproto is $out/shop-starter.model.textproto of the run the README reports)"
