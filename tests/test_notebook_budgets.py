"""Every committed notebook is executed, error-free, and within its time budget on CI hardware."""

import json
from pathlib import Path

import pytest

from notebook_times import BOOK_BUDGET_S, PAGE, budget_seconds, reference_seconds, times_page

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_within_budget(path):
    seconds = reference_seconds(path)
    assert seconds <= budget_seconds(path), (
        f"{path.name} took {seconds:.0f} reference-machine seconds to execute, over its "
        f"{budget_seconds(path):.0f} s budget")


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
    total = sum(reference_seconds(p) for p in NOTEBOOKS)
    assert total <= BOOK_BUDGET_S, f"the notebooks take {total:.0f} s together, over {BOOK_BUDGET_S:.0f} s"


def test_execution_times_page_is_up_to_date():
    assert PAGE.read_text(encoding="utf-8") == times_page(NOTEBOOKS), \
        "run `make ledger` and commit book/execution_times.md"
