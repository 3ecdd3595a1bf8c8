"""compnn.torch: index and explain a plain ``torch.nn.Module`` (no TorchScript export), with
forward hooks. Layer names are those of ``model.named_modules()``: NAME is a submodule's output,
NAME:input the tensor entering it.

    import compnn, compnn.torch
    data = compnn.Dataset("data/facades", "train")
    compnn.torch.index(net, data, ["decoder2"], "stores/net")
    e = compnn.torch.explain(net, "stores/net", compnn.Dataset("data/facades", "val")[0],
                             method="hpm", topk_images=16)
    e.save("out/query", html=True)

Data arguments are positional; every option is keyword-only, with the command line's defaults.
"""

from __future__ import annotations

import collections
import collections.abc
import concurrent.futures
import json
from copy import deepcopy as copy_module
import os
import threading
import time
import weakref
from typing import Any, Iterable, Literal, NamedTuple, Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike

from . import _compnn
from ._arrays import Pair, StrPath, as_array, field_or_item
from ._hooks import Capture, layer_shapes, split_name
from ._progress import progress_bar, run_with_progress
from .dataset import Dataset, ImagePair, model_record
from .evaluation import CredibilityTable, EvalTable, SanityTable
from .figure_run import FigureRun
from .explanation import Explanation, OutputKind, from_search, output_pixels, prediction_pixels
from .store import FeatureStore, Method, StoreWriter

__all__ = ["ModuleLayer", "control", "evaluate", "evaluate_credibility", "explain", "index",
           "layers", "sanity_check", "sweep"]

#: The key (a dict's) or index (a tuple's) of the network's output tensor.
OutputKey = str | int


class ModuleLayer(NamedTuple):
    """A layer compnn can capture, as :func:`layers` lists it (and ``compnn layers``); fields are
    also read by name, ``layer["stride"]``, as from the dict it replaces.

    Attributes:
        name: the submodule's name in ``model.named_modules()`` (NAME:input: the tensor entering
            it).
        channels, height, width: the activation's shape for the example given.
        stride: input pixels per cell.
    """

    name: str
    channels: int
    height: int
    width: int
    stride: int

    def __getitem__(self, key: Any) -> Any:
        return field_or_item(self, key)


