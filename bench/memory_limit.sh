#!/usr/bin/env bash
# Explains from a feature store larger than the memory a process may use: the store is
# memory-mapped, so its pages are read and dropped as the search goes, under a cgroup memory
# limit (root; cgroup v1 or v2). Prints time and peak memory per limit, and whether the fields
# equal the unlimited run's. `ulimit -v` is no such limit: it caps address space, and the mapping
# alone exceeds it.
# Usage: bench/memory_limit.sh MODEL STORE [LIMITS_MB...]   (default limits: 384 256)
set -euo pipefail
model=$1 store=$2
shift 2
limits=("$@")
[[ $# -gt 0 ]] || limits=(384 256)
compnn=${COMPNN:-build/bin/compnn}
out=$(mktemp -d)
trap 'rm -rf "$out"; rmdir "$group" 2>/dev/null || true' EXIT
if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
  group=/sys/fs/cgroup/compnn-memory-limit limit_file=memory.max peak_file=memory.peak
else
  group=/sys/fs/cgroup/memory/compnn-memory-limit limit_file=memory.limit_in_bytes
  peak_file=memory.max_usage_in_bytes
fi
mkdir -p "$group"
echo "store: $store, $(du -sh "$store" | cut -f1)"
for method in hpm exact; do
  for limit in unlimited "${limits[@]}"; do
    if [[ $limit == unlimited ]]; then echo max >"$group/$limit_file" 2>/dev/null ||
      echo 9223372036854771712 >"$group/$limit_file"
    else echo $((limit * 1048576)) >"$group/$limit_file"; fi
    echo 0 >"$group/$peak_file" 2>/dev/null || true
    sync && echo 3 >/proc/sys/vm/drop_caches  # a cold start: every page comes from disk
    start=$(date +%s.%N)
    status=0
    sh -c "echo \$\$ >$group/cgroup.procs; exec $compnn explain --model $model --store $store \
      --query-split val --count 2 --layer decoder2 --method $method --out $out/$method-$limit" \
      >/dev/null 2>&1 || status=$?
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    peak=$(($(cat "$group/$peak_file") / 1048576))
    same=""
    if [[ $limit != unlimited && $status == 0 ]]; then
      same=" fields differ"
      diff -rq --exclude=summary.json --exclude='*.png' --exclude=explorer.html \
        "$out/$method-unlimited" "$out/$method-$limit" >/dev/null && same=", fields identical"
    fi
    printf '%-6s limit %-9s exit %d, %6.2f s, peak %4d MB%s\n' "$method" "$limit" "$status" \
      "$seconds" "$peak" "$same"
  done
done
