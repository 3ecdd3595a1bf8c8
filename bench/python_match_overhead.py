#!/usr/bin/python3
"""The overhead of compnn.match over the search itself, on the same arrays, in one run.

compnn match reports its own search time (summary.json's "seconds": the search alone, files
already mapped). compnn.match is timed around the whole Python call: argument checks, the zero-copy
views, the search, the result arrays. Both use the same threads, method and arrays. compnn.match
is timed twice: on arrays in memory, and on the .npy files mapped afresh before each call
(np.load(mmap_mode='r')), as the command maps them, so that first-touch page faults count on both
sides. The three alternate, round after round (the command, Python on arrays, Python on mapped
files, the command, ...), so that all see the same load on the machine; each round gives an
overhead (Python's time over the command's search time, less one), and the median of the rounds'
overheads is reported, in percent, with its range (goal <= 5%).

Run from the repository root after a build:
  PYTHONPATH=build/python /usr/bin/python3 bench/python_match_overhead.py
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import compnn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compnn", default="build/bin/compnn")
    parser.add_argument("--images", type=int, default=64, help="database images")
    parser.add_argument("--side", type=int, default=32, help="map side in cells")
    parser.add_argument("--depth", type=int, default=128)
    parser.add_argument("--rounds", "--repeats", dest="rounds", type=int, default=15,
                        help="alternating rounds (one run of each); the median overhead is kept")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    shape = (args.side, args.side, args.depth)
    query = rng.standard_normal(shape).astype(np.float32)
    database = rng.standard_normal((args.images,) + shape).astype(np.float32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "q.npy"), query)
        np.save(os.path.join(tmp, "db.npy"), database)
        for method in ("exact", "hpm"):
            cli, python, mapped = [], [], []
            for _ in range(args.rounds):
                out = os.path.join(tmp, "out")
                subprocess.run([args.compnn, "match", "--query", os.path.join(tmp, "q.npy"),
                                "--database", os.path.join(tmp, "db.npy"), "--method", method,
                                "--out", out], check=True, capture_output=True)
                with open(os.path.join(out, "summary.json")) as f:
                    cli.append(json.load(f)["seconds"])
                start = time.perf_counter()
                compnn.match(query, database, method=method)
                python.append(time.perf_counter() - start)
                q = np.load(os.path.join(tmp, "q.npy"), mmap_mode="r")
                db = np.load(os.path.join(tmp, "db.npy"), mmap_mode="r")
                start = time.perf_counter()
                compnn.match(q, db, method=method)
                mapped.append(time.perf_counter() - start)
                del q, db
            over = [100 * (p / c - 1) for p, c in zip(python, cli)]
            mapped_over = [100 * (m / c - 1) for m, c in zip(mapped, cli)]
            c, p, m = (statistics.median(x) for x in (cli, python, mapped))
            rows.append({"method": method, "rounds": args.rounds, "cli_search_seconds": c,
                         "python_call_seconds": p, "python_mapped_call_seconds": m,
                         "cli_search_seconds_rounds": cli, "python_call_seconds_rounds": python,
                         "python_mapped_call_seconds_rounds": mapped,
                         "overhead_percent_median": statistics.median(over),
                         "overhead_percent_low": min(over), "overhead_percent_high": max(over),
                         "mapped_overhead_percent_median": statistics.median(mapped_over),
                         "mapped_overhead_percent_low": min(mapped_over),
                         "mapped_overhead_percent_high": max(mapped_over)})
    print(f"query {shape}, database {args.images} x {shape}, float32, {args.rounds} alternating "
          "rounds, medians (range)")
    for r in rows:
        print(f"{r['method']:>5}: compnn match search {r['cli_search_seconds']:.4f} s; "
              f"compnn.match on arrays {r['python_call_seconds']:.4f} s, overhead "
              f"{r['overhead_percent_median']:+.1f}% ({r['overhead_percent_low']:+.1f}% to "
              f"{r['overhead_percent_high']:+.1f}%); on mapped .npy "
              f"{r['python_mapped_call_seconds']:.4f} s, overhead "
              f"{r['mapped_overhead_percent_median']:+.1f}% "
              f"({r['mapped_overhead_percent_low']:+.1f}% to "
              f"{r['mapped_overhead_percent_high']:+.1f}%) (goal <= +5%)")
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
