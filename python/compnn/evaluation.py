"""compnn.EvalTable and compnn.CredibilityTable: what ``compnn eval`` writes (table.json and
table.md; credibility.json, credibility.md and risk-coverage.png), returned by
:func:`compnn.torch.evaluate` and :func:`compnn.torch.evaluate_credibility`, displayed as tables
in a notebook."""

from __future__ import annotations

import base64
import html
import json
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _compnn
from ._arrays import StrPath

#: A row's fields in :meth:`EvalTable.rows`, in the order a DataFrame shows them.
ROW_FIELDS = (
    "reconstruction", "layer", "approach", "topk", "k", "mean_pixel_accuracy", "mean_iou",
    "pixel_accuracy", "agreement_with_network", "l1_to_network", "psnr_to_network",
    "l1_to_truth", "psnr_to_truth", "top5_source_share", "mean_region_cells",
    "seconds_per_query",
)
_ROW_KINDS = (("output_reconstructions", "output"), ("prediction_reconstructions", "prediction"),
              ("input_reconstructions", "input"))


class EvalTable:
    """An evaluation's results: ``record`` is table.json's content, ``markdown`` table.md's.

    In a notebook it displays as its tables; :meth:`rows` lists every row flat, and
    :meth:`to_dataframe` makes them a ``pandas.DataFrame`` (Debian's ``python3-pandas``).
    """

    def __init__(self, record: dict[str, Any], markdown: str, text: str | None = None) -> None:
        self.record = record
        self.markdown = markdown
        self._text = text  # table.json as compnn eval writes it

    def __repr__(self) -> str:
        layers = ", ".join(layer["layer"] for layer in self.record.get("layers", []))
        return (f"EvalTable({self.record.get('queries')} queries of "
                f"{self.record.get('split')!r}, layers {layers}, {len(self.rows())} rows)")

    def rows(self) -> list[dict[str, Any]]:
        """Every row (the baselines, then each layer's output, prediction and input
        reconstructions) as a dict of :data:`ROW_FIELDS`, absolute values (not differences);
        fields a row lacks are None."""
        flat = []

        def add(kind: str, layer: str | None, row: dict[str, Any]) -> None:
            entry = {field: row.get(field) for field in ROW_FIELDS}
            entry["reconstruction"], entry["layer"] = kind, layer
            flat.append(entry)

        for row in self.record.get("baselines", []):
            add("baseline", None, row)
        for layer in self.record.get("layers", []):
            for key, kind in _ROW_KINDS:
                for row in layer.get(key, []):
                    add(kind, layer["layer"], row)
        return flat

    def to_dataframe(self):
        """:meth:`rows` as a ``pandas.DataFrame``, one column per field. Raises ImportError
        when pandas is not installed (Debian: ``python3-pandas``)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError(
                "EvalTable.to_dataframe needs pandas (Debian: apt install python3-pandas)"
            ) from error
        return pandas.DataFrame(self.rows(), columns=list(ROW_FIELDS))

    def save(self, dir: StrPath) -> None:
        """Writes ``dir/table.json`` and ``dir/table.md``, as ``compnn eval --out dir`` does."""
        dir = os.fspath(dir)
        os.makedirs(dir, exist_ok=True)
        _compnn._write_text_atomically(os.path.join(dir, "table.json"),
                                       self._text or json.dumps(self.record, indent=2) + "\n")
        _compnn._write_text_atomically(os.path.join(dir, "table.md"), self.markdown)

    def _repr_html_(self) -> str:
        return _markdown_html(self.markdown)


def _markdown_html(text: str) -> str:
    """Tables in Markdown as HTML (Debian's python3-markdown), or as text without it."""
    try:
        import markdown
    except ImportError:
        return f"<pre>{html.escape(text)}</pre>"
    # Class and layer names in the tables are the user's: HTML is escaped, and brackets too, so
    # that no name becomes a link or an image once the Markdown is rendered.
    safe = html.escape(text, quote=False).replace("[", "\\[").replace("]", "\\]")
    return markdown.markdown(safe, extensions=["tables"])


class CredibilityTable:
    """A credibility evaluation: ``record`` is credibility.json's content, ``markdown``
    credibility.md's, ``risk_coverage`` the plot (H, W, 3) uint8 RGB. A notebook shows the table
    and the plot."""

    def __init__(self, record: dict[str, Any], markdown: str, risk_coverage: NDArray[np.uint8],
                 text: str | None = None) -> None:
        self.record = record
        self.markdown = markdown
        self.risk_coverage = risk_coverage
        self._text = text  # credibility.json as compnn eval writes it

    def __repr__(self) -> str:
        evaluated = self.record.get("evaluated", {}).get("images")
        return (f"CredibilityTable({evaluated} images evaluated, "
                f"layers {', '.join(self.record.get('layers', []))})")

    def save(self, dir: StrPath) -> None:
        """Writes credibility.json, credibility.md and risk-coverage.png to ``dir``, as
        ``compnn eval --credibility --out dir`` does."""
        dir = os.fspath(dir)
        os.makedirs(dir, exist_ok=True)
        _compnn._write_text_atomically(os.path.join(dir, "credibility.json"),
                                       self._text or json.dumps(self.record, indent=2) + "\n")
        _compnn._write_text_atomically(os.path.join(dir, "credibility.md"), self.markdown)
        _compnn._write_png(os.path.join(dir, "risk-coverage.png"), self.risk_coverage)

    def _repr_html_(self) -> str:
        png = base64.b64encode(_compnn._encode_png(self.risk_coverage)).decode("ascii")
        return (_markdown_html(self.markdown) +
                f'<img src="data:image/png;base64,{png}" alt="risk against coverage">')
