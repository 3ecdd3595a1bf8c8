#!/usr/bin/env bash
# The cell index on CamVid (docs/performance.md): import CamVid, index its train and val splits
# with the shipped SegNet, build the cell index of the train store, each step timed, then
# compnn-bench-cell-index: the index against exact search over every training image on the first
# val queries, a curve of its settings, and FAISS's IVF-Flat (HNSW with --hnsw-m M).
#   bench/cell_index.sh CAMVID_DIR [OUT] [compnn-bench-cell-index options...]
# (default OUT: out/cell-index-bench; about 15 minutes on 2 cores, most of it exact search)
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: bench/cell_index.sh CAMVID_DIR [OUT] [bench options]" >&2; exit 2; }
source_dir=$(realpath "$1")
shift
out=out/cell-index-bench
if [[ $# -ge 1 && $1 != -* ]]; then out=$(realpath -m "$1"); shift; fi
cd "$(dirname "$0")/.."
compnn=./build/bin/compnn
# The model docs/performance.md's numbers were measured with (COMPNN_MODEL: another).
model=${COMPNN_MODEL:-models/camvid-segnet-mfb.model}
mkdir -p "$out"
seconds() { local start=$SECONDS; "$@" >&2; echo $((SECONDS - start)); }

[[ -f "$out/data/labels.json" ]] || "$compnn" data import camvid "$source_dir" --out "$out/data"
if [[ ! -f "$out/train/manifest.json" ]]; then
  t=$(seconds "$compnn" index --model "$model" --data "$out/data" --split train --out "$out/train")
  echo "indexing the train split's activations: $t s"
fi
[[ -f "$out/val/manifest.json" ]] ||
  "$compnn" index --model "$model" --data "$out/data" --split val --out "$out/val"
t=$(seconds "$compnn" cell-index "$out/train")
echo "building the cell index: $t s"
./build/bin/compnn-bench-cell-index --store "$out/train" --queries "$out/val" \
  --json "$out/cell-index.json" "$@"
