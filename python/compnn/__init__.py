"""compnn: explain what a pixel-level CNN has learned by compositional nearest neighbours.

Every patch of a query is matched, in the network's own activation space, to the most similar
patch of a training image; pasting the matches rebuilds the network's input and output.

The package runs on compnn's C++ engine (the ``_compnn`` extension):

- :func:`match` searches activation maps held in numpy arrays or CPU tensors (a
  :class:`MatchResult`);
- :class:`FeatureStore` opens a feature store (``compnn index``'s output), memory-mapped, and
  searches it (a :class:`SearchResult`);
- :class:`StoreWriter` writes one image by image;
- :class:`Dataset` reads a compnn dataset folder as model-ready arrays;
- :func:`write_explorer` writes the interactive explorer page of :class:`Explanation` objects,
  :class:`Explorer` shows it inline in a notebook (an Explanation displays as one by itself);
- :mod:`compnn.torch` indexes, explains, evaluates (the paper's tables, an :class:`EvalTable`;
  credibility and the sanity check), sweeps layers and controls properties (a
  :class:`FigureRun`) for a plain ``torch.nn.Module``, with forward hooks (imported on first use,
  so ``import compnn`` does not load PyTorch).

Data arguments are positional, every option is keyword-only, and the defaults are the command
line's (``compnn match``, ``compnn explain``, ``compnn index``, ``compnn cell-index``). Results
are named tuples (:class:`MatchResult`, :class:`SearchResult`, :class:`LayerInfo`,
:class:`CellIndexInfo`, :class:`ImagePair`, :class:`Source`), so that unpacking them works.
"""

from __future__ import annotations

import importlib

from .credibility import credibility_map
from .dataset import Dataset, ImagePair
from .evaluation import CredibilityTable, EvalTable, SanityTable
from .figure_run import FigureRun
from .explanation import Explanation, Explorer, Source, explorer_html, write_explorer
from .match import MatchResult, match
from .store import CellIndexInfo, FeatureStore, LayerInfo, SearchResult, StoreWriter

__all__ = [
    "CellIndexInfo",
    "CredibilityTable",
    "Dataset",
    "EvalTable",
    "Explanation",
    "Explorer",
    "FeatureStore",
    "FigureRun",
    "ImagePair",
    "LayerInfo",
    "MatchResult",
    "SanityTable",
    "SearchResult",
    "Source",
    "StoreWriter",
    "credibility_map",
    "explorer_html",
    "match",
    "torch",
    "write_explorer",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    # compnn.torch loads PyTorch, so it is imported only when first used.
    if name == "torch":
        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'compnn' has no attribute '{name}'")
