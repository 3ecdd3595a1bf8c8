#!/usr/bin/python3
"""Approximate search against exact search on a real network's features, in one run.

For the first --queries validation images of a dataset, takes the query maps of one layer from a
store of the validation split (indexed here when missing) and searches the training store with
`compnn match`, the paper's way: the top-16 training images by global descriptor. Every setting
given (HyperPatch-Match with more matches searched, more iterations; projected search) is timed
after exact search over the same 16 images, in turn, query after query, and compared with it: mean
similarity of the best match over exact's, and time over exact's (median over the queries, with
its range). Exact search over all training images is timed for the first --all-queries queries,
so that times can also be read against it (the goal: at least 0.99 of exact's similarity in at
most 1/100 of exact search over all images).

Run from the repository root, after the training store exists:
  /usr/bin/python3 bench/hpm_store_quality.py --model models/facades-photo2label.model \\
      --data data/facades --store out/stores/facades-photo2label --layer decoder2
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

import numpy as np

SETTINGS = [
    "--method hpm",
    "--method hpm --search-matches 2",
    "--method hpm --search-matches 3",
    "--method hpm --search-matches 2 --iterations 64 --min-improved 0",
    "--method projected --components 16",
    "--method projected",
]


def match(compnn, query, query_global, store, layer, out, extra):
    """Runs compnn match (over the top 16 when given the query's global descriptor, else over
    every image); returns (mean best similarity, search seconds)."""
    args = [compnn, "match", "--query", query, "--database", f"{store}/{layer}.npy", "--out", out]
    if query_global:  # the top-16 prefilter
        args += ["--database-global", f"{store}/global.npy", "--query-global", query_global,
                 "--topk-images", "16"]
    args += extra
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))}\n{done.stderr.strip()}")
    with open(os.path.join(out, "summary.json")) as f:
        seconds = json.load(f)["seconds"]
    similarity = np.load(os.path.join(out, "similarity.npy"))
    best = similarity[..., 0] if similarity.ndim == 3 else similarity
    return float(best.mean()), seconds


def spread(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compnn", default="build/bin/compnn")
    parser.add_argument("--model", default="models/facades-photo2label.model")
    parser.add_argument("--data", default="data/facades")
    parser.add_argument("--store", default="out/stores/facades-photo2label")
    parser.add_argument("--val-store", default=None, help="default: STORE-val (made when missing)")
    parser.add_argument("--layer", default="decoder2")
    parser.add_argument("--queries", type=int, default=8)
    parser.add_argument("--all-queries", type=int, default=2,
                        help="queries also searched exactly over every training image")
    parser.add_argument("--setting", action="append",
                        help="compnn match options to compare (repeatable; default: a list)")
    a = parser.parse_args()
    settings = a.setting or SETTINGS
    val_store = a.val_store or a.store + "-val"
    if not os.path.exists(os.path.join(val_store, "manifest.json")):
        subprocess.run([a.compnn, "index", "--model", a.model, "--data", a.data, "--split", "val",
                        "--layers", a.layer, "--out", val_store], check=True)
    maps = np.load(f"{val_store}/{a.layer}.npy", mmap_mode="r")
    globals_ = np.load(f"{val_store}/global.npy", mmap_mode="r")
    exact16, exact_all = [], []
    results = {s: [] for s in settings}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        for i in range(min(a.queries, len(maps))):
            query, query_global = os.path.join(tmp, "q.npy"), os.path.join(tmp, "g.npy")
            np.save(query, np.asarray(maps[i], np.float32))
            np.save(query_global, np.asarray(globals_[i], np.float32).reshape(-1))
            if i < a.all_queries:
                exact_all.append(
                    match(a.compnn, query, None, a.store, a.layer, out, ["--method", "exact"])[1])
            reference = match(a.compnn, query, query_global, a.store, a.layer, out,
                              ["--method", "exact"])
            exact16.append(reference[1])
            for s in settings:
                found = match(a.compnn, query, query_global, a.store, a.layer, out, s.split())
                results[s].append((found[0] / reference[0], found[1] / reference[1]))
    # Exact search over all images, against over the 16 (its cost grows with the images searched:
    # their ratio, without a measurement).
    images = np.load(f"{a.store}/{a.layer}.npy", mmap_mode="r").shape[0]
    all_over_16 = (statistics.median(exact_all) / statistics.median(exact16[:len(exact_all)])
                   if exact_all else images / 16)
    print(f"{a.layer} of {a.store}, first {len(exact16)} validation queries, top-16 prefilter")
    over_all = (f"{spread(exact_all)} s ({len(exact_all)} queries, {all_over_16:.1f}x the 16)"
                if exact_all else f"not measured (taken as {images} / 16 = {all_over_16:.1f}x the 16)")
    print(f"exact search over the 16: {spread(exact16)} s; over all training images: {over_all}")
    print(f"{'setting':62s} {'sim/exact16':>12s}   {'time/exact16, median (range)':30s} "
          f"{'time/exact-all':>14s}")
    report = {"exact16_seconds": exact16, "exact_all_seconds": exact_all, "settings": {}}
    for s in settings:
        sims = [r[0] for r in results[s]]
        times = [r[1] for r in results[s]]
        print(f"{s:62s} {statistics.mean(sims):12.4f}   {spread(times):30s} "
              f"1/{all_over_16 / statistics.median(times):.0f}")
        report["settings"][s] = {"similarity_ratio": statistics.mean(sims), "time_ratios": times}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
