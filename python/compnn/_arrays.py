"""Arrays from the objects users hold: numpy arrays, CPU torch tensors, anything with
``__array__``, the buffer protocol or DLPack, viewed without copying where possible; and the
argument checks and type aliases the public functions share."""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Sequence

import numpy as np

#: A file or folder path.
StrPath = str | os.PathLike
#: A (height, width), or one int for a square.
Pair = int | Sequence[int]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))


def as_array(value: Any, what: str) -> np.ndarray:
    """A numpy array sharing memory with ``value`` when it can; raises ValueError naming ``what``
    for anything that is not an array."""
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.split(".")[0] == "torch":
        if value.device.type != "cpu":
            raise ValueError(
                f"{what}: a tensor on {value.device}; move it to the CPU first (.cpu())"
            )
        return value.detach().numpy()  # shares the tensor's memory
    if hasattr(value, "__dlpack__"):
        return np.from_dlpack(value)
    if hasattr(value, "__array__") or hasattr(value, "__array_interface__"):
        return np.asarray(value)
    try:
        return np.asarray(memoryview(value))
    except TypeError:
        raise ValueError(
            f"{what}: a {type(value).__name__} is not an array "
            "(give a numpy array, a CPU tensor, or an object with __array__, DLPack or a buffer)"
        ) from None


def as_float_array(value: Any, what: str) -> np.ndarray:
    """Like :func:`as_array`, and float32 or float16 (others are refused, not silently cast)."""
    array = as_array(value, what)
    if array.dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"{what}: dtype {array.dtype} is not supported (float32 or float16; "
            "convert with .astype(numpy.float32))"
        )
    return array


def resolve_threads(threads: int) -> int:
    """Worker threads for the engine: ``threads``, or for 0 every core this process may use (as
    the command line tool does; PyTorch, once imported, lowers OpenMP's own default to its
    thread count). OMP_NUM_THREADS, when set, is respected."""
    threads = int(threads)
    if threads < 0:
        raise ValueError(f"threads: must not be negative, got {threads}")
    if threads:
        return threads
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0))


def check_pair(value: Pair, what: str) -> tuple[int, int]:
    """A (height, width) from an int or a pair of ints; raises ValueError naming ``what``."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    try:
        pair = [int(v) for v in value]
    except (TypeError, ValueError):
        pair = []
    if len(pair) != 2:
        raise ValueError(f"{what}: {value!r} is not an int or a (height, width) pair")
    return pair[0], pair[1]


def check_seed(seed: int) -> int:
    """A random seed for the engine (an unsigned 64-bit integer)."""
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed: must be in [0, 2**64), got {seed}")
    return seed


def field_or_item(record: NamedTuple, key: Any) -> Any:
    """``record[key]`` for a named tuple that replaced a dict: a field by name (KeyError for
    another name), or an item by index as for any tuple."""
    if isinstance(key, str):
        if key not in record._fields:
            raise KeyError(key)
        return getattr(record, key)
    return tuple.__getitem__(record, key)
