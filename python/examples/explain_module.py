#!/usr/bin/python3
"""Explains a plain torch.nn.Module with compnn in about ten lines: no TorchScript export, no
dataset written to disk. The network here is the small U-Net of compnn's TorchScript tests, with
random weights; put your own model (and its input scaling) in its place.

Run from the repository root after a build (and scripts/demo, which generates data/facades):
  PYTHONPATH=build/python /usr/bin/python3 python/examples/explain_module.py
Writes out/python-example/store and out/python-example/<query>/correspondence-map.png.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
from make_torchscript_unet import TinyUNet  # noqa: E402  (your model goes here)

import compnn  # noqa: E402
import compnn.torch  # noqa: E402

torch.manual_seed(0)
net = TinyUNet().eval()  # any nn.Module; this one takes (N, 3, 64, 64) in -1..1
train = compnn.Dataset("data/facades", "train", size=64)  # or tensors: see compnn.torch.index
store = compnn.torch.index(net, train, ["up_path.1", "up_path.2.Fuse_Block:input"], "out/python-example/store",
                           overwrite=True)
val = compnn.Dataset("data/facades", "val", size=64)
for i in range(2):
    e = compnn.torch.explain(net, store, torch.from_numpy(val[i]), name=val.names[i],
                             truth=val.pixels(i)[1])
    print(e)
    e.save(f"out/python-example/{val.names[i]}")
print("figures in out/python-example/<query>/correspondence-map.png")
