"""compnn.Dataset: a compnn dataset folder's split as model-ready arrays and pixels."""

import json
import os

import numpy as np

from . import _compnn

INPUT_RANGES = ("-1,1", "0,1")


class Dataset:
    """One split of a compnn dataset folder (``compnn data generate`` / ``compnn data import``).

    Items are model-ready float32 arrays (3, H, W), the input side of each pair at ``size``, scaled
    as ``compnn index`` scales them: to ``input_range``, or with ``mean`` and ``std`` over pixels
    in 0..1 (torchvision's convention). :func:`compnn.torch.index` takes a Dataset in place of
    images: it supplies the names and keeps the pixels in the store.

    Args:
        path: the dataset folder.
        split: "train", "val" or "test".
        size: (height, width) or an int for a square; None for the dataset's own size.
        direction: "AtoB" (the network reads the left image) or "BtoA".
        input_range: "-1,1" or "0,1".
        mean, std: per-channel (R, G, B) normalisation instead of ``input_range``.

    Raises FileNotFoundError for a missing folder or split, ValueError for a bad option,
    RuntimeError for a malformed dataset file (the message names it).
    """

    def __init__(self, path, split="train", size=None, direction="AtoB", input_range="-1,1",
                 mean=None, std=None):
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError(f"{path}: no such dataset folder")
        self._dataset = _compnn._Dataset(path)
        if not self._dataset.has_split(split):
            raise FileNotFoundError(f"{path}: no split {split!r} (no folder {path}/{split})")
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction: {direction!r} is not 'AtoB' or 'BtoA'")
        if input_range not in INPUT_RANGES:
            raise ValueError(f"input_range: {input_range!r} is not one of {INPUT_RANGES}")
        if (mean is None) != (std is None):
            raise ValueError("mean and std go together: give both or neither")
        if std is not None and (len(std) != 3 or min(std) <= 0 or len(mean) != 3):
            raise ValueError("mean and std: three values each, std positive")
        self.path = path
        self.split = split
        self.direction = direction
        self.input_range = input_range
        self.mean = None if mean is None else np.asarray(mean, np.float32).reshape(3, 1, 1)
        self.std = None if std is None else np.asarray(std, np.float32).reshape(3, 1, 1)
        if size is None:
            size = self._dataset.image_size(split)
        elif isinstance(size, int):
            size = (size, size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"size: {size!r} is not a (height, width) of positive sides")
        self.size = tuple(int(s) for s in size)
        self.names = self._dataset.names(split)

    def __repr__(self):
        return (
            f"Dataset({self.path!r}, {self.split!r}: {len(self)} images at "
            f"{self.size[0]}x{self.size[1]}, {self.direction})"
        )

    def __len__(self):
        return len(self.names)

    @property
    def input_is_labels(self):
        """Whether the network's input side holds label images."""
        return self._dataset.input_is_labels(self.direction)

    @property
    def target_is_labels(self):
        """Whether the network's target side holds label images."""
        return self._dataset.target_is_labels(self.direction)

    @property
    def palette(self):
        """labels.json's {"classes": [...], "ignore": ...}, or None for a photo dataset."""
        text = self._dataset.palette
        return None if text is None else json.loads(text)

    def pixels(self, index):
        """The pair ``index`` at ``size``: (input, target), each (H, W, 3) uint8 RGB."""
        return self._dataset.read(self.split, self.names[index], self.size, self.direction)

    def meta(self, index):
        """The image's meta.jsonl record (its attributes), or {}."""
        return json.loads(self._dataset.meta(self.split, self.names[index]))

    def prepare(self, rgb):
        """An (H, W, 3) uint8 RGB image as the model's (3, H, W) float32 input."""
        # The same float32 operations as compnn index, so that stores agree to the last bits.
        x = np.asarray(rgb, np.float32).transpose(2, 0, 1) / np.float32(127.5) - np.float32(1)
        if self.mean is not None:
            x = ((x + np.float32(1)) / np.float32(2) - self.mean) / self.std
        elif self.input_range == "0,1":
            x = (x + np.float32(1)) / np.float32(2)
        return np.ascontiguousarray(x, dtype=np.float32)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"image {index} of {len(self)}")
        return self.prepare(self.pixels(index)[0])

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
