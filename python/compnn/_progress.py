"""Progress of long calls: tqdm's text bar on standard error, which a terminal redraws in place
and a notebook's output cell shows the same way. Every long call takes ``progress=False`` to
stay silent."""

from __future__ import annotations

import sys
from typing import Callable, TextIO, TypeVar

from tqdm import tqdm


class _Lines:
    """Standard error for tqdm off a terminal and a notebook (a log under nohup): each redraw
    (tqdm starts them with a carriage return) becomes a line of its own."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        for part in text.split("\r"):
            if part.strip():
                self.out.write(part.rstrip("\n") + "\n")

    def flush(self) -> None:
        self.out.flush()


def _in_notebook() -> bool:
    # A Jupyter kernel runs an IPython shell of this class; merely importing ipykernel (as a
    # notebook runner does) is no notebook.
    if "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(label: str, total: int | None, enabled: bool, unit: str = "image") -> tqdm:
    """A bar counting ``unit`` towards ``total`` (None: unknown); disabled: updates do nothing.
    Off a terminal and a notebook it writes a line every 30 s and one at the end."""
    interactive = sys.stderr.isatty() or _in_notebook()
    return tqdm(total=total, desc=label, unit=unit, disable=not enabled,
                file=sys.stderr if interactive else _Lines(sys.stderr),
                mininterval=0.2 if interactive else 30.0, dynamic_ncols=interactive,
                ascii=not interactive)


Result = TypeVar("Result")


def run_with_progress(label: str, enabled: bool,
                      call: Callable[[Callable[[int, int], None]], Result],
                      unit: str = "query") -> Result:
    """``call(advance)`` with a bar whose total the engine reports: ``advance(done, total)``
    moves it (the engine's progress callback)."""
    bar = progress_bar(label, None, enabled, unit=unit)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        return call(advance)
    finally:
        bar.close()
