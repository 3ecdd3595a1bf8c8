#!/usr/bin/env bash
# Strong scaling of compnn under mpirun on this machine (docs/scaling.md): index, exact search,
# HyperPatch-Match and eval with the bundled facades-photo2label model and store, at 1 and 2 ranks
# of 1 thread each, and 3 ranks oversubscribed. Each command runs once per rank count; the
# outputs are compared with the 1-rank run's (index: every file; match: nnf and similarity;
# eval: table.json without timings).
# Usage: bench/scaling.sh [OUT_DIR]   (needs build/bin/compnn built with MPI, and the demo's store)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/compnn-scaling}
source bench/scaling_common.sh
rm -rf "$out" && mkdir -p "$out"
on_ranks() { # R COMMAND...
  local r=$1
  shift
  if ((r == 1)); then "$@"; else mpirun --oversubscribe -np "$r" "$@"; fi
}

# The query: a training image's decoder2 map (64 x 64 x 80) with noise added, so that its
# matches are not simply itself.
echo "ranks, index (400 images) s, exact match (1 query, 400 images) s, hpm match s, eval (16 queries) s"
for r in 1 2 3; do
  t_index=$(seconds "$out/last.log" on_ranks "$r" "$compnn" index --model "$model" --data data/facades \
    --threads 1 --out "$out/index-$r")
  if ((r == 1)); then
    /usr/bin/python3 -c "
import numpy as np
m = np.load('$out/index-1/decoder2.npy', mmap_mode='r')[7].astype(np.float32)
np.save('$out/query.npy', m + np.random.default_rng(0).normal(0, 0.3, m.shape).astype(np.float32))"
  fi
  t_exact=$(seconds "$out/last.log" on_ranks "$r" "$compnn" match --query "$out/query.npy" \
    --database "$store/decoder2.npy" --method exact --threads 1 --out "$out/exact-$r")
  t_hpm=$(seconds "$out/last.log" on_ranks "$r" "$compnn" match --query "$out/query.npy" \
    --database "$store/decoder2.npy" --method hpm --seed 0 --threads 1 --out "$out/hpm-$r")
  t_eval=$(seconds "$out/last.log" on_ranks "$r" "$compnn" eval --model "$model" --store "$store" --split val \
    --count 16 --topk-images 16 --threads 1 --quality-queries 0 --out "$out/eval-$r")
  echo "$r, $t_index, $t_exact, $t_hpm, $t_eval"
done
# The outputs of every rank count against one rank's.
/usr/bin/python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
def files(d): return {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}
def table(d):
    def strip(v):
        if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if "seconds" not in k and k != "ranks"}
        if isinstance(v, list): return [strip(x) for x in v]
        return v
    return strip(json.loads((d / "table.json").read_text()))
for r in (2, 3):
    same_index = files(out / "index-1") == files(out / f"index-{r}")
    same_exact = all((out / "exact-1" / n).read_bytes() == (out / f"exact-{r}" / n).read_bytes() for n in ("nnf.npy", "similarity.npy"))
    same_eval = table(out / "eval-1") == table(out / f"eval-{r}")
    sent = json.loads((out / f"exact-{r}" / "summary.json").read_text()).get("bytes_sent_per_rank")
    print(f"{r} ranks: index identical {same_index}, exact field identical {same_exact}, eval table identical {same_eval}, bytes sent per rank per exact query {sent}")
PY
