"""compnn.FigureRun: what :func:`compnn.torch.sweep` and :func:`compnn.torch.control` wrote,
shown in a notebook as their figures."""

from __future__ import annotations

import base64
import html
import json
import os
import warnings as _warnings
from typing import Any, Sequence

from ._arrays import StrPath
from .explanation import Explorer

_FIGURES = {"sweep": "sweep.png", "control": "control.png"}


class FigureRun:
    """A sweep's or a property control's output folder, as ``compnn sweep`` and ``compnn
    control`` write it.

    Attributes:
        kind: "sweep" or "control".
        out: the folder.
        summary: ``out/summary.json`` (its layers or layer, and its queries with their folders).
        page: ``out/explorer.html``, or None when no page was written.
    """

    def __init__(self, kind: str, out: StrPath, page: str, warnings: Sequence[str] = ()) -> None:
        self.kind = kind
        self.out = os.fspath(out)
        self.page = page or None
        with open(os.path.join(self.out, "summary.json"), encoding="utf-8") as file:
            self.summary: dict[str, Any] = json.load(file)
        for warning in warnings:
            _warnings.warn(warning, stacklevel=3)

    def __repr__(self) -> str:
        return f"FigureRun({self.kind!r}, {self.out!r}: {len(self.queries)} queries)"

    @property
    def queries(self) -> list[str]:
        """The queries' names, in order."""
        return [q["query"] for q in self.summary["queries"]]

    @property
    def figures(self) -> list[str]:
        """Each query's figure (its sweep.png or control.png), in order."""
        return [os.path.join(self.out, q["folder"], _FIGURES[self.kind])
                for q in self.summary["queries"]]

    def query_summary(self, index: int) -> dict[str, Any]:
        """Query ``index``'s summary.json: per layer or per database, its search and files."""
        folder = self.summary["queries"][index]["folder"]
        with open(os.path.join(self.out, folder, "summary.json"), encoding="utf-8") as file:
            return json.load(file)

    def explorer(self, height: int = 1000) -> Explorer:
        """The explorer page, to display inline; raises ValueError when none was written."""
        if self.page is None:
            raise ValueError(f"{self.out}: no explorer page (run with html=True)")
        return Explorer.from_file(self.page, height=height)

    def _repr_html_(self) -> str:
        parts = []
        for name, path in zip(self.queries, self.figures):
            with open(path, "rb") as file:
                data = base64.b64encode(file.read()).decode("ascii")
            parts.append(f'<figure><img src="data:image/png;base64,{data}" style="max-width:100%">'
                         f"<figcaption>{html.escape(name)}</figcaption></figure>")
        return "".join(parts)
