"""Experiments: the runner (``python -m vaebook.experiments GRID``, :mod:`.runner`) and its grids
(:mod:`.grids`), and the older per-chapter training scripts (``local_decoders``,
``selective_collapse``) whose checkpoints the chapters not yet moved onto the runner load."""

from __future__ import annotations

import argparse
import hashlib
import math
from pathlib import Path

from vaebook import __version__

__all__ = ["provenance"]


def provenance() -> dict[str, str]:
    """Package version and the sha256 of the repository's ``constraints.txt`` lock (if found)."""
    out = {"version": __version__}
    lock = Path(__file__).resolve().parents[3] / "constraints.txt"
    if lock.is_file():
        out["constraints_sha256"] = hashlib.sha256(lock.read_bytes()).hexdigest()
    return out


def _check_args(p: argparse.ArgumentParser, args: argparse.Namespace, *,
                channels: tuple[str, list[int]],
                minimums: tuple[tuple[str, int | None, int], ...] = ()) -> None:
    """Refuse a script's bad values before any data is loaded or any model trained (argparse's
    exit 2): seeds >= 0, a positive finite --lr, counts at their minimums, positive channel
    widths, and an --out that is (or can become) a folder."""
    for seed in args.seeds:
        if seed < 0:
            p.error(f"--seeds must be non-negative ints, got {seed}")
    if not math.isfinite(args.lr) or args.lr <= 0:
        p.error(f"--lr must be a positive finite number, got {args.lr}")
    counts = (("--num-epochs", args.num_epochs, 1), ("--batch-size", args.batch_size, 1),
              ("--max-train", args.max_train, 1))
    for flag, value, minimum in counts + minimums:
        if value is not None and value < minimum:
            p.error(f"{flag} must be >= {minimum}, got {value}")
    flag, widths = channels
    for width in widths:
        if width < 1:
            p.error(f"{flag} must be positive ints, got {width}")
    out = args.out
    if out.exists() and not out.is_dir():
        p.error(f"--out must be a folder, but {out} is an existing file")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                p.error(f"--out {out}: {parent} is a file, not a folder")
            break
