"""Credibility of a segmentation network's prediction per pixel (docs/trust.md), from matches
found in a feature store and a calibration written by ``compnn eval --credibility``."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compnn
from ._arrays import StrPath

if TYPE_CHECKING:
    from .store import FeatureStore

#: One layer's field for :func:`credibility_map`: (nnf, similarity, stride).
Field = Tuple[ArrayLike, ArrayLike, int]


def credibility_map(
    store: FeatureStore,
    fields: Sequence[Field],
    classes: ArrayLike,
    calibration: StrPath | Mapping[str, Any],
) -> NDArray[np.float32]:
    """The credibility of each pixel's predicted class, as ``compnn explain --credibility``
    computes it: the similarity-weighted share of each cell's matches whose training label (the
    store's target class at the centre of the matched patch) disagrees, summed over the fields,
    as a p-value against the calibration's.

    Args:
        store: the :class:`compnn.FeatureStore` the fields were found in (it must keep its label
            targets).
        fields: one ``(nnf, similarity, stride)`` per layer the calibration used (its
            ``"layers"``, found with its ``"k"`` matches a cell and its ``"search"``), e.g. from
            :meth:`FeatureStore.search` with ``k``: nnf int32 (H, W, K, 3), similarity float32
            (H, W, K), the layer's stride.
        classes: (rows, cols) uint8 class ids of the network's prediction (255: void).
        calibration: the path of ``calibration.json``, or its contents as a dict.

    Returns:
        float32 (rows, cols) credibilities in (0, 1]; NaN where ``classes`` is void.
    """
    record: Mapping[str, Any]
    if isinstance(calibration, Mapping):
        record = calibration
    else:
        with open(os.fspath(calibration), encoding="utf-8") as file:
            record = json.load(file)
    if record.get("format") != "compnn-calibration-1":
        raise ValueError("calibration: not a compnn calibration (compnn eval --credibility)")
    if len(fields) != len(record["layers"]):
        raise ValueError(f"fields: {len(fields)} given, but the calibration used "
                         f"{len(record['layers'])} layers ({record['layers']})")
    prepared = [(np.asarray(nnf), np.asarray(similarity), int(stride))
                for nnf, similarity, stride in fields]
    return _compnn._credibility_map(store._store, prepared, np.asarray(classes),
                                    list(record["nonconformity"]),
                                    int(record["pixels"]))
