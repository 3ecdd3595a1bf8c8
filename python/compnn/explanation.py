"""The result of compnn.torch.explain: the correspondence field, both reconstructions and the
training images they came from, with the files of ``compnn explain``, an HTML view for notebooks
and the explorer page."""

from __future__ import annotations

import base64
import html
import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compnn
from ._arrays import StrPath, as_array

if TYPE_CHECKING:
    import torch

    from .store import FeatureStore, SearchResult

OutputKind = Literal["image", "logits"]


class Source(NamedTuple):
    """A training image a reconstruction pasted from (:attr:`Explanation.sources`):
    ``name, share = source`` unpacks it.

    Attributes:
        name: the training image's name in the store.
        share: the share of the reconstruction's pixels pasted from it (its cells' best matches).
    """

    name: str
    share: float


class Explanation:
    """One query explained at one layer (:func:`compnn.torch.explain`'s result).

    Attributes:
        name: the query's name.
        layer, stride: the layer explained at, and its input pixels per cell.
        nnf: int32 (H, W, 3): each cell's match (store image index, y, x).
        similarity: float32 (H, W): each match's cosine similarity.
        nnf, similarity with k > 1 matches per cell: (H, W, K, 3) and (H, W, K), best first.
        input_reconstruction, output_reconstruction: (H', W', 3) uint8 RGB, the training inputs
            and targets pasted by the matches (each match a vote weighted by its similarity).
        prediction_reconstruction: the network's own outputs on the training images pasted the
            same way, when the store keeps them; else None.
        sources: [:class:`Source` (training image name, share of the reconstruction's pixels)],
            largest first.
        candidates: the store images searched (after the global prefilter).
        query_pixels, network_output: (H', W', 3) uint8 RGB images of the query and the network's
            prediction; truth: the ground truth, or None.
        method: the search asked for; overlapping_blocks, vote_power: how matches were pasted.
        forward_seconds: the time of the network's forward pass.
        agreement_with_network: for label targets, how the output (and prediction)
            reconstructions follow the network's classes, overall and per class, as
            summary.json records it; else None.
    """

    name: str
    layer: str
    stride: int
    hyperpatch: tuple[int, int]
    nnf: NDArray[np.int32]
    similarity: NDArray[np.float32]
    candidates: list[int]
    input_reconstruction: NDArray[np.uint8]
    output_reconstruction: NDArray[np.uint8]
    prediction_reconstruction: NDArray[np.uint8] | None
    sources: list[Source]
    query_pixels: NDArray[np.uint8]
    network_output: NDArray[np.uint8]
    truth: NDArray[np.uint8] | None
    method: str
    overlapping_blocks: bool
    vote_power: float
    forward_seconds: float
    agreement_with_network: dict[str, Any] | None
    _names: list[str]
    _store_path: str
    _sources_used: tuple[list[int], NDArray[np.uint8], NDArray[np.uint8]]
    _search_summary: dict[str, Any]
    _palette_text: str

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    @property
    def best_nnf(self) -> NDArray[np.int32]:
        """Each cell's best match, (H, W, 3), whatever the matches per cell."""
        return self.nnf[:, :, 0] if self.nnf.ndim == 4 else self.nnf

    @property
    def mean_similarity(self) -> float:
        """The mean similarity of the best matches."""
        best = self.similarity[:, :, 0] if self.similarity.ndim == 3 else self.similarity
        return float(best.mean())

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {s:.0%}" for n, s in self.sources[:3])
        return (
            f"<Explanation of {self.name} at {self.layer}: mean similarity "
            f"{self.mean_similarity:.3f}, {len(self.sources)} source images ({top}...)>"
        )

    def save(self, dir: StrPath, *, html: bool = False) -> dict[str, Any]:
        """Writes the files of ``compnn explain`` into ``dir``: correspondence-map.png,
        input-reconstruction.png, output-reconstruction.png, network-output.png, nnf.npy,
        similarity.npy and summary.json (each atomically), and with ``html=True`` the explorer
        page explorer.html (see :func:`write_explorer`). Returns the summary (summary.json's
        contents) as a dict."""
        # The search's record is the engine's (as compnn explain writes it); the rest is this
        # explanation's own.
        summary = {
            "method": self.method,
            "candidates": [self._names[i] for i in self.candidates],
            "k": 1 if self.nnf.ndim == 3 else int(self.nnf.shape[2]),
            **self._search_summary,
            "query": self.name,
            "overlapping_blocks": self.overlapping_blocks,
            "vote_power": self.vote_power,
            "store": os.path.abspath(self._store_path),
        }
        summary["seconds"] = {**summary.get("seconds", {}), "forward": self.forward_seconds}
        if self.agreement_with_network:
            summary["agreement_with_network"] = self.agreement_with_network
        text = _compnn._write_explanation(
            os.fspath(dir),
            {
                "query": self.name,
                "layer": self.layer,
                "stride": self.stride,
                "hyperpatch": self.hyperpatch,
                "method": self.method,
                "candidates": len(self.candidates),
                "k": summary["k"],
                "query_input": self.query_pixels,
                "ground_truth": self.truth,
                "network_output": self.network_output,
                "input_reconstruction": self.input_reconstruction,
                "output_reconstruction": self.output_reconstruction,
                "prediction_reconstruction": self.prediction_reconstruction,
                "nnf": self.nnf,
                "similarity": self.similarity,
                "sources": self._sources_used[2],
                "source_indices": self._sources_used[0],
                "names": self._names,
                "highlighted": 5,
                "summary": json.dumps(summary),
            },
        )
        if html:
            write_explorer(os.path.join(dir, "explorer.html"), [self])
        return json.loads(text)

    def _repr_html_(self) -> str:
        # In a notebook: the explorer itself (as compnn explain --html writes it), inline.
        return Explorer(self)._repr_html_()


