import json
from pathlib import Path

import pytest

from vaebook import claims


def test_a_claim_that_holds_prints_a_stable_line(capsys):
    assert claims.check("003-a", "mean TC exceeds sampled TC", 1.2 > 0.1, tc_mean=1.2, tc_sampled=0.1) is None
    out = capsys.readouterr().out.splitlines()
    assert out == ["claim 003-a: holds — mean TC exceeds sampled TC",
                   "  measured: tc_mean=1.2, tc_sampled=0.1"]
    assert claims.results()[-1].line() == "claim 003-a: holds — mean TC exceeds sampled TC"


def test_a_claim_that_fails_raises():
    with pytest.raises(claims.ClaimError, match="expected to hold"):
        claims.check("003-a", "mean TC exceeds sampled TC", False, tc_mean=0.1, tc_sampled=0.2)


def test_a_documented_negative_result(capsys):
    claims.check("000-c", "the local decoder's probe is not higher", False, expected=False, acc=0.5)
    assert capsys.readouterr().out.startswith("claim 000-c: does not hold at this scale — ")
    with pytest.raises(claims.ClaimError, match="expected to not hold"):
        claims.check("000-c", "the local decoder's probe is not higher", True, expected=False)


def test_numpy_bools_are_accepted():
    np = pytest.importorskip("numpy")
    claims.check("003-b", "some variables are passive", np.float64(3) > 1, n_passive=3)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("3-a", "x", True), {}, ValueError, "claim_id must look like"),
    (("003-a", "", True), {}, ValueError, "non-empty single line"),
    (("003-a", "x", 1), {}, TypeError, "holds must be a bool"),
    (("003-a", "x", True), {"acc": "high"}, TypeError, "must be a number"),
    (("003-a", "x", True), {"acc": float("nan")}, ValueError, "is NaN"),
])
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        claims.check(*args, **kwargs)


def test_unknown_claim_id():
    with pytest.raises(ValueError, match="unknown claim '009-z'"):
        claims.check("009-z", "x", True)


def test_ledger_is_built_from_notebook_outputs(tmp_path):
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
          "text": ["claim 003-a: holds — mean TC exceeds sampled TC\n",
                   "  measured: tc_mean=1.2, tc_sampled=0.02\n"]}]}]}
    (tmp_path / "07_x.ipynb").write_text(json.dumps(nb))
    (parsed,) = claims.parse_notebook(tmp_path / "07_x.ipynb")
    assert parsed.measured == {"tc_mean": 1.2, "tc_sampled": 0.02}
    page = claims.ledger_markdown([tmp_path / "07_x.ipynb"])
    assert "| 003-a | mean representations are more correlated than sampled ones | 7 | **holds**: " \
           "mean TC exceeds sampled TC | tc_mean = 1.2, tc_sampled = 0.02 | `07_x.ipynb` |" in page
    assert "| 003-b | only a subset" in page and "| 7 | not yet checked |" in page
    ledger = tmp_path / "ledger.md"
    ledger.write_text(f"# Ledger\n{claims.LEDGER_BEGIN}\nSTALE ROW\n{claims.LEDGER_END}\nafter\n")
    assert claims.update_ledger_page(ledger, [tmp_path / "07_x.ipynb"])
    assert not claims.update_ledger_page(ledger, [tmp_path / "07_x.ipynb"])
    text = ledger.read_text()
    assert text.endswith(f"{claims.LEDGER_END}\nafter\n") and "STALE ROW" not in text
    with pytest.raises(ValueError, match="markers"):
        claims.update_ledger_page(tmp_path / "07_x.ipynb", [])


def test_committed_ledger_page_is_up_to_date():
    root = Path(__file__).parent.parent
    page = root / "book" / "claims_ledger.md"
    text = page.read_text(encoding="utf-8")
    table = text.split(claims.LEDGER_BEGIN, 1)[1].split(claims.LEDGER_END, 1)[0]
    expected = claims.ledger_markdown(sorted((root / "notebooks").glob("*.ipynb")))
    assert table.strip() == expected.strip(), "run `make ledger` and commit book/claims_ledger.md"
