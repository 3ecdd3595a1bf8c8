"""Credibility of a segmentation network's prediction per pixel (docs/trust.md), from matches
found in a feature store and a calibration written by ``compnn eval --credibility``."""

import json
import os

import numpy as np

from . import _compnn


def credibility_map(store, fields, classes, calibration):
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
    if not isinstance(calibration, dict):
        with open(os.fspath(calibration), encoding="utf-8") as file:
            calibration = json.load(file)
    if calibration.get("format") != "compnn-calibration-1":
        raise ValueError("calibration: not a compnn calibration (compnn eval --credibility)")
    if len(fields) != len(calibration["layers"]):
        raise ValueError(f"fields: {len(fields)} given, but the calibration used "
                         f"{len(calibration['layers'])} layers ({calibration['layers']})")
    prepared = [(np.asarray(nnf), np.asarray(similarity), int(stride))
                for nnf, similarity, stride in fields]
    return _compnn._credibility_map(store._store, prepared, np.asarray(classes),
                                    list(calibration["nonconformity"]),
                                    int(calibration["pixels"]))
