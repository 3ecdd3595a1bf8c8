#!/usr/bin/python3
"""compnn index against Python on the same TorchScript model, in one run.

Builds a pix2pix-like U-Net (ngf 32, 128 x 128) in PyTorch, saves it scripted, and indexes the
bundled facades' train split with `compnn index` (three layers, float16). Python then does the same
work its usual way: the eager model with forward hooks on the same submodules, the same threads,
batches of 8, each activation made channels last, converted to float16 and written to a
memory-mapped .npy. Python is given its inputs as ready tensors (no PNG decoding, no resizing),
so the comparison favours it. Prints images per second of both and their ratio (goal >= 1.0).

Run from the repository root:  /usr/bin/python3 bench/index_vs_python.py [--data data/facades]
Needs Debian's python3-torch and python3-numpy and a built build/bin/compnn.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
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


def python_index(model, n, size, batch, out_dir):
    """Forward hooks, channels last, float16 into memory-mapped .npy files."""
    captured = {}
    modules = dict(model.named_modules())
    for name in LAYERS:
        module = modules[name.split(":")[0]]
        if name.endswith(":input"):
            module.register_forward_pre_hook(
                lambda m, i, name=name: captured.__setitem__(name, i[0]))
        else:
            module.register_forward_hook(lambda m, i, o, name=name: captured.__setitem__(name, o))
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(n, 3, size, size, generator=generator) * 2 - 1
    files = {}
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, n, batch):
            captured.clear()
            model(inputs[first:first + batch])
            for name, value in captured.items():
                hwd = value.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float16)
                if name not in files:
                    files[name] = np.lib.format.open_memmap(
                        os.path.join(out_dir, name.replace(":", "_") + ".npy"), mode="w+",
                        dtype=np.float16, shape=(n,) + hwd.shape[1:])
                files[name][first:first + len(hwd)] = hwd
        for f in files.values():
            f.flush()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/facades")
    parser.add_argument("--compnn", default="build/bin/compnn")
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    threads = os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = UNet().eval()
    n = len(os.listdir(os.path.join(args.data, "train")))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "unet.pt")
        torch.jit.script(model).save(path)
        start = time.perf_counter()
        subprocess.run([args.compnn, "index", "--model", path, "--data", args.data, "--split",
                        "train", "--size", "128", "--layers", ",".join(LAYERS), "--batch",
                        str(args.batch), "--dtype", "f16", "--out", os.path.join(tmp, "store")],
                       check=True, stdout=subprocess.DEVNULL)
        compnn_seconds = time.perf_counter() - start
        os.makedirs(os.path.join(tmp, "python"))
        python_seconds = python_index(model, n, 128, args.batch, os.path.join(tmp, "python"))
    result = {"images": n, "threads": threads, "layers": LAYERS,
              "compnn_images_per_second": n / compnn_seconds,
              "python_images_per_second": n / python_seconds,
              "ratio": python_seconds / compnn_seconds}
    print(f"{n} images, 128 x 128, layers {', '.join(LAYERS)}, {threads} threads")
    print(f"compnn index (whole process: load, decode PNGs, resize, forward, write, checksums): "
          f"{result['compnn_images_per_second']:.1f} images/s")
    print(f"Python with forward hooks (inputs ready in memory):                             "
          f"{result['python_images_per_second']:.1f} images/s")
    print(f"ratio compnn / Python: {result['ratio']:.2f} (goal >= 1.0)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
