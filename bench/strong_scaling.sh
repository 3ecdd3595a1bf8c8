#!/usr/bin/env bash
# Strong scaling of `compnn index` and `compnn eval` from 1 rank to 2 (1 thread each), timed
# interleaved (1 rank, 2 ranks, 1 rank, ...) REPEATS times so that drift hits both alike; prints
# every time, the medians and the speed-up (docs/scaling.md).
# Usage: bench/strong_scaling.sh [REPEATS] [EVAL_QUERIES]   (defaults 3 and 32)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
queries=${2:-32}
source bench/scaling_common.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # RANKS WHAT
  local ranks=$1 what=$2 launcher=()
  ((ranks > 1)) && launcher=(mpirun -np "$ranks")
  rm -rf "$out/$what"
  case $what in
    index) seconds "$out/log" "${launcher[@]}" "$compnn" index --model "$model" --data data/facades \
      --threads 1 --out "$out/index" ;;
    eval) seconds "$out/log" "${launcher[@]}" "$compnn" eval --model "$model" --store "$store" --split val \
      --count "$queries" --topk-images 16 --threads 1 --quality-queries 0 --out "$out/eval" ;;
  esac
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for what in index eval; do
  ones=() twos=()
  for ((i = 0; i < repeats; ++i)); do
    ones+=("$(run 1 "$what")")
    twos+=("$(run 2 "$what")")
  done
  m1=$(median "${ones[@]}")
  m2=$(median "${twos[@]}")
  echo "$what: 1 rank ${ones[*]} s; 2 ranks ${twos[*]} s; medians $m1 / $m2 s; speed-up $(echo "scale=2; $m1 / $m2" | bc)x"
done