def _as_tensor(value: ArrayLike | torch.Tensor, what: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        tensor = torch.from_numpy(np.ascontiguousarray(as_array(value, what)))
    if not tensor.is_floating_point():
        raise ValueError(f"{what}: dtype {tensor.dtype} is not a float type (model-ready inputs)")
    return tensor


def _device(model: torch.nn.Module) -> torch.device:
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")


def layers(model: torch.nn.Module, example: ArrayLike | torch.Tensor) -> list[ModuleLayer]:
    """The layers compnn can capture, as ``compnn layers`` lists them: a list of
    :class:`ModuleLayer` (name, channels, height, width, stride), in forward order, for one pass
    over ``example`` ((C, H, W) or (1, C, H, W))."""
    x = _as_tensor(example, "example")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    model.eval()
    shapes = layer_shapes(model, x.to(_device(model)))
    height = x.shape[2]
    return [ModuleLayer(n, c, h, w, max(1, height // h)) for n, c, h, w in shapes]


def _batches(images, batch_size, what):
    """(N, C, H, W) float tensors of at most ``batch_size`` images from an iterable of (C, H, W)
    items or (N, C, H, W) batches."""
    pending = []
    count = 0
    for item in images:
        x = _as_tensor(item, f"{what}[{count}]")
        if x.dim() == 3:
            x = x.unsqueeze(0)
        if x.dim() != 4:
            raise ValueError(
                f"{what}[{count}]: shape {tuple(x.shape)} is not an image (C, H, W) or a batch "
                "(N, C, H, W)"
            )
        for single in x:
            pending.append(single)
            count += 1
            if len(pending) == batch_size:
                yield torch.stack(pending)
                pending = []
    if pending:
        yield torch.stack(pending)


def _dataset_images(dataset, pixels):
    """The dataset's model-ready images, each pair read once (its pixels left in ``pixels`` by
    index for the store) and read ahead on a thread while the model runs (the reading releases
    the GIL)."""
    ahead = 16
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = range(min(ahead, len(dataset)))
        pending = collections.deque(pool.submit(dataset.pixels, i) for i in first)
        for i in range(len(dataset)):
            pair = pending.popleft().result()
            if i + ahead < len(dataset):
                pending.append(pool.submit(dataset.pixels, i + ahead))
            pixels[i] = pair
            yield dataset.prepare(pair[0])


def _pixel_source(value, what):
    """An indexable source of (H, W, 3) uint8 pixels: an (N, H, W, 3) array/tensor, or a list."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [as_array(v, f"{what}[{i}]") for i, v in enumerate(value)]
    array = as_array(value, what)
    if array.ndim != 4 or array.shape[3] != 3:
        raise ValueError(f"{what}: shape {array.shape} is not (N, H, W, 3) RGB pixels")
    return array


def index(
    model: torch.nn.Module,
    images: Dataset | Iterable[ArrayLike | torch.Tensor],
    layers: str | Sequence[str],
    out: StrPath,
    *,
    names: Sequence[str] | None = None,
    batch_size: int = 8,
    dtype: Literal["f16", "f32"] = "f16",
    global_layer: str | None = None,
    hyperpatch: Pair = (2, 2),
    inputs: ArrayLike | Sequence[ArrayLike] | None = None,
    targets: ArrayLike | Sequence[ArrayLike] | None = None,
    predictions: bool = True,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> FeatureStore:
    """Captures ``layers`` of ``model`` over ``images`` with forward hooks and writes a feature
    store to ``out``, atomically (``out.partial`` is renamed when complete). The store opens in
    ``compnn verify``, ``compnn explain --store`` and :class:`compnn.FeatureStore`.

    The options are keyword-only, with ``compnn index``'s defaults (``--batch 8 --dtype f16``,
    the bottleneck as the global layer, the network's outputs kept).

    Args:
        model: a ``torch.nn.Module`` (not TorchScript); it is put in eval mode and run without
            gradients on the device of its parameters.
        images: an iterable of model-ready float tensors or arrays, each (C, H, W) or a batch
            (N, C, H, W), already normalised as the model expects; or a :class:`compnn.Dataset`,
            which supplies the images, their names and their pixels.
        layers: layer names (a string or a list): NAME is a submodule's output, NAME:input the
            tensor entering it; names come from ``model.named_modules()``.
        out: the store folder.
        names: the images' names (default ``image_00000``, ...; a Dataset's own names).
        batch_size: images per forward pass (``--batch``).
        dtype: "f16" (the default: half the disk) or "f32".
        global_layer: the layer whose map is each image's global descriptor (the prefilter's);
            default: the network's bottleneck, as ``compnn index`` chooses it.
        hyperpatch: (height, width) in cells searched around each cell.
        inputs, targets: the training images' pixels, (N, H, W, 3) uint8 RGB at the model's input
            size (arrays, tensors or lists), kept in the store so that reconstructions paste them
            without a dataset folder. A Dataset supplies both.
        predictions: keep the network's output on every training image (as ``compnn index``
            does; label outputs in the palette colours of the classes they are read as), so that
            explanations paste a prediction reconstruction too; kept when the store keeps its
            pixels (a Dataset, or inputs and targets).
        output, output_kind: which of the network's outputs, and how to draw it, as
            :func:`explain` takes them.
        overwrite: replace an existing store.
        progress: report progress on stderr.

    Returns:
        The written :class:`compnn.FeatureStore`.

    Raises:
        ValueError for an unknown layer, a bad shape or dtype; FileExistsError when ``out``
        exists and ``overwrite`` is false.
    """
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError("layers: name at least one layer")
    if batch_size < 1:
        raise ValueError(f"batch_size: must be positive, got {batch_size}")
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model: a {type(model).__name__} is not a torch.nn.Module")
    if isinstance(model, torch.jit.ScriptModule):
        raise ValueError("model: a TorchScript module; index it with the compnn command line tool")
    dataset = images if isinstance(images, Dataset) else None
    provenance_model = {
        "arch": "torch.nn.Module",
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "file": "",
    }
    # How the inputs are scaled (known from a Dataset) and the output is read, as compnn index
    # records it for TorchScript, so that the command line reads the store's network alike.
    scaling = {} if dataset is None else {
        "input_range": dataset.input_range, "mean": dataset.mean, "std": dataset.std}
    record = json.loads(model_record(**scaling, output="" if output is None else str(output),
                                     output_kind=output_kind or ""))
    if dataset is None:
        del record["input_range"]  # tensors were given: their scaling is not known
    provenance_model.update(record)
    provenance_data = {}
    palette = None
    if dataset is not None:
        names = dataset.names if names is None else names
        provenance_data = {
            "dir": os.path.abspath(dataset.path),
            "split": dataset.split,
            "direction": dataset.direction,
        }
        palette = dataset.palette
    input_pixels = _pixel_source(inputs, "inputs")
    target_pixels = _pixel_source(targets, "targets")
    if (input_pixels is None) != (target_pixels is None):
        raise ValueError(
            "inputs and targets go together: a store keeps both sides of its training pairs, "
            "or neither"
        )
    kept, labels = _compnn._kept_pixels(
        dataset is not None or input_pixels is not None, bool(predictions), dataset is not None,
        dataset is not None and dataset.input_is_labels,
        dataset is not None and dataset.target_is_labels)
    total = len(names) if names is not None else None
    if total is None and isinstance(images, collections.abc.Sized):
        total = len(images)

    dataset_pixels: dict[int, ImagePair] = {}
    if dataset is not None:
        images = _dataset_images(dataset, dataset_pixels)
    model.eval()
    device = _device(model)
    writer = None
    count = 0
    bar = progress_bar("compnn.torch.index", total, progress)
    try:
        with torch.no_grad():
            for batch in _batches(images, batch_size, "images"):
                if writer is None:
                    shapes = {s[0]: s for s in layer_shapes(model, batch[:1].to(device))}
                    order = list(shapes)
                    size = (batch.shape[2], batch.shape[3])
                    if global_layer is None:
                        global_layer = _compnn._bottleneck(
                            [(n, s[2], s[3], max(1, size[0] // s[2])) for n, s in shapes.items()]
                        )
                    wanted = _forward_order(layers + [global_layer], order, model)
                    writer = StoreWriter(
                        out,
                        size,
                        global_layer,
                        dtype=dtype,
                        hyperpatch=hyperpatch,
                        model=provenance_model,
                        dataset=provenance_data,
                        pixels=kept,
                        labels=labels,
                        palette=palette,
                        overwrite=overwrite,
                    )
                with Capture(model, wanted) as capture:
                    y = _network_output(model(batch.to(device)), output)
                    capture.check_called_once()
                maps = {n: capture.values[n].float().cpu().permute(0, 2, 3, 1) for n in wanted}
                for j in range(batch.shape[0]):
                    if names is not None and count >= len(names):
                        raise ValueError(f"names: {len(names)} names for more images")
                    name = names[count] if names is not None else f"image_{count:05d}"
                    pixels: dict[str, Any] = {}
                    if dataset is not None:
                        pixels["inputs"], pixels["targets"] = dataset_pixels.pop(count)
                    for key, source in (("inputs", input_pixels), ("targets", target_pixels)):
                        if source is not None:
                            if count >= len(source):
                                raise ValueError(
                                    f"{key}: holds {len(source)} images, fewer than given"
                                )
                            pixels[key] = source[count]
                    if "predictions" in kept:
                        pixels["predictions"] = prediction_pixels(
                            y[j], provenance_model, palette, "predictions" in labels,
                            size=size, output_kind=output_kind)
                    writer.append(name, {n: maps[n][j].numpy() for n in wanted}, **pixels)
                    count += 1
                bar.update(count - bar.n)
        if writer is None:
            raise ValueError("images: no images were given")
        if names is not None and count != len(names):
            raise ValueError(f"names: {len(names)} names for {count} images")
        writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        bar.close()
    return FeatureStore(out)


def _forward_order(names: Iterable[str], order: list[str], model: torch.nn.Module) -> list[str]:
    """``names`` without repeats, in the forward pass's order (NAME:input just before NAME)."""
    for name in dict.fromkeys(names):
        path, _ = split_name(name)
        if path not in order:
            modules = dict(model.named_modules())
            if path in modules and path:
                raise ValueError(
                    f"layer {name!r}: the submodule's output is not an (N, C, H, W) tensor, or it "
                    "does not run in the forward pass"
                )
            Capture(model, [name])  # raises naming the submodules there are
    return _compnn._forward_order(list(dict.fromkeys(names)), order)


_model_locks: weakref.WeakKeyDictionary[torch.nn.Module, threading.Lock] = (
    weakref.WeakKeyDictionary())
_model_locks_guard = threading.Lock()


def _model_lock(model: torch.nn.Module) -> threading.Lock:
    with _model_locks_guard:
        return _model_locks.setdefault(model, threading.Lock())


def _network_output(output: Any, key: OutputKey | None) -> torch.Tensor:
    if isinstance(output, dict):
        if key is None:
            key = "out" if "out" in output else next(iter(output))
        return output[key]
    if isinstance(output, (tuple, list)):
        if isinstance(key, str) and key.isdigit():  # as a store records a tuple's index
            key = int(key)
        return output[0 if key is None else key]  # type: ignore[index]
    return output


def _forward(model, x, layers, output):
    """One forward pass over the batch of one ``x`` (1, C, H, W): ({layer: (H, W, D) float32},
    the (C, H, W) output on the CPU). Hooks live on the shared module, so passes of one model from
    several threads take turns (the searches still run in parallel)."""
    with _model_lock(model), torch.no_grad(), Capture(model, layers) as capture:
        y = _network_output(model(x.to(_device(model))), output)
        capture.check_called_once()
    maps = {n: capture.values[n][0].float().cpu().permute(1, 2, 0).contiguous().numpy()
            for n in layers}
    return maps, y[0].detach().float().cpu()


def explain(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    query: ArrayLike | torch.Tensor,
    *,
    layer: str | None = None,
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
    vote_power: float = 1.0,
    overlapping_blocks: bool = False,
    pixels: ArrayLike | None = None,
    truth: ArrayLike | None = None,
    name: str = "query",
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
) -> Explanation:
    """Explains ``model``'s prediction for ``query`` from ``store``: every cell of the query's
    activation map at ``layer`` is matched to a training cell, and the matches are pasted into an
    input and an output reconstruction.

    The options are keyword-only, with ``compnn explain``'s defaults (``--method hpm
    --topk-images 16 --iterations 32 --seed 0 --k 1 --vote-power 1``, the cell index used where
    the store has one, one probe, a shortlist of 64, 4 propagation passes).

    Args:
        model: the ``torch.nn.Module`` the store was indexed from.
        store: a :class:`compnn.FeatureStore` or its path.
        query: the model-ready input, (C, H, W) or (1, C, H, W), a tensor or array.
        layer: the stored layer to explain at; default: after the bottleneck, the last of the
            finest stride (as ``compnn explain``).
        method, topk_images, where, images, iterations, seed, search_matches, use_cell_index,
            index_probes, index_shortlist, index_propagation, threads: the search, as
            :meth:`compnn.FeatureStore.search` takes them (``compnn explain``'s ``--method``,
            ..., ``--no-cell-index``, ``--index-probes``, ``--index-shortlist``,
            ``--index-propagation``).
        k: matches per cell; each pastes a vote weighted by its similarity ** ``vote_power``
            (photos: weighted mean, labels: weighted majority), as ``compnn explain --k``.
        overlapping_blocks: paste whole hyperpatches, averaged (or voted for labels), as
            ``compnn explain --overlap``.
        pixels: the query as (H, W, 3) uint8 RGB for the figures; default: ``query`` scaled back
            with the store's input range or mean and std.
        truth: the query's ground truth, (H, W, 3) uint8 RGB, for the figure (optional).
        name: the query's name in summaries and figures.
        output: the key (dict) or index (tuple) of the network's output, when it is not a tensor
            (default: "out" of a dict, as torchvision's segmentation models return it).
        output_kind: "image" (an RGB image in the input's scaling) or "logits" (class scores,
            drawn as the arg-max class in the palette's colours); default: the store's record
            (compnn index records it for TorchScript models), else "image" for 3 channels and
            "logits" for any other count.

    Returns:
        A :class:`compnn.Explanation` with ``nnf``, ``similarity``, ``input_reconstruction``,
        ``output_reconstruction`` and ``sources`` (:class:`compnn.Source` named tuples);
        ``save(dir)`` writes the files of ``compnn explain`` (``html=True``: and its explorer
        page), and :func:`compnn.write_explorer` puts several explanations on one explorer page.
    """
    if not isinstance(store, FeatureStore):
        store = FeatureStore(store)
    layer = store.default_layer() if layer is None else layer
    store.layer_info(layer)  # raises naming the layers there are
    x = _as_tensor(query, "query")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4 or x.shape[0] != 1:
        raise ValueError(
            f"query: shape {tuple(x.shape)} is not one image, (C, H, W) or (1, C, H, W)"
        )
    if tuple(x.shape[2:]) != store.input_size:
        raise ValueError(
            f"query: {x.shape[2]}x{x.shape[3]} (HxW), but {store.path} holds activations of "
            f"{store.input_size[0]}x{store.input_size[1]} inputs"
        )
    model.eval()
    wanted = list(dict.fromkeys([layer, store.global_layer]))
    started = time.monotonic()
    maps, y = _forward(model, x, wanted, output)
    forward = time.monotonic() - started
    result = store.search(
        layer,
        maps[layer],
        maps[store.global_layer].reshape(-1),
        method=method,
        topk_images=topk_images,
        where=where,
        images=images,
        iterations=iterations,
        seed=seed,
        k=k,
        search_matches=search_matches,
        use_cell_index=use_cell_index,
        index_probes=index_probes,
        index_shortlist=index_shortlist,
        index_propagation=index_propagation,
        threads=threads,
    )
    return from_search(
        store,
        layer,
        result,
        query=x[0].cpu(),
        output=y,
        pixels=pixels,
        truth=truth,
        name=name,
        overlapping_blocks=overlapping_blocks,
        method=method,
        forward_seconds=forward,
        output_kind=output_kind,
        vote_power=vote_power,
    )


class _HookedNetwork:
    """A ``torch.nn.Module`` as the C++ pipeline's network (``_compnn._evaluate`` calls ``run``
    once a query): the store's input scaling on the way in, forward hooks for the layers, and
    the output drawn as :func:`compnn.torch.explain` draws it."""

    def __init__(self, model, record, palette, output, output_kind):
        self.model = model
        self.device = _device(model)
        self.record = record  # the store's record of the model: its input scaling, output kind
        self.palette = palette
        self.output = output
        self.output_kind = output_kind
        self.kind = output_kind  # "image" or "logits", known after the first pass

    #: For a network that outputs class scores, the pseudo-layer of its scores, as compnn's own
    #: networks name it (credibility reads the softmax confidence from it).
    SCORES = "output"

    def _captured(self, name):
        path, _ = split_name(name)
        return path != "" and path in dict(self.model.named_modules())

    def has_layer(self, name: str) -> bool:
        return self._captured(name) or (name == self.SCORES and self.kind == "logits")

    def forward(self, rgb, layers):
        record = self.record
        x = torch.from_numpy(_compnn._input_values(rgb, json.dumps(record)))
        scores = self.SCORES in layers and not self._captured(self.SCORES)
        hooked = [n for n in layers if not (scores and n == self.SCORES)]
        maps, y = _forward(self.model, x.unsqueeze(0), hooked, self.output)
        if scores:
            maps[self.SCORES] = y.permute(1, 2, 0).contiguous().numpy()
        return maps, y

    def run(self, rgb, input_is_labels, layers):
        maps, y = self.forward(rgb, layers)
        return maps, output_pixels(y, self.record, self.palette, output_kind=self.output_kind)

    def randomisable_copy(self, seed):
        """A runner over a copy of the module for the sanity check (the user's module is left
        as it is)."""
        copy = _RandomisedNetwork(copy_module(self.model), self.record, self.palette,
                                  self.output, self.output_kind, seed)
        copy.kind = self.kind
        return copy


class _RandomisedNetwork(_HookedNetwork):
    """A copy of a module randomised top-level child by child, from the last registered (the
    output side) to the first, as compnn randomises its own networks: each weight drawn with the
    spread of the trained ones (from a generator seeded once), batch normalisation reset."""

    def __init__(self, model, record, palette, output, output_kind, seed):
        super().__init__(model.eval(), record, palette, output, output_kind)
        self.generator = torch.Generator().manual_seed(int(seed))

    def cascade_order(self):
        return [name for name, _ in reversed(list(self.model.named_children()))]

    def randomise(self, module):
        with torch.no_grad():
            for m in dict(self.model.named_children())[module].modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.reset_parameters()
                    m.reset_running_stats()
                    continue
                for p in m.parameters(recurse=False):
                    spread = float(p.std()) if p.numel() > 1 else 0.01
                    noise = torch.randn(p.shape, generator=self.generator) * (spread or 0.01)
                    p.copy_(noise.to(p.device, p.dtype))


def _pipeline_network(model, store, data, split, output, output_kind):
    """(the C++ pipeline's network over ``model``'s hooks, the dataset folder or "") for
    evaluate, sweep and control."""
    if not isinstance(model, torch.nn.Module) or isinstance(model, torch.jit.ScriptModule):
        raise ValueError("model: a plain torch.nn.Module (TorchScript: use the compnn tool)")
    record = store.manifest.get("model", {})
    if "input_range" not in record and "mean" not in record:
        raise ValueError(
            f"{store.path} does not record how the network's inputs are scaled (it was indexed "
            "from tensors): index it from a compnn.Dataset, whose queries the pipeline reads")
    if data is not None:
        folder = os.fspath(data)
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"data: {folder} is not a dataset folder")
    else:
        folder = store.manifest.get("dataset", {}).get("dir") or ""
    palette = store.palette
    if palette is None and folder and split is not None:
        palette = Dataset(folder, split).palette
    model.eval()
    if output is None:
        output = record.get("output")
    runner = _HookedNetwork(model, record, palette, output, output_kind)
    # One pass tells an image output from class scores (the pipeline asks before any query).
    height, width = store.input_size
    _, y = runner.forward(np.zeros((height, width, 3), np.uint8), [])
    kind = output_kind or record.get("output_kind") or (
        "image" if y.shape[0] == 3 else "logits")
    runner.kind = kind
    cls = type(model)
    name = cls.__qualname__
    if cls.__module__ != "__main__":
        name = f"{cls.__module__}.{name}"
    return _compnn._PythonNetwork(runner, name, kind == "logits"), folder


