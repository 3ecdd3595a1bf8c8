"""Shared fixtures: the compnn command line tool of the same build, a tiny bundled dataset, the
small U-Net of the TorchScript tests (tests/fixtures/make_torchscript_unet.py: nested,
unfriendly names, a submodule taking two tensors) as a plain nn.Module, and its TorchScript
export."""

import ctypes
import functools
import os
import subprocess
import sys

import numpy as np
import pytest

SOURCE_DIR = os.environ.get(
    "COMPNN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "fixtures"))
CLI = os.environ.get("COMPNN_CLI", os.path.join(SOURCE_DIR, "build", "bin", "compnn"))


@functools.cache
def _blas_kernel():
    """The OpenBLAS kernels this process runs (loaded by numpy and the extension): the tool is run
    with the same, so that its products and Python's agree to the last bit (the tool would
    otherwise choose the CPU's fastest where OpenBLAS fell back to its SSE3 ones)."""
    import compnn  # noqa: F401  (loads the engine, and with it OpenBLAS)

    with open("/proc/self/maps") as maps:
        loaded = {line.split()[-1] for line in maps if "libopenblas" in line}
    if not loaded:
        return None
    core_name = ctypes.CDLL(loaded.pop()).openblas_get_corename  # the library already loaded
    core_name.restype = ctypes.c_char_p
    return core_name().decode()


def run_cli(*args, check=True):
    """Runs the compnn tool; returns the CompletedProcess (stdout and stderr as text)."""
    env = dict(os.environ)
    kernel = _blas_kernel()
    if kernel and "OPENBLAS_CORETYPE" not in env:
        env["OPENBLAS_CORETYPE"] = kernel
    result = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env)
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


def make_unet(seed=0):
    """TinyUNet (64 x 64 inputs: down_path 32, 16, 8; up_path 16, 32, 64) with random weights and
    non-trivial batch-norm statistics, in eval mode."""
    import torch
    from make_torchscript_unet import TinyUNet

    torch.manual_seed(seed)
    model = TinyUNet()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope="session")
def unet():
    return make_unet()


@pytest.fixture(scope="session")
def unet_script(unet, tmp_path_factory):
    import torch

    path = tmp_path_factory.mktemp("model") / "unet.pt"
    torch.jit.script(unet).save(str(path))
    return path


def _run_concurrently(function, count):
    """function(i) for i in range(count), each on its own thread, all started before any is
    joined; the results in order. A worker's exception is raised here."""
    import threading

    results, errors = [None] * count, []

    def worker(i):
        try:
            results[i] = function(i)
        except BaseException as error:  # handed to the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def concurrently():
    return _run_concurrently


@pytest.fixture
def rng():
    return np.random.default_rng(0)