def explorer_html(
    explanations: Explanation | Iterable[Explanation],
    *,
    title: str | None = None,
    first_layer: str | None = None,
) -> str:
    """The explorer page of ``compnn explain --html`` as one self-contained HTML string (see
    :func:`write_explorer` for the arguments)."""
    return _compnn._explorer_html(_explorer_page(explanations, title, first_layer))


def write_explorer(
    path: StrPath,
    explanations: Explanation | Iterable[Explanation],
    *,
    title: str | None = None,
    first_layer: str | None = None,
) -> None:
    """Writes the explorer page of ``compnn explain --html`` to ``path`` (atomically): one
    self-contained HTML file, opened offline, in which hovering any cell of a query shows the
    training patch it was pasted from, the similarity and the source's share.

    ``explanations`` (one Explanation or several, of one store) may hold several queries, told
    apart by name, and several layers of a query (a layer switcher appears). ``title`` heads the
    page; ``first_layer`` is the layer shown first (default: the first explanation's); both are
    keyword-only."""
    _compnn._write_explorer(os.fspath(path), _explorer_page(explanations, title, first_layer))


class Explorer:
    """The explorer of one or several explanations, displayed inline in a notebook (Jupyter,
    VS Code): the page ``write_explorer`` writes, in a frame of the output cell, offline, with
    hovering and pinning as in the file. ``height`` is the frame's in pixels."""

    def __init__(
        self,
        explanations: Explanation | Iterable[Explanation],
        *,
        title: str | None = None,
        first_layer: str | None = None,
        height: int = 1000,
    ) -> None:
        self.html = explorer_html(explanations, title=title, first_layer=first_layer)
        self.height = int(height)

    @classmethod
    def from_file(cls, path: StrPath, *, height: int = 1000) -> "Explorer":
        """The explorer page a run wrote (``compnn explain --html``, :func:`compnn.torch.sweep`,
        ...), to display inline."""
        explorer = cls.__new__(cls)
        with open(os.fspath(path), encoding="utf-8") as file:
            explorer.html = file.read()
        explorer.height = int(height)
        return explorer

    def __repr__(self) -> str:
        return f"<compnn Explorer page of {len(self.html) / 1e6:.1f} MB: display it in a notebook>"

    def save(self, path: StrPath) -> None:
        """Writes the page to ``path`` (atomically)."""
        _compnn._write_text_atomically(os.fspath(path), self.html)

    def _repr_html_(self) -> str:
        # srcdoc keeps the page whole: its own escaping of user text is untouched, and the
        # attribute escaping below is undone by the browser before the page is parsed.
        return (
            f'<iframe class="compnn-explorer" srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ccc" '
            'sandbox="allow-scripts"></iframe>'
        )