def _as_list(value):
    return [value] if isinstance(value, (int, str)) else list(value)


def _search_options(method, topk_images, k, iterations, seed, search_matches, use_cell_index,
                    index_probes, index_shortlist, index_propagation, vote_power,
                    overlapping_blocks, threads):
    """The search and paste keywords of sweep and control, as the pipeline reads them."""
    return {
        "method": method, "topk": topk_images, "k_matches": k, "iterations": iterations,
        "seed": seed, "search_matches": search_matches, "use_cell_index": use_cell_index,
        "index_probes": index_probes, "index_shortlist": index_shortlist,
        "index_propagation": index_propagation,
        "vote_power": float(vote_power), "overlapping_blocks": overlapping_blocks,
        "threads": threads,
    }


def _query_arguments(queries, query_split):
    if (queries is None) == (query_split is None):
        raise ValueError("give either queries (dataset image names or PNG files) or query_split")
    if isinstance(queries, (str, os.PathLike)):
        queries = [queries]
    return [os.fspath(q) for q in queries or []], query_split or ""


def _figure_run(kind, run, model, store, out, queries, query_split, count, data, output,
                output_kind, options, progress):
    """A sweep's or a property control's run through the pipeline (``run``: its binding)."""
    if not isinstance(store, FeatureStore):
        store = FeatureStore(store)
    names, split = _query_arguments(queries, query_split)
    network, folder = _pipeline_network(model, store, data, query_split, output, output_kind)
    page, warnings = run_with_progress(
        f"compnn.torch.{kind}", progress,
        lambda advance: run(network, store.path, folder, names, split, count, os.fspath(out),
                            options, advance))
    return FigureRun(kind, out, page, warnings)


