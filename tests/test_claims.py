import json
import re
from pathlib import Path

import pytest

from vaebook import claims, stats

GOOD = stats.paired([0.9, 0.91, 0.92, 0.9, 0.93], [0.8, 0.82, 0.8, 0.81, 0.8], delta=0.01, unit="accuracy")
NOISE = stats.paired([0.9, 0.7, 0.92, 0.6, 0.93], [0.8, 0.82, 0.8, 0.81, 0.8], delta=0.01, unit="accuracy")


def test_a_claim_that_holds_prints_a_stable_line(capsys):
    assert claims.check("003-a", "mean codes are more correlated", GOOD, tc_mean=1.2) is None
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "claim 003-a: holds — mean codes are more correlated"
    assert out[1] == ("  measured: effect +0.106 accuracy, 95% CI [+0.0834, +0.129], paired t over 5 seeds, "
                      "delta 0.01; tc_mean=1.2")
    assert claims.results()[-1].line() == out[0]


def test_an_unexpected_verdict_raises_in_strict_mode(monkeypatch):
    monkeypatch.delenv("VAEBOOK_CLAIMS", raising=False)
    with pytest.raises(claims.ClaimError, match="written for 'holds'.*now say 'inconclusive'"):
        claims.check("003-a", "x", NOISE)
    with pytest.raises(claims.ClaimError, match="written for 'inconclusive'"):
        claims.check("003-a", "x", GOOD, expect=claims.INCONCLUSIVE)


def test_report_mode_prints_the_change_and_carries_on(monkeypatch, capsys):
    monkeypatch.setenv("VAEBOOK_CLAIMS", "report")
    claims.check("000-c", "the local decoder probes better", NOISE)
    out = capsys.readouterr().out
    assert out.startswith("claim 000-c: inconclusive — ")
    assert "report mode: claim 000-c: the chapter's text was written for 'holds'" in out
    monkeypatch.setenv("VAEBOOK_CLAIMS", "loose")
    with pytest.raises(ValueError, match="VAEBOOK_CLAIMS must be"):
        claims.check("000-c", "x", NOISE)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("3-a", "x", GOOD), {}, ValueError, "claim_id must look like"),
    (("003-a", "", GOOD), {}, ValueError, "non-empty single line"),
    (("003-a", "x", True), {}, TypeError, "evidence must come from vaebook.stats"),
    (("003-a", "x", GOOD), {"expect": "yes"}, ValueError, "expect must be one of"),
    (("003-a", "x", GOOD), {"acc": "high"}, TypeError, "must be a number"),
    (("003-a", "x", GOOD), {"acc": float("nan")}, ValueError, "is NaN"),
    (("009-z", "x", GOOD), {}, ValueError, "unknown claim '009-z'"),
])
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        claims.check(*args, **kwargs)


def _notebook(tmp_path, capsys):
    claims.check("003-a", "mean codes are more correlated", GOOD, tc_mean=1.2)
    text = capsys.readouterr().out
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
                                                       "text": text.splitlines(keepends=True)}]}]}
    path = tmp_path / "07_x.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_ledger_is_built_from_notebook_outputs(tmp_path, capsys):
    path = _notebook(tmp_path, capsys)
    (parsed,) = claims.parse_notebook(path)
    assert parsed.verdict == "holds" and parsed.numbers == {"tc_mean": 1.2}
    assert parsed.evidence.n == 5 and parsed.evidence.unit == "accuracy"
    assert parsed.evidence.low == pytest.approx(GOOD.low, rel=1e-2)
    page = claims.ledger_markdown([path])
    assert ("| [003-a](#claim-003-a) | [7](../notebooks/07_x.ipynb) | **holds** | +0.106 [+0.0834, +0.129] "
            "accuracy | paired t over 5 seeds, delta 0.01 |") in page
    assert "| [003-b](#claim-003-b) | 7 | not yet checked |" in page
    assert "- **As tested here**: mean codes are more correlated." in page
    ledger = tmp_path / "ledger.md"
    ledger.write_text(f"# Ledger\n{claims.LEDGER_BEGIN}\nSTALE ROW\n{claims.LEDGER_END}\nafter\n")
    assert claims.update_ledger_page(ledger, [path])
    assert not claims.update_ledger_page(ledger, [path])
    text = ledger.read_text()
    assert text.endswith(f"{claims.LEDGER_END}\nafter\n") and "STALE ROW" not in text
    with pytest.raises(ValueError, match="markers"):
        claims.update_ledger_page(path, [])


