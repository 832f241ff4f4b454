"""Designs fixed before the final runs: N from the pilot, verdicts only from matching records."""

import dataclasses
import json

import pytest

from vaebook import claims, designs, stats
from vaebook.experiments import runner


@pytest.fixture(scope="module")
def pilot_and_finals(tmp_path_factory):
    """The tiny grid's pilot seeds, then a design from them, then its final seeds."""
    out = tmp_path_factory.mktemp("records")
    runner.run_grid("tiny", seeds="pilot", out=out, workers=2, progress=False)
    values = designs.pilot_effects("tiny/probe_gain", "tiny", ("local1", "factorised"),
                                   (100, 101, 102), out)
    n, capped = stats.seeds_needed(values, delta=0.01, cap=8)
    design = designs.Design(
        claim="000-c", grid="tiny", arms=("local1", "factorised"), statistic="tiny/probe_gain",
        description="local1 minus factorised probe accuracy", delta=0.01, unit="accuracy",
        pilot_seeds=(100, 101, 102), pilot_values=tuple(values), n_final=n, capped=capped)
    return out, design


def _finals(out, design, monkeypatch):
    monkeypatch.setitem(designs.DESIGNS, design.claim, design)
    runner.run_grid("tiny", seeds=list(design.final_seeds), out=out, workers=2, progress=False)


def test_pilot_effects_are_the_statistic_of_the_pilot_records(pilot_and_finals):
    out, design = pilot_and_finals
    for seed, value in zip(design.pilot_seeds, design.pilot_values, strict=True):
        records = runner.load_records("tiny", seeds=[seed], out=out)
        assert value == records["local1", seed]["evaluation"]["probe"] - \
            records["factorised", seed]["evaluation"]["probe"]


def test_evidence_reads_the_final_records_of_the_current_design(pilot_and_finals, monkeypatch):
    out, design = pilot_and_finals
    design = dataclasses.replace(design, n_final=5, capped=False,
                                 pilot_values=(0.1, 0.2, 0.15))  # an N of 5 for a quick test
    _finals(out, design, monkeypatch)
    evidence = designs.evidence("000-c", out=out)
    records = runner.load_records("tiny", seeds=range(5), out=out)
    expected = [records["local1", s]["evaluation"]["probe"]
                - records["factorised", s]["evaluation"]["probe"] for s in range(5)]
    assert evidence.per_unit == pytest.approx(expected)
    assert evidence.n == 5 and evidence.delta == 0.01 and "paired seeds" in evidence.method

    # a changed design (here delta) makes every old record unusable ...
    moved = dataclasses.replace(design, delta=0.05, pilot_values=(0.2, 0.3, 0.25))
    monkeypatch.setitem(designs.DESIGNS, "000-c", moved)
    with pytest.raises(designs.DesignMismatch, match="re-run the grid"):
        designs.evidence("000-c", out=out)
    # ... until the grid is re-run under it (the runner sees the stale key and re-runs)
    summary = runner.run_grid("tiny", seeds=list(range(5)), out=out, workers=2, progress=False)
    assert len(summary["ran"]) == 10
    assert designs.evidence("000-c", out=out).per_unit == pytest.approx(expected)


def test_a_record_with_another_config_is_refused(pilot_and_finals, monkeypatch, tmp_path):
    out, design = pilot_and_finals
    design = dataclasses.replace(design, n_final=5, capped=False, pilot_values=(0.1, 0.2, 0.15))
    _finals(tmp_path, design, monkeypatch)
    path = runner.record_path(tmp_path, "tiny", "local1", 3)
    record = json.loads(path.read_text())
    record["config"]["num_epochs"] = 99
    path.write_text(json.dumps(record))
    with pytest.raises(designs.DesignMismatch, match="another config"):
        designs.evidence("000-c", out=tmp_path)


def test_a_design_must_take_n_from_its_pilot(pilot_and_finals):
    _, design = pilot_and_finals
    with pytest.raises(ValueError, match="the pilot gives N"):
        designs.check_design(dataclasses.replace(design, n_final=design.n_final + 1))
    with pytest.raises(ValueError, match="overlap"):
        designs.check_design(dataclasses.replace(design, pilot_seeds=(0, 1, 2)))
    with pytest.raises(ValueError, match="unknown statistic"):
        designs.check_design(dataclasses.replace(design, statistic="nope"))


def test_the_hash_covers_the_entry():
    base = designs.Design(claim="000-c", grid="tiny", arms=("local1", "factorised"),
                          statistic="tiny/probe_gain", description="d", delta=0.01, unit="u",
                          pilot_seeds=(100, 101), pilot_values=(0.1, 0.2), n_final=5)
    assert base.hash() == dataclasses.replace(base).hash()
    for change in (dict(delta=0.02), dict(n_final=6), dict(arms=("factorised", "local1")),
                   dict(description="e")):
        assert dataclasses.replace(base, **change).hash() != base.hash()


def test_committed_designs_are_consistent():
    for key, design in designs.DESIGNS.items():
        assert key == design.key and design.claim in claims.CLAIMS
        designs.check_design(design)
        assert design.grid in runner.GRIDS or runner.get_grid(design.grid)


def test_unknown_claim_has_a_clear_error():
    with pytest.raises(ValueError, match="has no design"):
        designs.get_design("999-z")


def test_every_committed_design_follows_from_its_shipped_pilot_records():
    """The registration is checkable: each design's pilot values are its statistic on the
    shipped pilot records, and its N is what the rule plans from them."""
    from vaebook import stats

    for key, design in designs.DESIGNS.items():
        values = designs.pilot_effects(design.statistic, design.grid, design.arms,
                                       design.pilot_seeds)
        assert values == pytest.approx(design.pilot_values, abs=6e-4), key
        planned = stats.seeds_needed(design.pilot_values, delta=design.delta)
        assert planned == (design.n_final, design.capped), key