def evaluate(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    data: StrPath | None = None,
    *,
    split: str = "test",
    count: int = 0,
    layers: str | Sequence[str] | None = None,
    topk_images: int | Sequence[int] = (1, 16, 32, 64),
    k: int | Sequence[int] = 1,
    method: Method = "hpm",
    iterations: int = 32,
    seed: int = 0,
    search_matches: int = 1,
    use_cell_index: bool = True,
    index_probes: int = 1,
    index_shortlist: int = 64,
    index_propagation: int = 4,
    vote_power: float = 1.0,
    overlapping_blocks: bool = False,
    penultimate: str | None = None,
    quality_queries: int = 8,
    quality_topk: int = 16,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
    progress: bool = True,
) -> EvalTable:
    """The paper's Tables 1 and 2 for ``model`` on a dataset split, as ``compnn eval`` makes
    them (the same C++ pipeline, row for row): the network, the global reconstructions, and the
    output, prediction and input reconstructions at each layer, prefilter and K, with their
    agreement with the network, per class, coherence, and HyperPatch-Match against exact search.

    The options are keyword-only, with ``compnn eval``'s defaults and names (``--split test
    --topk-images 1,16,32,64 --k 1 --method hpm --quality-queries 8``...).

    Args:
        model: the ``torch.nn.Module`` the store was indexed from (:func:`index`).
        store: a :class:`compnn.FeatureStore` or its path.
        data: the dataset folder the queries come from (default: the one the store records).
        split, count: the split's first ``count`` images (0: all) are the queries.
        layers: stored layers to evaluate (default: the store's explanation layer).
        topk_images: a row per prefilter size (0: every training image).
        k: a row per number of matches per cell.
        method, iterations, seed, search_matches, use_cell_index, index_probes,
            index_shortlist, index_propagation, vote_power, overlapping_blocks, penultimate,
            quality_queries, quality_topk, threads: as ``compnn eval``'s options of those names.
        output, output_kind: which of the network's outputs, and how to read it, as
            :func:`explain` takes them.
        progress: a progress bar over the queries.

    Returns:
        An :class:`compnn.EvalTable`: ``record`` (table.json), ``markdown`` (table.md),
        ``rows()``, ``to_dataframe()``, ``save(dir)``; a notebook shows its tables.
    """
    if not isinstance(store, FeatureStore):
        store = FeatureStore(store)
    network, folder = _pipeline_network(model, store, data, split, output, output_kind)
    options = _search_options(method, 16, 1, iterations, seed, search_matches, use_cell_index,
                              index_probes, index_shortlist, index_propagation, vote_power,
                              overlapping_blocks, threads)
    options.update({
        "split": split, "count": count, "topk_images": _as_list(topk_images), "k": _as_list(k),
        "penultimate": penultimate or "", "quality_queries": quality_queries,
        "quality_topk": quality_topk,
    })
    if layers is not None:
        options["layers"] = _as_list(layers)
    text, markdown = run_with_progress(
        "compnn.torch.evaluate", progress,
        lambda advance: _compnn._evaluate(network, store.path, folder, options, advance))
    return EvalTable(json.loads(text), markdown, text)


