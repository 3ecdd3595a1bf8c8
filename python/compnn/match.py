"""compnn.match: correspondence search on activation maps in memory."""

from . import _compnn
from ._arrays import as_float_array, resolve_threads


def match(
    query,
    database,
    method="exact",
    hyperpatch=(2, 2),
    images=None,
    topk_images=0,
    query_global=None,
    database_global=None,
    iterations=32,
    seed=0,
    k=1,
    channels_first=False,
    threads=0,
    search_matches=1,
):
    """Match every cell of ``query`` to the most similar hyperpatch of ``database``.

    The same search as ``compnn match``, on arrays in memory: the results are identical to the
    command's on the same arrays.

    Args:
        query: one activation map, (H, W, D) or (1, H, W, D), float32 or float16 (a numpy array,
            a CPU tensor, or anything with ``__array__``, a buffer or DLPack). Float32 C-contiguous
            channels-last arrays are read in place, without a copy.
        database: the training images' maps, (N, H', W', D), float32 or float16 (float16 is
            converted only for the images searched). A store's ``layer()`` view works as is.
        method: ``"exact"`` (exhaustive), ``"hpm"`` (HyperPatch-Match, approximate) or
            ``"projected"`` (exact search in 32 principal components of the hyperpatches, the 16
            best of each cell ranked again at full length: near-exact, faster than exact).
        hyperpatch: (height, width) in cells of the neighbourhood compared around each cell.
        images: search only these database images (indices); None for all (an empty list is an
            error, not "all").
        topk_images: keep only the K images whose global descriptors are nearest the query's
            (needs ``query_global`` and ``database_global``); 0 for no prefilter.
        query_global: the query's global descriptor, (D_g,) or (1, D_g).
        database_global: the database's descriptors, (N, D_g).
        iterations: HyperPatch-Match's iteration cap.
        seed: HyperPatch-Match's random seed (same seed, same result, any thread count).
        k: keep the K best matches per cell, distinct, best first (outputs gain a K axis when
            K > 1; HyperPatch-Match then costs about K times as much).
        channels_first: the maps are (D, H, W) / (N, D, H, W), as PyTorch lays them out.
        threads: worker threads, 0 for every core.
        search_matches: HyperPatch-Match keeps this many matches per cell while it searches (at
            least ``k``) and returns the best ``k``: 2 finds better best matches at some extra
            cost (docs/performance.md).

    Returns:
        ``(nnf, similarity)``: nnf is int32 (H, W, 3) holding each match's image, y and x (or
        (H, W, K, 3)); similarity is float32 (H, W) (or (H, W, K)), the cosine similarity of the
        matched hyperpatches.

    Raises:
        ValueError: a bad dtype, shape, index or option. The GIL is released while searching.
    """
    query = as_float_array(query, "query")
    database = as_float_array(database, "database")
    if isinstance(hyperpatch, int):
        hyperpatch = (hyperpatch, hyperpatch)
    if images is not None and len(images) == 0:
        raise ValueError("images: an empty list allows no image (None searches them all)")
    if int(iterations) < 0:
        raise ValueError(f"iterations: must not be negative, got {iterations}")
    globals_ = [
        None if g is None else as_float_array(g, name)
        for g, name in ((query_global, "query_global"), (database_global, "database_global"))
    ]
    return _compnn._match(
        query,
        database,
        method,
        tuple(hyperpatch),
        [] if images is None else [int(i) for i in images],
        int(topk_images),
        globals_[0],
        globals_[1],
        int(iterations),
        int(seed),
        int(k),
        resolve_threads(threads),
        bool(channels_first),
        int(search_matches),
    )
