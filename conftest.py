"""The hard time guard for chapters that read the runner's records (loaded for every pytest run).

A chapter whose metadata says ``vaebook.evidence = "records"`` trains only one small run live;
if its nbval run passes ``GUARD_S`` (600 s) of wall time, on any machine, the cell that crosses
the line fails. Chapters that still train their evidence live are checked by the budget test.
"""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))
from notebook_times import GUARD_S, reads_records  # noqa: E402

_STARTED: dict[Path, float] = {}


def guard_message(path: Path, elapsed: float, limit: float = GUARD_S) -> str | None:
    """Why a notebook's run must stop (None while it is within the guard)."""
    if elapsed <= limit:
        return None
    return (f"{path.name} reads its evidence from records but has run {elapsed:.0f} s, past the "
            f"{limit:.0f} s guard: train less live, or move the work into a runner grid")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    path = Path(str(item.fspath))
    guarded = path.suffix == ".ipynb" and reads_records(path)
    if guarded:
        _STARTED.setdefault(path, time.monotonic())
    result = yield
    if guarded:
        message = guard_message(path, time.monotonic() - _STARTED[path])
        if message:
            pytest.fail(message, pytrace=False)
    return result