def evaluate_credibility(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    out: StrPath,
    data: StrPath | None = None,
    *,
    split: str = "val",
    calibration_count: int = 20,
    count: int = 0,
    layers: str | Sequence[str] | None = None,
    k: int = 8,
    topk_images: int = 0,
    method: Method = "hpm",
    iterations: int = 32,
    seed: int = 0,
    use_cell_index: bool = True,
    index_probes: int = 1,
    index_shortlist: int = 64,
    index_propagation: int = 4,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
    progress: bool = True,
) -> CredibilityTable:
    """How well credibility finds a segmentation network's errors, as ``compnn eval
    --credibility`` measures it (the same C++ pipeline): the split's first ``calibration_count``
    images calibrate, the next ``count`` (0: the rest) are scored per pixel against the truth,
    beside the network's own softmax confidence, entropy and the two combined. Writes to ``out``
    what the command writes: ``calibration.json`` (for :func:`compnn.credibility_map` and
    ``compnn explain --credibility``), ``credibility.md``, ``credibility.json`` and
    ``risk-coverage.png``.

    The network must output class scores (``output_kind="logits"``, or any channel count but 3).
    ``layers``, ``k`` (nearest training cells per cell) and the search options are those of
    ``compnn eval --credibility`` (``--layer``, ``--credibility-k``, ``--topk-images``...).

    Returns:
        A :class:`compnn.CredibilityTable`; a notebook shows its table and risk-coverage plot.
    """
    if not isinstance(store, FeatureStore):
        store = FeatureStore(store)
    network, folder = _pipeline_network(model, store, data, split, output, output_kind)
    options = _search_options(method, topk_images, k, iterations, seed, 1, use_cell_index,
                              index_probes, index_shortlist, index_propagation, 1.0, False,
                              threads)
    options.update({"split": split, "calibration_count": calibration_count, "count": count,
                    "k": k})
    if layers is not None:
        options["layers"] = _as_list(layers)
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    text, markdown, plot = run_with_progress(
        "compnn.torch.evaluate_credibility", progress,
        lambda advance: _compnn._evaluate_credibility(
            network, store.path, folder, options, os.path.join(out, "calibration.json"),
            advance))
    table = CredibilityTable(json.loads(text), markdown, plot, text)
    table.save(out)
    return table


