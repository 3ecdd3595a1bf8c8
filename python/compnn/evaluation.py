"""compnn.EvalTable, CredibilityTable and SanityTable: what ``compnn eval`` writes (table.json
and table.md; credibility.json, credibility.md and risk-coverage.png; sanity.json, sanity.md
and sanity.png), returned by :func:`compnn.torch.evaluate`, :func:`evaluate_credibility` and
:func:`sanity_check`, displayed as tables (and plots) in a notebook."""

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


class _Report:
    """A report of ``compnn eval``: a JSON record and its tables in Markdown, saved under the file
    names the command gives them (``_files``), displayed as the tables in a notebook."""

    _files: tuple[str, ...] = ("report.json", "report.md")

    def __init__(self, record: dict[str, Any], markdown: str, text: str | None = None) -> None:
        self.record = record
        self.markdown = markdown
        self._text = text  # the JSON as compnn eval writes it

    def save(self, dir: StrPath) -> None:
        """Writes the record and the tables (and a plot, where there is one) to ``dir``, as
        ``compnn eval --out dir`` does."""
        dir = os.fspath(dir)
        os.makedirs(dir, exist_ok=True)
        record, tables = (os.path.join(dir, name) for name in self._files[:2])
        _compnn._write_text_atomically(record,
                                       self._text or json.dumps(self.record, indent=2) + "\n")
        _compnn._write_text_atomically(tables, self.markdown)

    def _repr_html_(self) -> str:
        return _markdown_html(self.markdown)


class EvalTable(_Report):
    """An evaluation's results: ``record`` is table.json's content, ``markdown`` table.md's.

    In a notebook it displays as its tables; :meth:`rows` lists every row flat, and
    :meth:`to_dataframe` makes them a ``pandas.DataFrame`` (Debian's ``python3-pandas``).
    """

    _files = ("table.json", "table.md")

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


class _TableWithPlot(_Report):
    """A report with a plot besides its tables (``_files``: json, md, png)."""

    _files = ("report.json", "report.md", "plot.png")

    def __init__(self, record: dict[str, Any], markdown: str, plot: NDArray[np.uint8],
                 text: str | None = None) -> None:
        super().__init__(record, markdown, text)
        self.plot = plot

    def save(self, dir: StrPath) -> None:
        super().save(dir)
        _compnn._write_png(os.path.join(os.fspath(dir), self._files[2]), self.plot)

    def _repr_html_(self) -> str:
        png = base64.b64encode(_compnn._encode_png(self.plot)).decode("ascii")
        return super()._repr_html_() + f'<img src="data:image/png;base64,{png}">'


class CredibilityTable(_TableWithPlot):
    """A credibility evaluation (``compnn eval --credibility``): ``record`` is
    credibility.json's content, ``markdown`` credibility.md's, ``plot`` (also
    ``risk_coverage``) the risk-coverage plot, (H, W, 3) uint8 RGB. A notebook shows the tables
    and the plot."""

    _files = ("credibility.json", "credibility.md", "risk-coverage.png")

    @property
    def risk_coverage(self) -> NDArray[np.uint8]:
        return self.plot

    def __repr__(self) -> str:
        evaluated = self.record.get("evaluated", {}).get("images")
        return (f"CredibilityTable({evaluated} images evaluated, "
                f"layers {', '.join(self.record.get('layers', []))})")


class SanityTable(_TableWithPlot):
    """The sanity check (``compnn eval --sanity``): ``record`` is sanity.json's content,
    ``markdown`` sanity.md's, ``plot`` the shares changed at each randomisation step. A notebook
    shows the tables and the plot."""

    _files = ("sanity.json", "sanity.md", "sanity.png")

    def __repr__(self) -> str:
        return (f"SanityTable({len(self.record.get('steps', []))} steps at "
                f"{self.record.get('layer')})")
