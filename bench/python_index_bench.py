#!/usr/bin/python3
"""compnn.torch.index on a plain nn.Module against compnn index on its TorchScript export, in one
run, on the same dataset split, layers, batch size, dtype and threads.

Both read the dataset's PNGs, resize, run the forward pass, write float16 maps and the checksums:
the whole job, as a user runs it. Prints images per second of both and their ratio (goal >= 0.9).

Run from the repository root after a build:
  PYTHONPATH=build/python /usr/bin/python3 bench/python_index_bench.py [--data data/facades]
"""
import argparse
import json
import os
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
    parser.add_argument("--repeats", type=int, default=2, help="runs of each; the best is kept")
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
        for _ in range(args.repeats):
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
    cli, python = min(cli_times), min(python_times)
    result = {"images": n, "threads": threads, "layers": LAYERS, "batch": args.batch,
              "cli_images_per_second": n / cli, "python_images_per_second": n / python,
              "ratio": cli / python}
    print(f"{n} images, 128 x 128, layers {', '.join(LAYERS)}, batch {args.batch}, "
          f"{threads} threads, best of {args.repeats}")
    print(f"compnn index (TorchScript export, whole process):   {n / cli:.1f} images/s")
    print(f"compnn.torch.index (nn.Module, hooks, same job):     {n / python:.1f} images/s")
    print(f"ratio Python / CLI: {result['ratio']:.2f} (goal >= 0.9)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
