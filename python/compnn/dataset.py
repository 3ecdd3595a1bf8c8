"""compnn.Dataset: a compnn dataset folder's split as model-ready arrays and pixels."""

from __future__ import annotations

import json
import os
from typing import Any, Iterator, Literal, NamedTuple, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compnn
from ._arrays import Pair, StrPath, check_pair

INPUT_RANGES = ("-1,1", "0,1")


def prepare_pixels(
    rgb: ArrayLike,
    input_range: str = "-1,1",
    mean: ArrayLike | None = None,
    std: ArrayLike | None = None,
) -> NDArray[np.float32]:
    """An (H, W, 3) uint8 RGB image as a model's (3, H, W) float32 input: scaled to
    ``input_range``, or normalised with the per-channel ``mean`` and ``std`` of pixels in 0..1."""
    # compnn index's own conversion (NetworkPixels), so that stores agree to the last bits.
    return _compnn._input_values(np.ascontiguousarray(rgb, dtype=np.uint8),
                                 model_record(input_range, mean, std))


def model_record(
    input_range: str = "-1,1",
    mean: ArrayLike | None = None,
    std: ArrayLike | None = None,
    output: str = "",
    output_kind: str = "",
) -> str:
    """The JSON record a store keeps of how a network reads pixels and what it outputs, as the
    engine writes it (an unset ``output_kind`` is left out: read from the output's channels)."""
    def as_list(values: ArrayLike | None) -> list[float] | None:
        return None if values is None else [float(x) for x in np.asarray(values).ravel()]

    return _compnn._model_record(input_range, as_list(mean), as_list(std), output, output_kind)


class ImagePair(NamedTuple):
    """One pair of a dataset, as :meth:`Dataset.pixels` reads it: ``input, target = ...``.

    Attributes:
        input: the side the network reads, (H, W, 3) uint8 RGB.
        target: the side it predicts, (H, W, 3) uint8 RGB.
    """

    input: NDArray[np.uint8]
    target: NDArray[np.uint8]


class Dataset:
    """One split of a compnn dataset folder (``compnn data generate`` / ``compnn data import``).

    Items are model-ready float32 arrays (3, H, W), the input side of each pair at ``size``, scaled
    as ``compnn index`` scales them: to ``input_range``, or with ``mean`` and ``std`` over pixels
    in 0..1 (torchvision's convention). :func:`compnn.torch.index` takes a Dataset in place of
    images: it supplies the names and keeps the pixels in the store.

    ``path`` and ``split`` may be given by position; the other options are keyword-only, with
    the defaults of ``compnn index`` (``--split train --direction AtoB --input-range -1,1``).

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

    def __init__(
        self,
        path: StrPath,
        split: str = "train",
        *,
        size: Pair | None = None,
        direction: Literal["AtoB", "BtoA"] = "AtoB",
        input_range: Literal["-1,1", "0,1"] = "-1,1",
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
    ) -> None:
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
        if mean is not None and std is not None and (
            len(mean) != 3 or len(std) != 3 or min(std) <= 0
        ):
            raise ValueError("mean and std: three values each, std positive")
        self.path = path
        self.split = split
        self.direction = direction
        self.input_range = input_range
        self.mean = None if mean is None else np.asarray(mean, np.float32).reshape(3, 1, 1)
        self.std = None if std is None else np.asarray(std, np.float32).reshape(3, 1, 1)
        height, width = (
            self._dataset.image_size(split) if size is None else check_pair(size, "size")
        )
        if min(height, width) < 1:
            raise ValueError(f"size: {size!r} is not a (height, width) of positive sides")
        self.size = (int(height), int(width))
        self.names = self._dataset.names(split)

    def __repr__(self) -> str:
        return (
            f"Dataset({self.path!r}, {self.split!r}: {len(self)} images at "
            f"{self.size[0]}x{self.size[1]}, {self.direction})"
        )

    def __len__(self) -> int:
        return len(self.names)

    @property
    def input_is_labels(self) -> bool:
        """Whether the network's input side holds label images."""
        return self._dataset.input_is_labels(self.direction)

    @property
    def target_is_labels(self) -> bool:
        """Whether the network's target side holds label images."""
        return self._dataset.target_is_labels(self.direction)

    @property
    def palette(self) -> dict[str, Any] | None:
        """labels.json's {"classes": [...], "ignore": ...}, or None for a photo dataset."""
        text = self._dataset.palette
        return None if text is None else json.loads(text)

    def pixels(self, index: int) -> ImagePair:
        """The pair ``index`` at ``size``: an :class:`ImagePair` (input, target), each (H, W, 3)
        uint8 RGB."""
        return ImagePair(*self._dataset.read(self.split, self.names[index], self.size,
                                             self.direction))

    def meta(self, index: int) -> dict[str, Any]:
        """The image's meta.jsonl record (its attributes), or {}."""
        return json.loads(self._dataset.meta(self.split, self.names[index]))

    def prepare(self, rgb: ArrayLike) -> NDArray[np.float32]:
        """An (H, W, 3) uint8 RGB image as the model's (3, H, W) float32 input."""
        return prepare_pixels(rgb, self.input_range, self.mean, self.std)

    def __getitem__(self, index: int) -> NDArray[np.float32]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"image {index} of {len(self)}")
        return self.prepare(self.pixels(index)[0])

    def __iter__(self) -> Iterator[NDArray[np.float32]]:
        for i in range(len(self)):
            yield self[i]
