"""Every committed notebook is executed, error-free, and within its time budget on CI hardware."""

import json
from pathlib import Path

import pytest

from notebook_times import (
    BOOK_BUDGET_S,
    GUARD_S,
    PAGE,
    budget_seconds,
    execution_seconds,
    judged_seconds,
    reads_records,
    times_page,
)

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_within_budget(path):
    seconds = judged_seconds(path)
    how = "seconds of real wall time" if reads_records(path) else \
        "converted seconds (the chapter still trains its evidence live)"
    assert seconds <= budget_seconds(path), (
        f"{path.name} took {seconds:.0f} {how} to execute, over its {budget_seconds(path):.0f} s "
        f"budget")
    if reads_records(path):
        assert execution_seconds(path) <= GUARD_S


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_executed_without_errors(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert all(c["execution_count"] is not None for c in code), "some code cells were not executed"
    assert not any(o["output_type"] == "error" for c in code for o in c["outputs"])
    raw = json.dumps(nb)
    assert "application/vnd.jupyter.widget-view+json" not in raw or "tqdm" not in raw, \
        "a progress-bar widget is stored in the outputs"


def test_whole_book_within_budget():
    total = sum(judged_seconds(p) for p in NOTEBOOKS)
    assert total <= BOOK_BUDGET_S, f"the notebooks take {total:.0f} s together, over {BOOK_BUDGET_S:.0f} s"


def test_execution_times_page_is_up_to_date():
    assert PAGE.read_text(encoding="utf-8") == times_page(NOTEBOOKS), \
        "run `make ledger` and commit book/execution_times.md"


def test_guard_fails_a_records_chapter_past_600_s():
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    guard_message = module.guard_message
    path = Path("notebooks/03_local_decoders.ipynb")
    assert guard_message(path, 599.0) is None
    assert "past the 600 s guard" in guard_message(path, 601.0)


def test_reads_records_refuses_an_unknown_evidence_kind(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {"vaebook": {"evidence": "maybe"}}}))
    with pytest.raises(ValueError, match="'records' or 'live'"):
        reads_records(nb)