def sanity_check(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    out: StrPath | None = None,
    data: StrPath | None = None,
    *,
    layer: str | None = None,
    split: str = "val",
    count: int = 5,
    topk_images: int = 16,
    seed: int = 0,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
    progress: bool = True,
) -> SanityTable:
    """The sanity check of ``compnn eval --sanity`` (the same C++ pipeline): the explanations of
    the split's first ``count`` images by copies of ``model`` whose top-level modules are
    randomised one after another, from the last registered (the output side) to the first, each
    step measured against the trained network's (matches, sources and reconstruction changed,
    agreement with the randomised network). An explanation that does not change when the network
    does would not explain it. ``model`` itself is left as it is. With ``out``, writes
    sanity.json, sanity.md and sanity.png there.

    The network must output class scores. Returns a :class:`compnn.SanityTable`; a notebook
    shows its table and plot.
    """
    if not isinstance(store, FeatureStore):
        store = FeatureStore(store)
    network, folder = _pipeline_network(model, store, data, split, output, output_kind)
    options = {"layer": layer or "", "split": split, "count": count, "topk_images": topk_images,
               "seed": seed, "threads": threads}
    text, markdown, plot = run_with_progress(
        "compnn.torch.sanity_check", progress,
        lambda advance: _compnn._sanity(network, store.path, folder, options, advance),
        unit="step")
    table = SanityTable(json.loads(text), markdown, plot, text)
    if out is not None:
        table.save(out)
    return table