def test_a_claim_line_without_numbers_is_refused(tmp_path):
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
                                                       "text": ["claim 003-a: holds — x\n"]}]}]}
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="no readable 'measured:' line"):
        claims.parse_notebook(tmp_path / "a.ipynb")


def test_committed_ledger_page_is_up_to_date():
    root = Path(__file__).parent.parent
    page = root / "book" / "claims_ledger.md"
    text = page.read_text(encoding="utf-8")
    table = text.split(claims.LEDGER_BEGIN, 1)[1].split(claims.LEDGER_END, 1)[0]
    expected = claims.ledger_markdown(sorted((root / "notebooks").glob("*.ipynb")))
    assert table.strip() == expected.strip(), "run `make ledger` and commit book/claims_ledger.md"


def test_the_intro_table_of_verdicts_is_built_from_the_ledger_rows(tmp_path, capsys):
    path = _notebook(tmp_path, capsys)
    table = claims.verdicts_markdown([path])
    rows = table.splitlines()
    assert rows[0] == "| claim | chapter | the claim, paraphrased | verdict here |"
    assert len(rows) == 2 + len(claims.CLAIMS)
    assert ("| [003-a](#claim-003-a) | [7](../notebooks/07_x.ipynb) | mean representations are more "
            "correlated than sampled ones | **holds** |") in rows
    assert "| [003-b](#claim-003-b) | 7 | " in table
    assert table.count("not yet checked") == len(claims.CLAIMS) - 1
    assert "| [101-a](#claim-101-a) | 1 | *(the book's own check)* a VAE trained without labels" in table
    intro = tmp_path / "intro.md"
    intro.write_text(f"# Intro\n{claims.VERDICTS_BEGIN}\nSTALE ROW\n{claims.VERDICTS_END}\nafter\n")
    assert claims.update_intro_page(intro, [path])
    assert not claims.update_intro_page(intro, [path])
    text = intro.read_text()
    assert text.endswith(f"{claims.VERDICTS_END}\nafter\n") and "STALE ROW" not in text
    assert table in text
    with pytest.raises(ValueError, match="markers"):
        claims.update_intro_page(path, [])


def test_committed_intro_table_of_verdicts_is_up_to_date():
    root = Path(__file__).parent.parent
    text = (root / "book" / "intro.md").read_text(encoding="utf-8")
    block = text.split(claims.VERDICTS_BEGIN, 1)[1].split(claims.VERDICTS_END, 1)[0]
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    assert block.strip() == claims.verdicts_markdown(notebooks).strip(), \
        "run `make ledger` and commit book/intro.md"
    # every claim links to its entry on the ledger page and shows the ledger table's verdict
    ledger = (root / "book" / "claims_ledger.md").read_text(encoding="utf-8")
    for cid in claims.CLAIMS:
        assert f"(claim-{cid})=" in ledger, f"the ledger has no target for {cid}"
        verdict = re.search(rf"^\| \[{cid}\]\(#claim-{cid}\) \|[^|]*\| ([^|]*) \|", ledger, re.M)
        row = next(line for line in block.splitlines() if line.startswith(f"| [{cid}](#claim-{cid}) |"))
        assert row.endswith(f"| {verdict.group(1)} |"), (cid, row, verdict.group(1))


def test_a_unit_with_a_pipe_does_not_break_the_ledger_table(tmp_path, capsys):
    ev = stats.per_seed([0.3, 0.35, 0.32, 0.31, 0.33], delta=0.1, unit="|corr|")
    claims.check("003-d", "passive variables are more correlated in mean codes", ev)
    text = capsys.readouterr().out
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
                                                       "text": text.splitlines(keepends=True)}]}]}
    (tmp_path / "07_y.ipynb").write_text(json.dumps(nb))
    row = next(line for line in claims.ledger_markdown([tmp_path / "07_y.ipynb"]).splitlines()
               if line.startswith("| [003-d]"))
    assert row.count(" | ") == 4 and "\\|corr\\|" in row
