"""Feature stores from Python: reading (memory-mapped, zero-copy) and writing (streaming,
atomic)."""

import collections
import json
import os
import shutil

import numpy as np

from . import _compnn
from ._arrays import as_array, as_float_array, resolve_threads


class SearchResult(collections.namedtuple("SearchResult", ["nnf", "similarity", "candidates"])):
    searched_by = ""  # which search found the field: "hpm", "exact", "projected" or the cell index


SearchResult.__doc__ = """A store search's result: nnf int32 (H, W, 3) holding image, y, x;
similarity float32 (H, W) (with k > 1 matches per cell: (H, W, K, 3) and (H, W, K), best first);
candidates, the store image indices searched (most similar globally
first)."""


def _require_store_folder(path):
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

    def __init__(self, path):
        self._store = _compnn._Store(_require_store_folder(path))
        self.path = os.fspath(path)
        self.manifest = json.loads(self._store.manifest)
        self._layers = {layer["name"]: layer for layer in self._store.layers}

    def __repr__(self):
        return (
            f"FeatureStore({self.path!r}: {len(self.images)} images, "
            f"layers {', '.join(self.layers)})"
        )

    @property
    def images(self):
        """The training images' names, in store order (nnf image indices index this list)."""
        return self._store.images

    @property
    def layers(self):
        """The stored layers' names, in the network's forward order."""
        return list(self._layers)

    def layer_info(self, name):
        """A layer's shape (N, H, W, D), stride (input pixels per cell), hyperpatch and dtype."""
        self._check_layer(name)
        return dict(self._layers[name])

    @property
    def global_layer(self):
        """The layer whose flattened map is each image's global descriptor."""
        return self._store.global_layer

    @property
    def global_descriptors(self):
        """(N, D_g) float32, read-only and memory-mapped: each image's global descriptor."""
        return self._store.global_descriptors()

    @property
    def input_size(self):
        """(height, width) of the images the activations were computed on."""
        size = self.manifest["input_size"]
        return (size, size) if isinstance(size, int) else tuple(size)

    @property
    def inputs(self):
        """The training inputs kept in the store, (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("inputs")

    @property
    def targets(self):
        """The training targets kept in the store, (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("targets")

    @property
    def predictions(self):
        """The network's outputs on the training images, if the store keeps them (compnn index
        does, unless told --no-predictions): (N, H, W, 3) uint8 RGB memory-mapped, or None."""
        return self._store.pixels("predictions")

    def pixels_are_labels(self, name):
        """Whether the kept "inputs", "targets" or "predictions" are label images (palette
        colours)."""
        for entry in self.manifest.get("pixels", []):
            if entry["name"] == name:
                return bool(entry["labels"])
        return False

    @property
    def palette(self):
        """The label palette ({"classes": [...], "ignore": ...}) of label pixels, or None."""
        return self.manifest.get("palette")

    def _check_layer(self, name):
        if name not in self._layers:
            raise ValueError(
                f"layer {name!r} is not in {self.path} (it has {', '.join(self._layers)})"
            )

    def layer(self, name):
        """The layer's maps, (N, H, W, D), as a read-only view of the memory-mapped file, as
        ``numpy.load(..., mmap_mode='r')`` gives it: float16 layers stay float16, nothing is
        copied."""
        self._check_layer(name)
        return self._store.layer(name)

    def default_layer(self):
        """The layer explanations use by default: after the bottleneck, the last stored layer of
        the finest stride."""
        return self._store.default_explain_layer()

    def verify(self):
        """Recomputes every file's checksum; raises RuntimeError naming the first that differs."""
        self._store.verify()

    def search(
        self,
        layer,
        query_map,
        query_global,
        method="hpm",
        topk_images=16,
        where=None,
        images=None,
        iterations=32,
        seed=0,
        threads=0,
        channels_first=False,
        k=1,
        search_matches=1,
        *,
        use_cell_index=True,
        index_probes=1,
        index_shortlist=64,
    ):
        """Matches a query's map at ``layer`` against the store, as ``compnn explain`` does.

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
            threads: worker threads, 0 for every core.
            channels_first: ``query_map`` is (D, H, W) or (1, D, H, W), as PyTorch lays it out.
            k: matches kept per cell, best first and distinct (nnf and similarity gain a K axis
                when k > 1; HyperPatch-Match then costs about k times as much).
            search_matches: HyperPatch-Match keeps this many matches per cell while it searches
                (at least ``k``) and returns the best ``k`` (``--search-matches`` of the CLI).
            use_cell_index: a search over every image (``topk_images=0``, no restriction) uses
                the layer's cell index when the store has one (:meth:`build_cell_index`),
                whatever the method; False searches by ``method``.
            index_probes, index_shortlist: the cell index's lists probed per cell and candidates
                per cell ranked again at full precision.

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
        if int(iterations) < 0:
            raise ValueError(f"iterations: must not be negative, got {iterations}")
        if not 1 <= int(k) <= 256:
            raise ValueError(f"k: must be in [1, 256], got {k}")
        if not 1 <= int(search_matches) <= 256:
            raise ValueError(f"search_matches: must be in [1, 256], got {search_matches}")
        query_map = as_float_array(query_map, "query_map")
        query_global = as_float_array(query_global, "query_global").reshape(-1)
        depth = self._layers[layer]["shape"][3]
        axis = query_map.ndim - 3 if channels_first else -1  # where the channels are
        if query_map.ndim in (3, 4) and query_map.shape[axis] != depth:
            raise ValueError(
                f"query_map: shape {query_map.shape} has depth {query_map.shape[axis]}, but layer "
                f"{layer} of {self.path} has depth {depth} (a map of another layer or model?)"
            )
        length = int(np.prod(self._layers[self.global_layer]["shape"][1:]))
        if query_global.size != length:
            raise ValueError(
                f"query_global: {query_global.size} values, but the global descriptors of "
                f"{self.path} ({self.global_layer}, flattened) have {length}"
            )
        nnf, similarity, candidates, searched_by = self._store.search(
            layer,
            query_map,
            query_global,
            method,
            int(topk_images),
            where or "",
            list(images or []),
            int(iterations),
            int(seed),
            resolve_threads(threads),
            bool(channels_first),
            int(k),
            int(search_matches),
            bool(use_cell_index),
            int(index_probes),
            int(index_shortlist),
        )
        result = SearchResult(nnf, similarity, candidates)
        result.searched_by = searched_by
        return result

    def build_cell_index(
        self,
        layer=None,
        *,
        hyperpatch=None,
        lists=0,
        code_bytes=16,
        train_cells=65536,
        seed=0,
        threads=0,
    ):
        """Builds the index over ``layer``'s cells that searches over every image use, as
        ``compnn cell-index`` does, and writes it beside the store (``cell-index/``).

        Args:
            layer: a stored layer (default: :meth:`default_layer`).
            hyperpatch: (height, width) compared around each cell (default: the layer's).
            lists: inverted lists (0: the power of two nearest sqrt(cells) / 2).
            code_bytes: bytes each hyperpatch is compressed to (must divide its length).
            train_cells: hyperpatches the lists and codes learn from.
            seed, threads: the training sample's seed; worker threads (0: every core).

        Returns:
            dict with the index ``file``, build ``seconds``, ``bytes``, ``lists``, ``code_bytes``.
        """
        layer = self.default_layer() if layer is None else layer
        self._check_layer(layer)
        return self._store.build_cell_index(
            layer,
            [] if hyperpatch is None else [int(hyperpatch[0]), int(hyperpatch[1])],
            int(lists),
            int(code_bytes),
            int(train_cells),
            int(seed),
            resolve_threads(threads),
        )


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
        hyperpatch: (height, width) in cells searched around each cell, for every layer.
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
        path,
        input_size,
        global_layer,
        dtype="f16",
        hyperpatch=(2, 2),
        model=None,
        dataset=None,
        pixels=(),
        labels=(),
        palette=None,
        overwrite=False,
    ):
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
        self.hyperpatch = tuple(hyperpatch)
        self.model = model or {}
        self.dataset = dataset or {}
        self.pixels = tuple(pixels)
        self.labels = set(labels)
        self.palette = palette
        self.overwrite = overwrite
        self._writer = None
        self._names = set()
        self._layer_order = None

    def _plan(self, maps):
        layers = []
        for name, array in maps.items():
            height, width, depth = array.shape
            layers.append(
                {
                    "name": name,
                    "shape": [0, height, width, depth],
                    "stride": max(1, self.input_size[0] // height),
                    "patch": [1, 1],
                    "hyperpatch": list(self.hyperpatch),
                    "dtype": self.dtype,
                    "file": _compnn._layer_file_name(name),
                }
            )
        if self.global_layer not in maps:
            raise ValueError(
                f"global_layer {self.global_layer!r} is not among the maps ({', '.join(maps)})"
            )
        plan = {
            "format": "compnn-store-1",
            "model": self.model,
            "dataset": self.dataset,
            "input_size": list(self.input_size),
            "images": [],
            "layers": layers,
            "global": {"layer": self.global_layer, "file": "global.npy"},
        }
        if self.pixels:
            plan["pixels"] = [
                {"name": p, "labels": p in self.labels, "file": p + ".npy"} for p in self.pixels
            ]
        if self.palette is not None:
            plan["palette"] = self.palette
        return json.dumps(plan)

    def append(self, name, maps, inputs=None, targets=None, channels_first=False,
               predictions=None):
        """Appends one image.

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
            self._writer = _compnn._StoreWriter(self.path, self._plan(arrays), self.overwrite)
        elif list(arrays) != self._layer_order:
            raise ValueError(
                f"image {name}: maps of layers {list(arrays)}, but the first image had "
                f"{self._layer_order}"
            )
        pixels = {}
        for key, value in (("inputs", inputs), ("targets", targets), ("predictions", predictions)):
            if key in self.pixels:
                if value is None:
                    raise ValueError(f"image {name}: the writer keeps {key}, but none were given")
                pixels[key] = as_array(value, f"{key} of image {name}")
        self._writer.append(name, arrays, arrays[self.global_layer].reshape(-1), pixels)
        self._names.add(name)

    def __len__(self):
        return len(self._names)

    def commit(self):
        """Writes the checksums and manifest, and renames the folder into place."""
        if self._writer is None:
            raise ValueError(f"{self.path}: no images were appended")
        self._writer.commit()

    def abort(self):
        """Removes the partial folder this writer made: the store is not written."""
        if self._writer is not None:
            self._writer = None
            shutil.rmtree(self.path + ".partial", ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False
