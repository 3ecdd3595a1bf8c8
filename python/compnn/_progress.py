"""Progress of long calls: tqdm's text bar on standard error, which a terminal redraws in place
and a notebook's output cell shows the same way. Every long call takes ``progress=False`` to
stay silent."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(label: str, total: int | None, enabled: bool, unit: str = "image") -> tqdm:
    """A bar counting ``unit`` towards ``total`` (None: unknown); disabled: updates do nothing.
    Off a terminal and a notebook (a log file) it writes a line every 30 s."""
    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    return tqdm(total=total, desc=label, unit=unit, disable=not enabled, file=sys.stderr,
                mininterval=0.2 if interactive else 30.0, dynamic_ncols=interactive,
                ascii=not interactive)