def sweep(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    out: StrPath,
    queries: str | Sequence[str] | None = None,
    *,
    query_split: str | None = None,
    count: int = 0,
    data: StrPath | None = None,
    layers: str | Sequence[str] | None = None,
    method: Method = "hpm",
    topk_images: int = 16,
    k: int = 1,
    iterations: int = 32,
    seed: int = 0,
    search_matches: int = 1,
    use_cell_index: bool = True,
    index_probes: int = 1,
    index_shortlist: int = 64,
    index_propagation: int = 4,
    vote_power: float = 1.0,
    overlapping_blocks: bool = False,
    html: bool = True,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
    progress: bool = True,
) -> FigureRun:
    """The layer sweep of ``compnn sweep`` (paper, Figures 5 and 6): each query's input and
    output reconstructions at every chosen layer, in one grid beside the query, the network's
    output and the ground truth, written to ``out`` as the command writes it.

    Args:
        model, store: as :func:`evaluate` takes them.
        out: the output folder.
        queries: dataset image names or PNG files; or instead ``query_split`` (and ``count``,
            0: all): a split's first images.
        data: the dataset folder (default: the one the store records).
        layers: stored layers (default: all of them).
        method, topk_images, k, iterations, seed, search_matches, use_cell_index,
            index_probes, index_shortlist, index_propagation, vote_power, overlapping_blocks,
            threads: the search and the paste, as ``compnn sweep``'s options of those names.
        html: also write the explorer page (``out/explorer.html``).
        output, output_kind, progress: as :func:`evaluate` takes them.

    Returns:
        A :class:`compnn.FigureRun`: ``figures``, ``summary``, ``explorer()``; a notebook
        shows the figures.
    """
    options = _search_options(method, topk_images, k, iterations, seed, search_matches,
                              use_cell_index, index_probes, index_shortlist, index_propagation,
                              vote_power, overlapping_blocks, threads)
    options["html"] = html
    if layers is not None:
        options["layers"] = _as_list(layers)
    return _figure_run("sweep", _compnn._sweep, model, store, out, queries, query_split, count,
                       data, output, output_kind, options, progress)