def _explorer_page(
    explanations: Explanation | Iterable[Explanation],
    title: str | None,
    first_layer: str | None,
) -> dict[str, Any]:
    if isinstance(explanations, Explanation):
        explanations = [explanations]
    explanations = list(explanations)
    if not explanations:
        raise ValueError("explorer: no explanations")
    store = explanations[0]._store_path
    queries: dict[str, dict[str, Any]] = {}
    pixels: dict[int, tuple[NDArray[np.uint8], NDArray[np.uint8]]] = {}
    for e in explanations:
        if e._store_path != store:
            raise ValueError(
                f"explorer: explanations of two stores ({store} and {e._store_path})"
            )
        query = queries.setdefault(e.name, {"name": e.name, "input": e.query_pixels,
                                            "truth": e.truth, "output": e.network_output,
                                            "fields": []})
        if any(f["layer"] == e.layer for f in query["fields"]):
            raise ValueError(f"explorer: two explanations of {e.name} at {e.layer}")
        query["fields"].append({
            "layer": e.layer, "stride": e.stride, "hyperpatch": e.hyperpatch, "nnf": e.nnf,
            "similarity": e.similarity, "input_reconstruction": e.input_reconstruction,
            "output_reconstruction": e.output_reconstruction,
            "agreement": e.agreement_with_network is not None,
        })
        used, inputs, targets = e._sources_used
        for k, i in enumerate(used):
            pixels.setdefault(i, (inputs[k], targets[k]))
    indices = sorted(pixels)
    layers = {e.layer for e in explanations}
    return {
        "title": title or "compnn explorer: " + ", ".join(sorted(layers)),
        "first_layer": first_layer or explanations[0].layer,
        "names": list(explanations[0]._names),
        "palette": explanations[0]._palette_text,
        "queries": list(queries.values()),
        "source_indices": indices,
        "source_inputs": np.stack([pixels[i][0] for i in indices]),
        "source_targets": np.stack([pixels[i][1] for i in indices]),
    }


def _rgb(value: ArrayLike, what: str) -> NDArray[np.uint8]:
    """An (H, W, 3) uint8 RGB image argument, refused (not cast) in any other dtype or shape."""
    array = as_array(value, what)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(
            f"{what}: a {array.dtype} array of shape {array.shape}, "
            "not an (H, W, 3) uint8 RGB image"
        )
    return np.ascontiguousarray(array)


def _png_base64(rgb: ArrayLike) -> str:
    return base64.b64encode(_compnn._encode_png(np.ascontiguousarray(rgb))).decode("ascii")


def _record_text(model_record: Mapping[str, Any]) -> str:
    return json.dumps(dict(model_record))


def _palette_text(palette: Mapping[str, Any] | None) -> str:
    return "" if palette is None else json.dumps(dict(palette))


def _planes(tensor: torch.Tensor) -> NDArray[np.float32]:
    return np.ascontiguousarray(tensor.detach().float().cpu().numpy())


def output_pixels(
    output: torch.Tensor,
    model_record: Mapping[str, Any],
    palette: Mapping[str, Any] | None,
    *,
    output_kind: OutputKind | None = None,
) -> NDArray[np.uint8]:
    """The network's (C, H, W) output for one image as (H, W, 3) uint8 RGB, as ``compnn explain``
    draws it: an image in the model's input range (a normalised model's in 0..1), or class scores
    drawn as the arg-max class in the palette's colours (a palette is needed). ``output_kind``
    ("image" or "logits") defaults to the model record's, else "image" for 3 channels and
    "logits" for any other count."""
    return _compnn._output_pixels(_planes(output), _record_text(model_record),
                                  _palette_text(palette), output_kind or "")


