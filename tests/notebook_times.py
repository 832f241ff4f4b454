"""Execution time of a committed notebook, read from nbclient's per-cell timing metadata.

Used by the budget test and by `make execute` (which prints the time after executing).
Run as a script: python tests/notebook_times.py notebooks/*.ipynb
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

# Budgets in seconds on the 2-core CI machine (shared/design.md and the chapter issues).
BUDGET_S = {"01_vanilla_vae.ipynb": 180.0}
DEFAULT_BUDGET_S = 240.0
BOOK_BUDGET_S = 1200.0


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def execution_seconds(path: str | Path) -> float:
    """Seconds from the first cell's start to the last cell's end; raises if timing is missing."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    starts, ends = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
            raise ValueError(f"{path}: a code cell has no execution timing; execute it with "
                             f"`make execute NB={path}`")
        starts.append(_stamp(timing["iopub.execute_input"]))
        ends.append(_stamp(timing["shell.execute_reply"]))
    if not starts:
        raise ValueError(f"{path}: no executed code cells")
    return (max(ends) - min(starts)).total_seconds()


def budget_seconds(path: str | Path) -> float:
    return BUDGET_S.get(Path(path).name, DEFAULT_BUDGET_S)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: executed in {execution_seconds(arg):.1f} s (budget {budget_seconds(arg):.0f} s)")
