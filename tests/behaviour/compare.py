#!/usr/bin/python3
"""compare.py A B: compares two output folders of run_fixed.sh, file by file.

Images (PNG, JPEG) by decoded pixels, .npy by dtype, shape and values, JSON and .jsonl
structurally, other files as text (or bytes when not UTF-8). Timings are not compared: JSON keys
such as seconds, build_seconds, seconds_per_query, time; "0.24 s"-like numbers and "s / query"
table columns in text. Each folder's own absolute path is replaced by OUT before comparing.
Prints one line per difference and a summary; exits 0 only when everything matches, 1 when
something differs, 2 on bad arguments.
"""

import json
import os
import re
import sys

import numpy as np
from PIL import Image

TIMING_WORDS = {"seconds", "time", "elapsed", "ms"}
TIMING_TEXT = re.compile(r"\b\d+(?:\.\d+)?(?= ?(?:s|ms|min|images/s)\b)")
TIMING_COLUMN = re.compile(r"\bs / query\b|seconds|\btime\b")


def files_under(root):
    found = set()
    for folder, _, names in os.walk(root):
        for name in names:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def prefixes(root):
    """The folder's absolute spellings, longest first, to be replaced by OUT."""
    return sorted({os.path.abspath(root), os.path.realpath(root)}, key=len, reverse=True)


def normalise_paths(text, root):
    for prefix in prefixes(root):
        text = text.replace(prefix, "OUT")
    return text


def is_timing_key(key):
    return bool(TIMING_WORDS & set(str(key).lower().split("_")))


def json_difference(a, b, where="$"):
    """The first JSON path at which a and b differ (timing keys ignored), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        a = {k: v for k, v in a.items() if not is_timing_key(k)}
        b = {k: v for k, v in b.items() if not is_timing_key(k)}
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a.keys() ^ b.keys())} in one only"
        for key in sorted(a):
            found = json_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = json_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if type(a) is not type(b) or a != b:
        return f"{where}: {json.dumps(a)[:80]} against {json.dumps(b)[:80]}"
    return None


def mask_timing_columns(text):
    """Replaces the cells of markdown table columns headed by a timing with '-'."""
    lines, masked = text.split("\n"), set()
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            masked = set()
            continue
        cells = line.split("|")
        if i == 0 or not lines[i - 1].startswith("|"):  # a header row
            masked = {j for j, cell in enumerate(cells) if TIMING_COLUMN.search(cell)}
        elif not set(line) <= set("|-: "):
            lines[i] = "|".join("-" if j in masked else c for j, c in enumerate(cells))
    return "\n".join(lines)


def normalise_text(text, root):
    text = mask_timing_columns(normalise_paths(text, root).replace("\r\n", "\n"))
    return TIMING_TEXT.sub("T", text)


def compare_images(a, b):
    x, y = Image.open(a), Image.open(b)
    if (x.mode, x.size) != (y.mode, y.size):
        return f"image {x.mode} {x.size} against {y.mode} {y.size}"
    x, y = np.asarray(x), np.asarray(y)
    if not np.array_equal(x, y):
        differ = np.any(x != y, axis=-1) if x.ndim == 3 else x != y
        largest = np.abs(x.astype(np.int64) - y.astype(np.int64)).max()
        return f"{int(differ.sum())} of {differ.size} pixels differ (largest difference {largest})"
    return None


def compare_arrays(a, b):
    x, y = np.load(a, allow_pickle=False), np.load(b, allow_pickle=False)
    if (x.dtype, x.shape) != (y.dtype, y.shape):
        return f"array {x.dtype} {x.shape} against {y.dtype} {y.shape}"
    nan = x.dtype.kind in "fc"
    if not np.array_equal(x, y, equal_nan=nan):
        differ = ~((x == y) | (np.isnan(x) & np.isnan(y))) if nan else x != y
        largest = np.nanmax(np.abs(x[differ].astype(np.float64) - y[differ].astype(np.float64)))
        return f"{int(differ.sum())} of {x.size} values differ (largest difference {largest:.3g})"
    return None


def read_json(path, root):
    with open(path, encoding="utf-8") as f:
        text = normalise_paths(f.read(), root)
    if path.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def compare_file(name, a_root, b_root):
    a, b = os.path.join(a_root, name), os.path.join(b_root, name)
    extension = os.path.splitext(name)[1].lower()
    if extension in (".png", ".jpg", ".jpeg"):
        return compare_images(a, b)
    if extension == ".npy":
        return compare_arrays(a, b)
    if extension in (".json", ".jsonl"):
        return json_difference(read_json(a, a_root), read_json(b, b_root))
    with open(a, "rb") as f, open(b, "rb") as g:
        x, y = f.read(), g.read()
    try:
        x, y = x.decode("utf-8"), y.decode("utf-8")
    except UnicodeDecodeError:
        if x == y:
            return None
        first = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        return f"bytes differ from byte {first} ({len(x)} against {len(y)} bytes)"
    if extension not in (".html", ".htm"):  # pages: paths normalised, then bytes
        x, y = normalise_text(x, a_root), normalise_text(y, b_root)
    else:
        x, y = normalise_paths(x, a_root), normalise_paths(y, b_root)
    if x == y:
        return None
    x, y = x.split("\n"), y.split("\n")
    line = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    show = lambda lines: repr(lines[line][:80]) if line < len(lines) else "end of file"  # noqa
    return f"line {line + 1}: {show(x)} against {show(y)}"


def main():
    if len(sys.argv) != 3 or not all(os.path.isdir(p) for p in sys.argv[1:]):
        print("usage: compare.py A B (two folders written by run_fixed.sh)", file=sys.stderr)
        sys.exit(2)
    a_root, b_root = sys.argv[1:]
    a_files, b_files = files_under(a_root), files_under(b_root)
    for name in sorted(a_files - b_files):
        print(f"only in A: {name}")
    for name in sorted(b_files - a_files):
        print(f"only in B: {name}")
    common, differ = sorted(a_files & b_files), 0
    for name in common:
        try:
            found = compare_file(name, a_root, b_root)
        except Exception as error:  # a file that cannot be read as its kind
            found = f"cannot compare: {type(error).__name__}: {error}"
        if found:
            differ += 1
            print(f"differs: {name}: {found}")
    only_a, only_b = len(a_files - b_files), len(b_files - a_files)
    print(f"{len(common)} files compared, {len(common) - differ} identical, {differ} differ, "
          f"{only_a} only in A, {only_b} only in B")
    sys.exit(0 if differ == only_a == only_b == 0 else 1)


if __name__ == "__main__":
    main()