def control(
    model: torch.nn.Module,
    store: FeatureStore | StrPath,
    out: StrPath,
    queries: str | Sequence[str] | None = None,
    *,
    where: str | Sequence[str] = (),
    images: Sequence[Sequence[str]] = (),
    query_split: str | None = None,
    count: int = 0,
    data: StrPath | None = None,
    layer: str | None = None,
    method: Method = "hpm",
    topk_images: int = 16,
    k: int = 1,
    iterations: int = 32,
    seed: int = 0,
    search_matches: int = 1,
    use_cell_index: bool = True,
    index_probes: int = 1,
    index_shortlist: int = 64,
    index_propagation: int = 4,
    vote_power: float = 1.0,
    overlapping_blocks: bool = False,
    html: bool = True,
    output: OutputKey | None = None,
    output_kind: OutputKind | None = None,
    threads: int = 0,
    progress: bool = True,
) -> FigureRun:
    """Property control of ``compnn control`` (paper, Figure 8b): each query's output
    reconstruction from databases restricted by dataset attributes (``where``, a condition each,
    e.g. ``"wall_colour=red"``) or image lists (``images``, a list of names each), beside the one
    from every training image, written to ``out`` as the command writes it.

    The other arguments are :func:`sweep`'s; ``layer`` is the one layer searched (default: the
    store's explanation layer).

    Returns:
        A :class:`compnn.FigureRun`; a notebook shows the figures.
    """
    if isinstance(images, str) or any(isinstance(names, str) for names in images):
        raise ValueError("images: a list of databases, each a list of image names "
                         "(images=[['a', 'b']] is one database of two images)")
    options = _search_options(method, topk_images, k, iterations, seed, search_matches,
                              use_cell_index, index_probes, index_shortlist, index_propagation,
                              vote_power, overlapping_blocks, threads)
    options.update({
        "html": html, "layer": layer or "", "where": _as_list(where),
        "images": [list(names) for names in images],
    })
    return _figure_run("control", _compnn._control, model, store, out, queries, query_split,
                       count, data, output, output_kind, options, progress)
