"""compnn.match: correspondence search on activation maps in memory."""

from __future__ import annotations

import warnings
from typing import Literal, NamedTuple, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compnn
from ._arrays import Pair, as_float_array, check_pair, check_seed, resolve_threads

Method = Literal["hpm", "exact", "projected"]


class MatchResult(NamedTuple):
    """:func:`match`'s result, a named tuple: ``nnf, similarity = compnn.match(...)`` unpacks it.

    Attributes:
        nnf: int32 (H, W, 3), each cell's match: database image, y and x; (H, W, K, 3) with
            ``k`` > 1, best first.
        similarity: float32 (H, W), the cosine similarity of the matched hyperpatches; (H, W, K)
            with ``k`` > 1.
    """

    nnf: NDArray[np.int32]
    similarity: NDArray[np.float32]


def match(
    query: ArrayLike,
    database: ArrayLike,
    *,
    method: Method = "hpm",
    hyperpatch: Pair = (2, 2),
    image_indices: Sequence[int] | None = None,
    topk_images: int = 0,
    query_global: ArrayLike | None = None,
    database_global: ArrayLike | None = None,
    iterations: int = 32,
    seed: int = 0,
    k: int = 1,
    search_matches: int = 1,
    channels_first: bool = False,
    threads: int = 0,
    images: Sequence[int] | None = None,
) -> MatchResult:
    """Match every cell of ``query`` to the most similar hyperpatch of ``database``.

    The same search as ``compnn match``, on arrays in memory: the results are identical to the
    command's on the same arrays, and the defaults are the command's (``method="hpm"``, a 2 x 2
    hyperpatch, 32 iterations, seed 0, one match per cell). Every option is keyword-only.

    Args:
        query: one activation map, (H, W, D) or (1, H, W, D), float32 or float16 (a numpy array,
            a CPU tensor, or anything with ``__array__``, a buffer or DLPack). Float32 C-contiguous
            channels-last arrays are read in place, without a copy.
        database: the training images' maps, (N, H', W', D), float32 or float16 (float16 is
            converted only for the images searched). A store's ``layer()`` view works as is.
        method: ``"hpm"`` (HyperPatch-Match, approximate; the default, as ``compnn match``'s),
            ``"exact"`` (exhaustive) or ``"projected"`` (exact search in 32 principal components
            of the hyperpatches, the 16 best of each cell ranked again at full length:
            near-exact, faster than exact).
        hyperpatch: (height, width) in cells of the neighbourhood compared around each cell (an
            int for a square).
        image_indices: search only these database images (indices); None for all (an empty list
            is an error, not "all").
        topk_images: keep only the K images whose global descriptors are nearest the query's
            (needs ``query_global`` and ``database_global``); 0 for no prefilter.
        query_global: the query's global descriptor, (D_g,) or (1, D_g).
        database_global: the database's descriptors, (N, D_g).
        iterations: HyperPatch-Match's iteration cap.
        seed: HyperPatch-Match's random seed (same seed, same result, any thread count).
        k: keep the K best matches per cell, distinct, best first (outputs gain a K axis when
            K > 1; HyperPatch-Match then costs about K times as much).
        search_matches: HyperPatch-Match keeps this many matches per cell while it searches (at
            least ``k``) and returns the best ``k``: 2 finds better best matches at some extra
            cost (docs/performance.md).
        channels_first: the maps are (D, H, W) / (N, D, H, W), as PyTorch lays them out.
        threads: worker threads, 0 for every core.
        images: the old name of ``image_indices`` (warns): elsewhere ``images`` takes names.

    Returns:
        :class:`MatchResult` ``(nnf, similarity)``: nnf is int32 (H, W, 3) holding each match's
        image, y and x (or (H, W, K, 3)); similarity is float32 (H, W) (or (H, W, K)), the cosine
        similarity of the matched hyperpatches.

    Raises:
        ValueError: a bad dtype, shape, index or option. The GIL is released while searching.
    """
    query = as_float_array(query, "query")
    database = as_float_array(database, "database")
    hyperpatch = check_pair(hyperpatch, "hyperpatch")
    if images is not None:
        if image_indices is not None:
            raise ValueError("give image_indices, not also images (its old name)")
        warnings.warn("compnn.match: images is the old name of image_indices (elsewhere images "
                      "takes names)", DeprecationWarning, stacklevel=2)
        image_indices = images
    if image_indices is not None and len(image_indices) == 0:
        raise ValueError(
            "image_indices: an empty list allows no image (None searches them all)")
    globals_ = [
        None if g is None else as_float_array(g, name)
        for g, name in ((query_global, "query_global"), (database_global, "database_global"))
    ]
    nnf, similarity = _compnn._match(
        query,
        database,
        method,
        hyperpatch,
        [] if image_indices is None else [int(i) for i in image_indices],
        int(topk_images),
        globals_[0],
        globals_[1],
        int(iterations),
        check_seed(seed),
        int(k),
        resolve_threads(threads),
        bool(channels_first),
        int(search_matches),
    )
    return MatchResult(nnf, similarity)
