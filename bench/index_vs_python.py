#!/usr/bin/python3
"""compnn index against Python on the same TorchScript model, in one run.

Builds a pix2pix-like U-Net (ngf 32, 128 x 128) in PyTorch, saves it scripted, and indexes the
bundled facades' train split with `compnn index` (three layers, float16, no pixels kept). Python
does the same work its usual way: it decodes the same PNGs (Pillow, the next batch read on a
thread while the network runs, as compnn does), cuts the A side, resizes it to 128 x 128 (box
filter: area interpolation), runs the eager model with forward hooks on the same submodules, the
same threads, batches of 8, makes each activation channels last, float16, and writes it to a
memory-mapped .npy. Both are timed from the first PNG to the last byte written: compnn's own
figure (it prints its time; the start of the process and loading LibTorch are left out), and
Python's with the model already built, as in a notebook.

The two alternate, round after round (compnn, Python, compnn, ...); the ratio reported is the
median of the rounds' ratios (Python's time / compnn's), with its range (goal >= 1.0).

Run from the repository root:  /usr/bin/python3 bench/index_vs_python.py [--data data/facades]
Cityscapes' size and layer (256 x 256, ngf 40, decoder2, which is the last layer's input):
  ... --data DIR --size 256 --ngf 40 --layers last:input
Needs Debian's python3-torch, python3-numpy and python3-pil and a built build/bin/compnn.
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image
from torch import nn


class Down(nn.Module):
    def __init__(self, cin, cout, norm=True):
        super().__init__()
        layers = [nn.Conv2d(cin, cout, 4, 2, 1)]
        if norm:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.LeakyReLU(0.2))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


class Up(nn.Module):
    def __init__(self, cin, cout, last=False):
        super().__init__()
        layers = [nn.ConvTranspose2d(cin, cout, 4, 2, 1)]
        layers += [nn.Tanh()] if last else [nn.BatchNorm2d(cout), nn.ReLU()]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


class UNet(nn.Module):
    """Seven levels for 128 x 128 inputs, filters 32-64-128-256-256-256-256."""

    def __init__(self, ngf=32):
        super().__init__()
        widths = [ngf, ngf * 2, ngf * 4, ngf * 8, ngf * 8, ngf * 8, ngf * 8]
        self.downs = nn.ModuleList()
        cin = 3
        for i, w in enumerate(widths):
            self.downs.append(Down(cin, w, norm=0 < i < len(widths) - 1))
            cin = w
        self.ups = nn.ModuleList()
        for i in range(len(widths) - 1, 0, -1):
            cin = widths[i] if i == len(widths) - 1 else widths[i] * 2
            self.ups.append(Up(cin, widths[i - 1]))
        self.last = Up(widths[0] * 2, 3, last=True)

    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips = skips[:-1]
        for up in self.ups:
            x = up(x)
            x = torch.cat([x, skips.pop()], 1)
        return self.last(x)


LAYERS = ["downs.2", "downs.6", "last:input"]


def read_batch(paths, size):
    """The A sides of pix2pix pairs, resized to size x size, as a tensor in [-1, 1]."""
    images = []
    for path in paths:
        with Image.open(path) as pair:
            pair = pair.convert("RGB")
            a = pair.crop((0, 0, pair.width // 2, pair.height))
            if a.size != (size, size):
                a = a.resize((size, size), Image.BOX)
            images.append(torch.from_numpy(np.asarray(a).copy()))
    return torch.stack(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def python_index(model, paths, size, layers, batch, out_dir):
    """PNGs to float16 .npy files with forward hooks; returns the seconds it took."""
    captured = {}
    modules = dict(model.named_modules())
    handles = []
    for name in layers:
        module = modules[name.split(":")[0]]
        if name.endswith(":input"):
            handles.append(module.register_forward_pre_hook(
                lambda m, i, name=name: captured.__setitem__(name, i[0])))
        else:
            handles.append(module.register_forward_hook(
                lambda m, i, o, name=name: captured.__setitem__(name, o)))
    n = len(paths)
    files = {}
    start = time.perf_counter()
    with torch.no_grad(), concurrent.futures.ThreadPoolExecutor(1) as reader:
        ahead = reader.submit(read_batch, paths[:batch], size)
        for first in range(0, n, batch):
            inputs = ahead.result()
            if first + batch < n:
                ahead = reader.submit(read_batch, paths[first + batch:first + 2 * batch], size)
            captured.clear()
            model(inputs)
            for name, value in captured.items():
                hwd = value.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float16)
                if name not in files:
                    files[name] = np.lib.format.open_memmap(
                        os.path.join(out_dir, name.replace(":", "_") + ".npy"), mode="w+",
                        dtype=np.float16, shape=(n,) + hwd.shape[1:])
                files[name][first:first + len(hwd)] = hwd
        for f in files.values():
            f.flush()
    seconds = time.perf_counter() - start
    for handle in handles:
        handle.remove()
    return seconds


def compnn_index(compnn, model_path, data, size, layers, batch, out):
    """compnn index's own time for the same work (it prints it)."""
    done = subprocess.run(
        [compnn, "index", "--model", model_path, "--data", data, "--split", "train", "--size",
         str(size), "--layers", ",".join(layers), "--batch", str(batch), "--dtype", "f16",
         "--no-pixels", "--overwrite", "--out", out],
        check=True, stdout=subprocess.PIPE, text=True)
    found = re.search(r" in ([0-9.]+) s ", done.stdout)
    if not found:
        raise RuntimeError(f"compnn index printed no time: {done.stdout!r}")
    return float(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/facades")
    parser.add_argument("--compnn", default="build/bin/compnn")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=128, help="input side (a multiple of 128)")
    parser.add_argument("--ngf", type=int, default=32, help="the U-Net's first filters")
    parser.add_argument("--layers", default=",".join(LAYERS),
                        help="comma-separated; last:input is a pix2pix U-Net's decoder2")
    args = parser.parse_args()
    threads = os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = UNet(args.ngf).eval()
    layers = args.layers.split(",")
    train = os.path.join(args.data, "train")
    paths = sorted(os.path.join(train, f) for f in os.listdir(train) if f.endswith(".png"))
    n = len(paths)
    compnn_times, python_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "unet.pt")
        torch.jit.script(model).save(path)
        os.makedirs(os.path.join(tmp, "python"))
        for _ in range(args.rounds):
            compnn_times.append(
                compnn_index(args.compnn, path, args.data, args.size, layers, args.batch,
                             os.path.join(tmp, "store")))
            python_times.append(
                python_index(model, paths, args.size, layers, args.batch,
                             os.path.join(tmp, "python")))
    ratios = [p / c for p, c in zip(python_times, compnn_times)]
    result = {"images": n, "size": args.size, "ngf": args.ngf, "threads": threads,
              "layers": layers, "rounds": args.rounds,
              "compnn_seconds": compnn_times, "python_seconds": python_times,
              "compnn_images_per_second": n / statistics.median(compnn_times),
              "python_images_per_second": n / statistics.median(python_times),
              "ratio_median": statistics.median(ratios), "ratio_low": min(ratios),
              "ratio_high": max(ratios)}
    print(f"{n} images, {args.size} x {args.size}, ngf {args.ngf}, layers {', '.join(layers)}, "
          f"{threads} threads, "
          f"{args.rounds} alternating rounds")
    print(f"compnn index (decode PNGs, resize, forward, write, checksums): "
          f"{result['compnn_images_per_second']:.1f} images/s (median)")
    print(f"Python with forward hooks (decode PNGs, resize, forward, write): "
          f"{result['python_images_per_second']:.1f} images/s (median)")
    print(f"ratio compnn / Python: {result['ratio_median']:.2f} "
          f"({result['ratio_low']:.2f}-{result['ratio_high']:.2f}) (goal >= 1.0)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
