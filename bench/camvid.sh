#!/usr/bin/env bash
# The CamVid numbers of docs/camvid.md, from a copy of CamVid in SegNet's layout: import, index of
# the train split with the shipped SegNet, the paper's Table 1 column on val, and the layers and
# methods compared for faithfulness (agreement with the network) and coherence (how few sources
# and how large their regions). Writes OUT/table1/ and OUT/layers-*/ (table.md, table.json).
#   bench/camvid.sh CAMVID_DIR [OUT] [MODEL]   (default OUT: out/camvid-bench, MODEL:
#   models/camvid-segnet.model; about 7 minutes on 2 cores)
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: bench/camvid.sh CAMVID_DIR [OUT] [MODEL]" >&2; exit 2; }
source_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
out=${2:-out/camvid-bench}
compnn=./build/bin/compnn
model=${3:-models/camvid-segnet.model}
data=$out/data
store=$out/store
mkdir -p "$out"
[[ -f "$data/labels.json" ]] || "$compnn" data import camvid "$source_dir" --out "$data"
[[ -f "$store/manifest.json" ]] ||
  "$compnn" index --model "$model" --data "$data" --split train --out "$store"
# The cell index serves the rows over every training image (the paper's exhaustive row).
[[ -f "$store/cell-index/decoder2.2x2.json" ]] || "$compnn" cell-index "$store" --layer decoder2
common=(--model "$model" --store "$store" --data "$data" --split val)

# Table 1: every prefilter (0: every training image, through the cell index), one and four
# matches per cell; HyperPatch-Match measured against exact search over the top 16 on the first 8
# queries.
"$compnn" eval "${common[@]}" --layer decoder2 --topk-images 0,16,64 --k 1,4 \
  --quality-queries 8 --quality-topk 16 --out "$out/table1"
# Layers and methods on the first 25 queries: faithfulness against coherence (HyperPatch-Match
# over every image too: the cell index covers decoder2 alone).
"$compnn" eval "${common[@]}" --count 25 --layer decoder2,decoder3,decoder4 \
  --topk-images 0,16 --quality-queries 0 --no-cell-index --out "$out/layers-hpm"
"$compnn" eval "${common[@]}" --count 25 --layer decoder2,decoder3,decoder4 \
  --topk-images 16 --method projected --out "$out/layers-projected"
