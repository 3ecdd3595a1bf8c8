"""Arrays from the objects users hold: numpy arrays, CPU torch tensors, anything with
``__array__``, the buffer protocol or DLPack, viewed without copying where possible."""

import os

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))


def as_array(value, what):
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


def as_float_array(value, what):
    """Like :func:`as_array`, and float32 or float16 (others are refused, not silently cast)."""
    array = as_array(value, what)
    if array.dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"{what}: dtype {array.dtype} is not supported (float32 or float16; "
            "convert with .astype(numpy.float32))"
        )
    return array


def resolve_threads(threads):
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
