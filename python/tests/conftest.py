"""Shared fixtures: the compnn command line tool of the same build, a tiny bundled dataset, a
small U-Net as a plain nn.Module and its TorchScript export."""

import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

SOURCE_DIR = os.environ.get(
    "COMPNN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
)
CLI = os.environ.get("COMPNN_CLI", os.path.join(SOURCE_DIR, "build", "bin", "compnn"))


def run_cli(*args, check=True):
    """Runs the compnn tool; returns the CompletedProcess (stdout and stderr as text)."""
    result = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"compnn {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def cli():
    if not os.path.exists(CLI):
        pytest.fail(f"{CLI}: the compnn tool is not built")
    return run_cli


@pytest.fixture(scope="session")
def facades(tmp_path_factory):
    """A tiny facades dataset: 64 x 64, 10 train, 2 val images."""
    out = tmp_path_factory.mktemp("data") / "facades"
    run_cli("data", "facades", "--out", out, "--size", 64, "--train", 10, "--val", 2, "--test", 0,
            "--seed", 5)
    return out


@pytest.fixture(scope="session")
def unet():
    from tiny_unet import make_unet

    return make_unet()


@pytest.fixture(scope="session")
def unet_script(unet, tmp_path_factory):
    import torch

    path = tmp_path_factory.mktemp("model") / "unet.pt"
    torch.jit.script(unet).save(str(path))
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(0)
