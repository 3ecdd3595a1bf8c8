#!/usr/bin/env bash
# Where explanations lose faithfulness on CamVid's thin classes (docs/camvid.md, "Thin objects"):
# the output (OR) and prediction (PR) reconstructions' agreement with the network, per class, by
# layer (decoder2 at stride 2; output, the class scores before the softmax, at stride 1),
# prefilter, K, hyperpatch and paste rule, on the first 25 validation scenes; then the table.
#   bench/camvid_faithfulness.sh CAMVID_DIR [OUT] [MODEL]
# (default OUT: out/camvid-faithfulness, MODEL: models/camvid-segnet.model; docs/camvid.md's study
# used models/camvid-segnet-mfb.model; about 50 minutes on 2 cores)
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: bench/camvid_faithfulness.sh CAMVID_DIR [OUT] [MODEL]" >&2; exit 2; }
source_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
out=${2:-out/camvid-faithfulness}
model=${3:-models/camvid-segnet.model}
compnn=./build/bin/compnn
data=$out/data
store=$out/store
mkdir -p "$out"
[[ -f "$data/labels.json" ]] || "$compnn" data import camvid "$source_dir" --out "$data"
[[ -f "$store/manifest.json" ]] || "$compnn" index --model "$model" --data "$data" \
  --split train --layers encoder4,decoder3,decoder2,output --out "$store"
common=(--model "$model" --store "$store" --data "$data" --split val --count 25
        --quality-queries 0)
run() {  # NAME, then eval's options
  local name=$1
  shift
  [[ -f "$out/$name/table.json" ]] || "$compnn" eval "${common[@]}" "$@" --out "$out/$name"
}
run layers --layer decoder2,output --topk-images 0,16 --k 1,4 --no-cell-index
run output-hp1x1 --layer output --topk-images 16 --hyperpatch 1 1
run output-hp3x3 --layer output --topk-images 16 --hyperpatch 3 3
run decoder2-overlap --layer decoder2 --topk-images 16 --overlap
run decoder3 --layer decoder3 --topk-images 16
# Every training image at stride 1 through a cell index (a 2 x 2 hyperpatch of 11 class scores is
# 44 values: 22-byte codes).
[[ -f "$store/cell-index/output.2x2.json" ]] ||
  "$compnn" cell-index "$store" --layer output --code-bytes 22
run output-all --layer output --topk-images 0 --k 1,4
/usr/bin/python3 bench/faithfulness_table.py "layers=$out/layers/table.json" \
  "hyperpatch 1x1=$out/output-hp1x1/table.json" "hyperpatch 3x3=$out/output-hp3x3/table.json" \
  "overlapping paste=$out/decoder2-overlap/table.json" "decoder3=$out/decoder3/table.json" \
  "every image=$out/output-all/table.json" | tee "$out/faithfulness.md"
