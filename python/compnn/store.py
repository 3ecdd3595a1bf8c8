"""Feature stores from Python: reading (memory-mapped, zero-copy) and writing (streaming,
atomic)."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any, Literal, Mapping, NamedTuple, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compnn
from ._progress import run_with_progress
from ._arrays import (Pair, StrPath, as_array, as_float_array, check_pair, check_seed,
                      field_or_item, resolve_threads)

Method = Literal["hpm", "exact", "projected"]


class _SearchFields(NamedTuple):
    nnf: NDArray[np.int32]
    similarity: NDArray[np.float32]
    candidates: list[int]


class SearchResult(_SearchFields):
    """:meth:`FeatureStore.search`'s result, a named tuple:
    ``nnf, similarity, candidates = store.search(...)`` unpacks it.

    Attributes:
        nnf: int32 (H, W, 3), each cell's match: store image index, y and x; (H, W, K, 3) with
            ``k`` > 1, best first.
        similarity: float32 (H, W), the cosine similarity of each match; (H, W, K) with ``k`` > 1.
        candidates: the store image indices searched, most similar globally first.
        searched_by: which search found the field (not a tuple field): ``"hpm"``, ``"exact"``,
            ``"projected"`` or the cell index (``"cell index IVF..."``).
        summary: what ``compnn explain``'s summary.json records of the search (not a tuple
            field): the method and its parameters, the prefilter, k, the candidates' names, the
            mean similarity and the timings.
    """

    searched_by: str = ""
    summary: dict[str, Any]

    def __new__(cls, nnf: NDArray[np.int32], similarity: NDArray[np.float32],
                candidates: list[int], searched_by: str = "",
                summary: dict[str, Any] | None = None) -> SearchResult:
        self = super().__new__(cls, nnf, similarity, candidates)
        self.searched_by = searched_by
        self.summary = dict(summary or {})
        return self

    def _replace(self, **changes: Any) -> SearchResult:
        result = super()._replace(**changes)
        result.searched_by = self.searched_by
        result.summary = self.summary
        return result


class LayerInfo(NamedTuple):
    """A stored layer, as :meth:`FeatureStore.layer_info` describes it (fields are also read by
    name, ``info["stride"]``, as from the dict it replaces).

    Attributes:
        name: the layer's name.
        shape: (N, H, W, D): images, cells high and wide, channels.
        stride: input pixels per cell.
        hyperpatch: (height, width) in cells compared around each cell by default.
        dtype: ``"float16"`` or ``"float32"``, as the store keeps the maps.
        file: the layer's file in the store folder.
    """

    name: str
    shape: tuple[int, int, int, int]
    stride: int
    hyperpatch: tuple[int, int]
    dtype: str
    file: str

    def __getitem__(self, key: Any) -> Any:
        return field_or_item(self, key)


class CellIndexInfo(NamedTuple):
    """:meth:`FeatureStore.build_cell_index`'s result (fields are also read by name,
    ``built["file"]``, as from the dict it replaces).

    Attributes:
        file: the index file written (``STORE/cell-index/LAYER.HxW.faiss``).
        seconds: the time the build took.
        bytes: the index file's size.
        lists: inverted lists.
        code_bytes: bytes each hyperpatch is compressed to.
    """

    file: str
    seconds: float
    bytes: int
    lists: int
    code_bytes: int

    def __getitem__(self, key: Any) -> Any:
        return field_or_item(self, key)


def _require_store_folder(path: StrPath) -> str:
    path = os.fspath(path)
    if not os.path.isdir(path) and not os.path.isdir(path + ".partial"):
        raise FileNotFoundError(f"{path}: no such feature store")
    return path


class FeatureStore:
    """A feature store: the activations of a dataset split at chosen layers (``compnn index``'s or
    :func:`compnn.torch.index`'s output).

    Files are memory-mapped: :meth:`layer` returns read-only views, not copies, so a store larger
    than memory can be searched. Several threads may search one store at once.

    Raises FileNotFoundError for a missing folder, RuntimeError for a store that cannot be read
    or is incomplete (only ``path.partial`` exists); the message names the file and the problem.
    """

    def __init__(self, path: StrPath) -> None:
        self._store = _compnn._Store(_require_store_folder(path))
        self.path = os.fspath(path)
        self.manifest = json.loads(self._store.manifest)
        self._layers = {layer["name"]: layer for layer in self._store.layers}

    def __repr__(self) -> str:
        return (
            f"FeatureStore({self.path!r}: {len(self.images)} images, "
            f"layers {', '.join(self.layers)})"
        )

    @property
    def images(self) -> list[str]:
        """The training images' names, in store order (nnf image indices index this list)."""
        return self._store.images

    @property
    def layers(self) -> list[str]:
        """The stored layers' names, in the network's forward order."""
        return list(self._layers)

    def layer_info(self, name: str) -> LayerInfo:
        """A layer's :class:`LayerInfo`: its shape (N, H, W, D), stride (input pixels per cell),
        hyperpatch, dtype and file."""
        self._check_layer(name)
        record = self._layers[name]
        images, height, width, depth = (int(n) for n in record["shape"])
        return LayerInfo(
            name=record["name"],
            shape=(images, height, width, depth),
            stride=int(record["stride"]),
            hyperpatch=check_pair(record["hyperpatch"], "hyperpatch"),
            dtype=record["dtype"],
            file=record["file"],
        )

    @property
    def global_layer(self) -> str:
        """The layer whose flattened map is each image's global descriptor."""
        return self._store.global_layer

    @property
    def global_descriptors(self) -> NDArray[np.float32]:
        """(N, D_g) float32, read-only and memory-mapped: each image's global descriptor."""
        return self._store.global_descriptors()

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) of the images the activations were computed on."""
        return tuple(self._store.input_size)

    @property
    def inputs(self) -> NDArray[np.uint8] | None:
        """The training inputs kept in the store, (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("inputs")

    @property
    def targets(self) -> NDArray[np.uint8] | None:
        """The training targets kept in the store, (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("targets")

    @property
    def predictions(self) -> NDArray[np.uint8] | None:
        """The network's outputs on the training images, if the store keeps them (compnn index
        does, unless told --no-predictions): (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("predictions")

    def pixels_are_labels(self, name: str) -> bool:
        """Whether the kept "inputs", "targets" or "predictions" are label images (palette
        colours)."""
        return self._store.pixels_are_labels(name)

    @property
    def palette(self) -> dict[str, Any] | None:
        """The label palette ({"classes": [...], "ignore": ...}) of label pixels, or None."""
        palette = self._store.palette
        return None if palette is None else json.loads(palette)

    def _training_pixels(self) -> Any:
        """The pixels reconstructions paste (compnn explain's rule): the store's own, or its
        dataset's; opened once."""
        if getattr(self, "_pixels", None) is None:
            try:
                self._pixels = _compnn._TrainingPixels(self._store)
            except ValueError as e:  # the engine names its "data" field
                raise FileNotFoundError(
                    f"{self.path} keeps no training pixels and names no dataset folder to read "
                    "them from: index with inputs= and targets=, or with a compnn.Dataset"
                ) from e
        return self._pixels

    def _check_layer(self, name: str) -> None:
        if name not in self._layers:
            raise ValueError(
                f"layer {name!r} is not in {self.path} (it has {', '.join(self._layers)})"
            )

    def layer(self, name: str) -> np.ndarray:
        """The layer's maps, (N, H, W, D), as a read-only view of the memory-mapped file, as
        ``numpy.load(..., mmap_mode='r')`` gives it: float16 layers stay float16, nothing is
        copied."""
        self._check_layer(name)
        return self._store.layer(name)

    def default_layer(self) -> str:
        """The layer explanations use by default: after the bottleneck, the last stored layer of
        the finest stride."""
        return self._store.default_explain_layer()

    def verify(self) -> None:
        """Recomputes every file's checksum; raises RuntimeError naming the first that differs."""
        self._store.verify()

    def search(
        self,
        layer: str,
        query_map: ArrayLike,
        query_global: ArrayLike,
        *,
        method: Method = "hpm",
        topk_images: int = 16,
        where: str | None = None,
        images: str | Sequence[str] | None = None,
        iterations: int = 32,
        seed: int = 0,
        k: int = 1,
        search_matches: int = 1,
        use_cell_index: bool = True,
        index_probes: int = 1,
        index_shortlist: int = 64,
        index_propagation: int = 4,
        channels_first: bool = False,
        threads: int = 0,
    ) -> SearchResult:
        """Matches a query's map at ``layer`` against the store, as ``compnn explain`` does, with
        its defaults (every option is keyword-only).

        Args:
            layer: a stored layer's name.
            query_map: the query's map at that layer, (H, W, D) or (1, H, W, D) float32/float16
                (or channels first with ``channels_first=True``).
            query_global: the query's global descriptor: its map at :attr:`global_layer`,
                flattened channels last (the length of a row of :attr:`global_descriptors`).
            method: ``"hpm"`` (HyperPatch-Match), ``"exact"`` or ``"projected"``.
            topk_images: candidates kept by the global prefilter; 0 searches every image.
            where: attribute conditions of the store's dataset, e.g. ``"style=paris"``.
            images: names of the training images allowed (the database is restricted to them).
            iterations, seed: HyperPatch-Match's iteration cap and random seed.
            k: matches kept per cell, best first and distinct (nnf and similarity gain a K axis
                when k > 1; HyperPatch-Match then costs about k times as much).
            search_matches: HyperPatch-Match keeps this many matches per cell while it searches
                (at least ``k``) and returns the best ``k`` (``--search-matches`` of the CLI).
            use_cell_index: a search over every image (``topk_images=0``, no restriction) uses
                the layer's cell index when the store has one (:meth:`build_cell_index`),
                whatever the method; False searches by ``method``.
            index_probes, index_shortlist: the cell index's lists probed per cell and candidates
                per cell ranked again at full precision.
            index_propagation: passes after the re-ranking in which each cell tries its
                neighbours' matches, shifted (0: none).
            channels_first: ``query_map`` is (D, H, W) or (1, D, H, W), as PyTorch lays it out.
            threads: worker threads, 0 for every core.

        Returns:
            :class:`SearchResult` (nnf, similarity, candidates; ``searched_by`` says which
            search found them). The GIL is released while searching, so threads may search one
            store concurrently.
        """
        self._check_layer(layer)
        if isinstance(images, str):
            images = [images]
        if images is not None and len(images) == 0:
            raise ValueError("images: an empty list allows no image (None allows them all)")
        # The engine checks the rest (ranges, the query's depth and descriptor length).
        nnf, similarity, candidates, searched_by, summary = self._store.search(
            layer,
            as_float_array(query_map, "query_map"),
            as_float_array(query_global, "query_global").reshape(-1),
            method=method,
            topk_images=int(topk_images),
            where=where or "",
            images=list(images or []),
            iterations=int(iterations),
            seed=check_seed(seed),
            threads=resolve_threads(threads),
            channels_first=bool(channels_first),
            k=int(k),
            search_matches=int(search_matches),
            use_cell_index=bool(use_cell_index),
            index_probes=int(index_probes),
            index_shortlist=int(index_shortlist),
            index_propagation=int(index_propagation),
        )
        return SearchResult(nnf, similarity, list(candidates), searched_by, json.loads(summary))

    def build_cell_index(
        self,
        layer: str | None = None,
        *,
        hyperpatch: Pair | None = None,
        lists: int = 0,
        code_bytes: int = 16,
        train_cells: int = 65536,
        seed: int = 0,
        threads: int = 0,
        progress: bool = True,
    ) -> CellIndexInfo:
        """Builds the index over ``layer``'s cells that searches over every image use, as
        ``compnn cell-index`` does, and writes it beside the store (``cell-index/``).

        Args:
            layer: a stored layer (default: :meth:`default_layer`).
            hyperpatch: (height, width) compared around each cell (default: the layer's).
            lists: inverted lists (0: the power of two nearest sqrt(cells) / 2).
            code_bytes: bytes each hyperpatch is compressed to (must divide its length).
            train_cells: hyperpatches the lists and codes learn from.
            seed, threads: the training sample's seed; worker threads (0: every core).
            progress: a progress bar over the images added.

        Returns:
            :class:`CellIndexInfo`: the index ``file``, build ``seconds``, ``bytes``, ``lists``
            and ``code_bytes``.
        """
        layer = self.default_layer() if layer is None else layer
        self._check_layer(layer)
        built = run_with_progress(
            "compnn cell index", progress,
            lambda advance: self._store.build_cell_index(
                layer,
                [] if hyperpatch is None else list(check_pair(hyperpatch, "hyperpatch")),
                int(lists),
                int(code_bytes),
                int(train_cells),
                check_seed(seed),
                resolve_threads(threads),
                advance,
            ),
            unit="image")
        return CellIndexInfo(**{field: built[field] for field in CellIndexInfo._fields})


class StoreWriter:
    """Writes a feature store image by image, for activations computed anywhere.

    The first :meth:`append` fixes each layer's shape (and stride, from ``input_size``);
    :meth:`commit` writes the checksums and the manifest and renames ``path.partial`` to ``path``,
    so a folder named ``path`` is always a whole store that ``compnn verify`` and
    ``compnn explain --store`` open. Used as a context manager it commits on success and removes
    the partial folder on an exception.

    Args:
        path: the store folder to write.
        input_size: (height, width) of the model's input (an int for a square).
        global_layer: the layer whose flattened map is each image's global descriptor (it must be
            among the appended maps).
        dtype: "f16" (half the disk, the default) or "f32".
        hyperpatch: (height, width) in cells searched around each cell, for every layer (an int
            for a square).
        model, dataset: provenance recorded in the manifest (dicts of JSON values).
        pixels: which training pixels will be appended: a subset of ("inputs", "targets",
            "predictions"); predictions are the network's outputs on the training images, which
            explanations paste into a prediction reconstruction.
        labels: the names among ``pixels`` that are label images (palette colours), so that
            reconstructions vote classes instead of averaging colours.
        palette: {"classes": [{"id", "name", "colour"}...], "ignore": ...} for label pixels.
        overwrite: replace an existing store at ``path``.
    """

    def __init__(
        self,
        path: StrPath,
        input_size: Pair,
        global_layer: str,
        *,
        dtype: Literal["f16", "f32"] = "f16",
        hyperpatch: Pair = (2, 2),
        model: Mapping[str, Any] | None = None,
        dataset: Mapping[str, Any] | None = None,
        pixels: Sequence[str] = (),
        labels: Sequence[str] = (),
        palette: Mapping[str, Any] | None = None,
        overwrite: bool = False,
    ) -> None:
        self.path = os.fspath(path)
        if isinstance(input_size, int):
            input_size = (input_size, input_size)
        if dtype not in ("f16", "f32"):
            raise ValueError(f"dtype: {dtype!r} is not 'f16' or 'f32'")
        if len(input_size) != 2 or min(input_size) < 1:
            raise ValueError(
                f"input_size: {input_size!r} is not a (height, width) of positive sides"
            )
        for name in pixels:
            if name not in ("inputs", "targets", "predictions"):
                raise ValueError(f"pixels: {name!r} is not 'inputs', 'targets' or 'predictions'")
        if os.path.exists(self.path) and not overwrite:
            raise FileExistsError(f"{self.path} already exists (pass overwrite=True to replace it)")
        parent = os.path.dirname(os.path.abspath(self.path))
        if os.path.exists(parent) and not os.path.isdir(parent):
            raise NotADirectoryError(f"{parent}: not a folder, so {self.path} cannot be written")
        os.makedirs(parent, exist_ok=True)
        self.input_size = tuple(int(s) for s in input_size)
        self.global_layer = global_layer
        self.dtype = dtype
        self.hyperpatch = check_pair(hyperpatch, "hyperpatch")
        self.model = model or {}
        self.dataset = dataset or {}
        self.pixels = tuple(pixels)
        self.labels = set(labels)
        self.palette = palette
        self.overwrite = overwrite
        self._writer: Any = None  # the extension's writer, made by the first append
        self._names: set[str] = set()
        self._layer_order: list[str] | None = None

    def _open_writer(self, arrays: dict[str, np.ndarray]) -> Any:
        """The extension's writer; the manifest is planned in C++ from the first image's maps."""
        if self.global_layer not in arrays:
            raise ValueError(
                f"global_layer {self.global_layer!r} is not among the maps ({', '.join(arrays)})"
            )
        return _compnn._StoreWriter(
            self.path,
            [(name, *array.shape) for name, array in arrays.items()],
            self.input_size,
            self.global_layer,
            self.dtype,
            self.hyperpatch,
            json.dumps(self.model),
            json.dumps(self.dataset),
            list(self.pixels),
            sorted(self.labels),
            "" if self.palette is None else json.dumps(self.palette),
            self.overwrite,
        )

    def append(
        self,
        name: str,
        maps: Mapping[str, ArrayLike],
        *,
        inputs: ArrayLike | None = None,
        targets: ArrayLike | None = None,
        predictions: ArrayLike | None = None,
        channels_first: bool = False,
    ) -> None:
        """Appends one image (the pixels and ``channels_first`` are keyword-only).

        Args:
            name: the image's name (unique in the store).
            maps: {layer name: its map, (H, W, D) or (D, H, W) with ``channels_first``}, float
                arrays or CPU tensors; the same layers and shapes for every image.
            inputs, targets, predictions: the image's pixels and the network's output on it,
                (H, W, 3) uint8 RGB at ``input_size``, when the writer keeps them.
        """
        if name in self._names:
            raise ValueError(f"image name {name!r} appears twice")
        arrays = {}
        for layer, value in maps.items():
            array = as_float_array(value, f"layer {layer} of image {name}")
            if array.ndim != 3:
                raise ValueError(
                    f"layer {layer} of image {name}: shape {array.shape} is not one map "
                    f"({'D, H, W' if channels_first else 'H, W, D'})"
                )
            if channels_first:
                array = array.transpose(1, 2, 0)
            arrays[layer] = np.ascontiguousarray(array, dtype=np.float32)
        if self._writer is None:
            self._layer_order = list(arrays)
            self._writer = self._open_writer(arrays)
        elif list(arrays) != self._layer_order:
            raise ValueError(
                f"image {name}: maps of layers {list(arrays)}, but the first image had "
                f"{self._layer_order}"
            )
        pixels: dict[str, np.ndarray] = {}
        for key, given in (("inputs", inputs), ("targets", targets), ("predictions", predictions)):
            if key in self.pixels:
                if given is None:
                    raise ValueError(f"image {name}: the writer keeps {key}, but none were given")
                pixels[key] = as_array(given, f"{key} of image {name}")
        self._writer.append(name, arrays, arrays[self.global_layer].reshape(-1), pixels)
        self._names.add(name)

    def __len__(self) -> int:
        return len(self._names)

    def commit(self) -> None:
        """Writes the checksums and manifest, and renames the folder into place."""
        if self._writer is None:
            raise ValueError(f"{self.path}: no images were appended")
        self._writer.commit()

    def abort(self) -> None:
        """Removes the partial folder this writer made: the store is not written."""
        if self._writer is not None:
            self._writer = None
            shutil.rmtree(self.path + ".partial", ignore_errors=True)

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, kind, value, traceback) -> Literal[False]:
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False
