#!/usr/bin/env bash
# Cityscapes at the scale of its 2975 training images (docs/performance.md, docs/scaling.md): the
# store of one layer (size, time, images/s, peak memory), the cell index over it (time, size,
# peak memory), the paper's Tables 1 and 2 on the 250 val pairs, and the cell index against exact
# search over every training image on sampled cells. Each step is skipped when its output exists,
# so a stopped run resumes; times and peak memory go to OUT/timings.txt.
#   bench/cityscapes.sh CITYSCAPES_DIR [OUT] [MODELS_DIR] [LAYER]   (default OUT:
#   out/cityscapes-bench, MODELS_DIR: models, LAYER: decoder2)
set -euo pipefail
usage="usage: bench/cityscapes.sh CITYSCAPES_DIR [OUT] [MODELS_DIR] [LAYER]"
[[ $# -ge 1 ]] || { echo "$usage" >&2; exit 2; }
source_dir=$(realpath "$1")
models=$(realpath "${3:-models}")
layer=${4:-decoder2}
out=$(realpath -m "${2:-out/cityscapes-bench}")  # resolved before the cd, as the other paths
cd "$(dirname "$0")/.."
compnn=./build/bin/compnn
data=$out/data
p2l=$models/cityscapes-photo2label.model
l2p=$models/cityscapes-label2photo.model
mkdir -p "$out"
# Runs a step under /usr/bin/time and appends "NAME: S s, peak RSS M MB" to OUT/timings.txt.
timed() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/.time" "$@"
  read -r seconds kilobytes <"$out/.time"
  echo "$name: $seconds s, peak RSS $((kilobytes / 1024)) MB" | tee -a "$out/timings.txt"
}

[[ -f "$data/labels.json" ]] ||
  timed import "$compnn" data import pix2pix "$source_dir" --palette cityscapes --out "$data"

for side in p2l l2p; do
  model=${!side}
  [[ -f "$model" ]] || { echo "$model: missing, its rows are skipped" >&2; continue; }
  store=$out/store-$side
  if [[ ! -f "$store/manifest.json" ]]; then
    timed "index $side ($layer)" "$compnn" index --model "$model" --data "$data" --split train \
      --layers "$layer" --out "$store"
    du -sb "$store" | awk -v n="$side" '{printf "store %s: %.2f GB\n", n, $1 / 1e9}' |
      tee -a "$out/timings.txt"
  fi
  if [[ ! -f "$store/cell-index/$layer.2x2.json" ]]; then
    timed "cell index $side" "$compnn" cell-index "$store" --layer "$layer"
    du -sb "$store/cell-index" | awk -v n="$side" '{printf "cell index %s: %.2f GB\n", n, $1 / 1e9}' |
      tee -a "$out/timings.txt"
  fi
  table=$([[ $side == p2l ]] && echo table1 || echo table2)
  # Every prefilter and every training image (0, through the cell index), one and four matches
  # a cell; HyperPatch-Match against exact search on the first 4 queries at top 16.
  [[ -f "$out/$table/table.json" ]] ||
    timed "eval $side" "$compnn" eval --model "$model" --store "$store" --split val \
      --layer "$layer" --topk-images 0,1,16,32,64 --k 1,4 --quality-queries 4 --quality-topk 16 \
      --out "$out/$table"
done

# The cell index against exact search over every training image, on sampled cells of the first
# val queries (exact search over 49 M cells takes hours a query), with and without propagation.
if [[ -f "$out/store-p2l/cell-index/$layer.2x2.json" && ! -f "$out/cell-index.json" ]]; then
  # The benchmark program does not choose OpenBLAS's kernels as compnn does (docs/performance.md).
  if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
    if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
  fi
  [[ -f "$out/val-p2l/manifest.json" ]] ||
    "$compnn" index --model "$p2l" --data "$data" --split val --layers "$layer" \
      --out "$out/val-p2l"
  ./build/bin/compnn-bench-cell-index --store "$out/store-p2l" --queries "$out/val-p2l" \
    --layer "$layer" --count 2 --rounds 1 --exact-sample 256 --probes 1 --shortlists 16,32,64 \
    --propagations 0,4,8 --json "$out/cell-index.json"
fi
