"""Training scripts whose checkpoints the notebooks load (run with ``python -m``)."""

from __future__ import annotations

import hashlib
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