def prediction_pixels(
    output: torch.Tensor,
    model_record: Mapping[str, Any],
    palette: Mapping[str, Any] | None,
    labels: bool,
    *,
    size: tuple[int, int] | None = None,
    output_kind: OutputKind | None = None,
) -> NDArray[np.uint8]:
    """The network's output on a training image as a store keeps it (predictions), as ``compnn
    index`` keeps it: at ``size`` (height, width; default the output's), and for label targets
    each pixel in the palette colour of the nearest class."""
    planes = _planes(output)
    size = tuple(planes.shape[1:]) if size is None else size
    return _compnn._prediction_pixels(planes, _record_text(model_record), _palette_text(palette),
                                      output_kind or "", bool(labels), tuple(size))


def _input_pixels(query: torch.Tensor, model_record: Mapping[str, Any]) -> NDArray[np.uint8]:
    """The network's (3, H, W) input as (H, W, 3) uint8 RGB, its range or normalisation undone."""
    return _compnn._input_pixels(_planes(query), _record_text(model_record))


def from_search(
    store: FeatureStore,
    layer: str,
    result: SearchResult,
    *,
    query: torch.Tensor,
    output: torch.Tensor,
    pixels: ArrayLike | None,
    truth: ArrayLike | None,
    name: str,
    overlapping_blocks: bool,
    method: str,
    forward_seconds: float,
    output_kind: OutputKind | None = None,
    vote_power: float = 1.0,
) -> Explanation:
    """The Explanation of a search's result: the reconstructions pasted from the store's kept
    pixels (or its dataset's), the query and the network's output as images, and the shares of
    the source images. ``query`` and ``output`` are the network's (C, H, W) input and output."""
    info = store.layer_info(layer)
    stride = info.stride
    block = info.hyperpatch if overlapping_blocks else (1, 1)
    training = store._training_pixels()
    palette = None if training.palette is None else json.loads(training.palette)
    nnf = result.nnf
    used = np.unique(nnf[..., 0]).tolist()

    def reconstruct(source):
        return training.reconstruct(nnf, result.similarity, stride, tuple(block), source,
                                    float(vote_power))

    input_reconstruction = reconstruct("inputs")
    output_reconstruction = reconstruct("targets")
    prediction_reconstruction = (
        reconstruct("predictions") if training.has("predictions") else None)

    record = store.manifest.get("model", {})
    query_pixels = _input_pixels(query, record) if pixels is None else _rgb(pixels, "pixels")
    network_output = output_pixels(output, record, palette, output_kind=output_kind)
    # How the reconstructions follow the network's classes (label targets), as compnn explain
    # measures it.
    agreement = {}
    for key, pasted in (("output_reconstruction", output_reconstruction),
                        ("prediction_reconstruction", prediction_reconstruction)):
        text = "" if pasted is None else training.agreement(pasted, network_output)
        if text:
            agreement[key] = json.loads(text)

    # Sources: share of the reconstruction's pixels, as compnn explain counts them.
    sources = [Source(store.images[image], share)
               for image, share in _compnn._source_shares(nnf, stride)]

    return Explanation(
        name=name,
        layer=layer,
        stride=stride,
        hyperpatch=info.hyperpatch,
        nnf=nnf,
        similarity=result.similarity,
        candidates=list(result.candidates),
        input_reconstruction=input_reconstruction,
        output_reconstruction=output_reconstruction,
        prediction_reconstruction=prediction_reconstruction,
        vote_power=float(vote_power),
        sources=sources,
        query_pixels=query_pixels,
        network_output=network_output,
        truth=None if truth is None else _rgb(truth, "truth"),
        method=method,
        overlapping_blocks=overlapping_blocks,
        forward_seconds=forward_seconds,
        _names=store.images,
        _store_path=store.path,
        _search_summary=getattr(result, "summary", {}),
        agreement_with_network=agreement or None,
        _palette_text=training.palette or "",
        _sources_used=(used, training.gather(used, "inputs"), training.gather(used, "targets")),
    )
