#!/usr/bin/python3
"""compnn.torch.index on a plain nn.Module against compnn index on its TorchScript export, in one
run, on the same dataset split, layers, batch size, dtype and threads.

Both read the dataset's PNGs, resize, run the forward pass, write float16 maps and the checksums:
the whole job, as a user runs it. The two alternate, round after round (the command, Python, the
command, ...), so that both see the same load on the machine. Prints images per second of both
(from their median times) and the median of the rounds' ratios (compnn index's time over
compnn.torch.index's: Python's speed against the command's), with its range (goal >= 0.9).

Run from the repository root after a build:
  PYTHONPATH=build/python /usr/bin/python3 bench/python_index_bench.py [--data data/facades]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index_vs_python import LAYERS, UNet  # noqa: E402  the same pix2pix-like U-Net

import compnn  # noqa: E402
import compnn.torch  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/facades")
    parser.add_argument("--compnn", default="build/bin/compnn")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", "--repeats", dest="rounds", type=int, default=3,
                        help="alternating rounds (one run of each); the median ratio is kept")
    args = parser.parse_args()
    threads = os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = UNet().eval()
    n = len(compnn.Dataset(args.data, "train", size=128))
    cli_times, python_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "unet.pt")
        torch.jit.script(model).save(path)
        for _ in range(args.rounds):
            start = time.perf_counter()
            subprocess.run([args.compnn, "index", "--model", path, "--data", args.data, "--split",
                            "train", "--size", "128", "--layers", ",".join(LAYERS), "--batch",
                            str(args.batch), "--dtype", "f16", "--overwrite", "--out",
                            os.path.join(tmp, "cli")], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            cli_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            compnn.torch.index(model, compnn.Dataset(args.data, "train", size=128), LAYERS,
                               os.path.join(tmp, "python"), batch_size=args.batch, dtype="f16",
                               progress=False, overwrite=True)
            python_times.append(time.perf_counter() - start)
    ratios = [c / p for c, p in zip(cli_times, python_times)]
    cli, python = statistics.median(cli_times), statistics.median(python_times)
    result = {"images": n, "threads": threads, "layers": LAYERS, "batch": args.batch,
              "rounds": args.rounds, "cli_seconds": cli_times, "python_seconds": python_times,
              "cli_images_per_second": n / cli, "python_images_per_second": n / python,
              "ratio_median": statistics.median(ratios), "ratio_low": min(ratios),
              "ratio_high": max(ratios)}
    print(f"{n} images, 128 x 128, layers {', '.join(LAYERS)}, batch {args.batch}, "
          f"{threads} threads, {args.rounds} alternating rounds")
    print(f"compnn index (TorchScript export, whole process):   {n / cli:.1f} images/s "
          "(median)")
    print(f"compnn.torch.index (nn.Module, hooks, same job):     {n / python:.1f} images/s "
          "(median)")
    print(f"ratio Python / CLI: {result['ratio_median']:.2f} "
          f"({result['ratio_low']:.2f}-{result['ratio_high']:.2f}) (goal >= 0.9)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
