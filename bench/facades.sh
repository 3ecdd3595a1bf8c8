#!/usr/bin/env bash
# The real facades numbers of docs/results.md, from pix2pix's facades (SRC/train, SRC/val): import,
# the train split indexed with each shipped network, and the paper's Tables 1 and 2, Facades
# column, on val. Writes OUT/table1/ and OUT/table2/ (table.md, table.json).
#   bench/facades.sh FACADES_DIR [OUT] [MODELS_DIR] [THREADS]   (default OUT: out/facades-bench,
#   MODELS_DIR: models, THREADS: every core; 1 leaves a core to a training run beside it)
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: bench/facades.sh FACADES_DIR [OUT] [MODELS_DIR] [THREADS]" >&2; exit 2; }
source_dir=$(realpath "$1")
models=$(realpath "${3:-models}")
out=$(realpath -m "${2:-out/facades-bench}")  # resolved before the cd, as the other paths
cd "$(dirname "$0")/.."
compnn=./build/bin/compnn
data=$out/data
p2l=$models/cmp-facades-photo2label.model
l2p=$models/cmp-facades-label2photo.model
threads=()
[[ -z "${4:-}" ]] || threads=(--threads "$4")
mkdir -p "$out"
[[ -f "$data/labels.json" ]] || "$compnn" data import pix2pix "$source_dir" --out "$data"

# Table 1 (photo -> labels): decoder2 is the paper's "last decoder layer"; the global descriptor
# (the bottleneck) comes with every store. Every prefilter, one and four matches per cell.
[[ -f "$p2l" ]] || echo "$p2l: missing, Table 1 is skipped" >&2
if [[ -f "$p2l" ]]; then
  [[ -f "$out/store-p2l/manifest.json" ]] ||
    "$compnn" index --model "$p2l" --data "$data" --split train --layers decoder2 \
      "${threads[@]}" --out "$out/store-p2l"
  [[ -f "$out/table1/table.json" ]] ||  # kept: delete it to measure again
    "$compnn" eval --model "$p2l" --store "$out/store-p2l" --split val --layer decoder2 \
    --topk-images 1,16,32,64 --k 1,4 --quality-queries 4 --quality-topk 16 "${threads[@]}" \
    --out "$out/table1"
fi

# Table 2 (labels -> photo): input reconstructions against the input labels, and the photo rows.
[[ -f "$l2p" ]] || echo "$l2p: missing, Table 2 is skipped" >&2
if [[ -f "$l2p" ]]; then
  [[ -f "$out/store-l2p/manifest.json" ]] ||
    "$compnn" index --model "$l2p" --data "$data" --split train --layers decoder2 \
      "${threads[@]}" --out "$out/store-l2p"
  [[ -f "$out/table2/table.json" ]] ||
    "$compnn" eval --model "$l2p" --store "$out/store-l2p" --split val --layer decoder2 \
    --topk-images 1,16,32,64 --k 1,4 --quality-queries 0 "${threads[@]}" --out "$out/table2"
fi
