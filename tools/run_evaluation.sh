#!/usr/bin/env bash
# The evaluation command: replays the public datasets of ../shared/data/ into a fresh kaikud
# through the real API (one tenant per dataset), takes an online checkpoint of the store,
# learns each dataset's weights from the stored timelines (kaiku_train), loads every learned
# model into the running kaikud (SIGHUP-style reload through `kaikuctl reload-model`), and
# prints the evaluation table of each dataset (kaiku_eval, held-out visitors only).
# Everything it writes goes to build/evaluation/ (KAIKU_EVAL_DIR); the data is read where it
# is (KAIKU_DATA_DIR, default ../shared/data next to the repository) and never copied.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/build.sh" kaikud kaikuctl kaiku_replay_tool kaiku_train kaiku_eval
build="${KAIKU_BUILD_DIR:-$root/build}"
data_dir="${KAIKU_DATA_DIR:-$root/../shared/data}"
out="${KAIKU_EVAL_DIR:-$build/evaluation}"
kaikud="$build/services/kaikud/kaikud"
kaikuctl="$build/tools/kaikuctl/kaikuctl"
replay="$build/tools/replay/kaiku_replay"
train="$build/tools/train/kaiku_train"
evaluate="$build/tools/eval/kaiku_eval"
datasets=(taobao rees46 uci)
declare -A csv=(
  [taobao]="$data_dir/taobao-sample/train.csv"
  [rees46]="$data_dir/rees46-sample/train.csv"
  [uci]="$data_dir/uci-online-shoppers/train.csv"
)
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
KAIKUD_STDERR="$out/server/kaikud.log" start_kaikud "$kaikud" "$out/server" \
  --keys_file="$out/server/keys" --model="$out/server/model.textproto"
echo "== kaikud on $KAIKU_ADDR, data in $out/server"

echo "== replaying the datasets through the Ingest API (event times shifted by whole days)"
for d in "${datasets[@]}"; do
  "$replay" --dataset="$d" --csv="${csv[$d]}" --api_key="${key[$d]}" | sed 's/^/   /'
done

echo "== online checkpoint of the store"
"$kaikuctl" checkpoint replayed --api-key "${key[taobao]}" | sed 's/^/   /'
store="$out/server/checkpoints/replayed"

for d in "${datasets[@]}"; do
  echo "== $d: learning the weights from the stored timelines (70 % of the visitors)"
  "$train" --dataset="$d" --store="$store" --tenant="$d" \
    --out="$out/$d.model.textproto" | tee "$out/$d.train.txt" | sed 's/^/   /'
  echo "== $d: the same with the shop signals (deploy/config/shop-signals.textproto) added"
  "$train" --dataset="$d" --store="$store" --tenant="$d" \
    --extra_signals="$root/deploy/config/shop-signals.textproto" \
    --out="$out/$d.shop.model.textproto" | tee "$out/$d.shop.train.txt" | sed 's/^/   /'
  echo "== $d: the learned models loaded into kaikud"
  for m in "$out/$d.model.textproto" "$out/$d.shop.model.textproto"; do
    cp "$m" "$out/server/model.textproto"
    "$kaikuctl" reload-model --api-key "${key[$d]}" | sed 's/^/   /'
  done
done
cp "$root/deploy/config/model.textproto" "$out/server/model.textproto"
"$kaikuctl" reload-model --api-key "${key[taobao]}" > /dev/null

for d in "${datasets[@]}"; do
  echo
  "$evaluate" --dataset="$d" --store="$store" --tenant="$d" \
    --learned="$out/$d.model.textproto,$out/$d.shop.model.textproto" | tee "$out/$d.eval.md"
done
echo
echo "== tables in $out/*.eval.md, learned models in $out/*.model.textproto"
