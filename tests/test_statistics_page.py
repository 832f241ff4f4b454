"""The statistics page (book/statistics.md) quotes only numbers the repository computes: chapter
3's committed designs and runner records, and chapter 1's committed output. If a design or a
record changes, this test names the sentence to update."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats as scipy_stats

from vaebook import designs, diagrams, stats

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "book" / "statistics.md"
RECORDS = ROOT / "src" / "vaebook" / "records" / "local_decoders"


@pytest.fixture(scope="module")
def page() -> str:
    """The page's text with whitespace collapsed (numbers may wrap across lines)."""
    return " ".join(PAGE.read_text(encoding="utf-8").split())


def signed(x: float, digits: int) -> str:
    """A signed number as the page writes it: +0.152, $-$0.022."""
    text = f"{abs(x):.{digits}f}"
    return ("+" if x >= 0 else "$-$") + text


def interval(e_low: float, e_high: float, digits: int) -> str:
    return f"[{signed(e_low, digits)}, {signed(e_high, digits)}]"


def evaluations(arm: str, key: str, seeds: range) -> np.ndarray:
    return np.array([json.loads((RECORDS / arm / f"s{s}.json").read_text())["evaluation"][key]
                     for s in seeds])


def welch(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    n = len(x)
    vx, vy = x.var(ddof=1) / n, y.var(ddof=1) / n
    df = (vx + vy) ** 2 / ((vx ** 2 + vy ** 2) / (n - 1))
    half = scipy_stats.t.ppf(0.975, df) * math.sqrt(vx + vy)
    mean = x.mean() - y.mean()
    return mean, mean - half, mean + half


def test_page_is_in_the_toc_after_notation():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files.index("book/statistics") == files.index("book/notation") + 1


def test_chapter_3_verdicts_are_those_of_the_committed_designs(page):
    expected = {"000-b/rate": (2, stats.HOLDS), "000-b/class": (3, stats.HOLDS),
                "000-b/per-nat": (3, stats.HOLDS), "000-c": (3, stats.INCONCLUSIVE)}
    for key, (digits, verdict) in expected.items():
        e = designs.evidence(key)
        assert e.verdict == verdict, key
        assert f"{signed(e.effect, digits)} {interval(e.low, e.high, digits)}" in page, key
        assert f"{e.n} seeds" in page, key
    rate = designs.evidence("000-b/rate")
    assert ", ".join(f"{v:.3f}" for v in rate.per_unit[:4]) + f" and {rate.per_unit[4]:.3f}" in page
    assert f"$s = {np.std(rate.per_unit, ddof=1):.3f}$" in page
    cls = designs.evidence("000-b/class")
    assert f"{sum(v < 0 for v in cls.per_unit)} of its {cls.n} seeds have a negative effect" in page


def test_worked_seeds_needed_examples(page):
    d = designs.DESIGNS["000-b/class"]
    assert stats.seeds_needed(d.pilot_values, delta=d.delta) == (17, False) == (d.n_final, d.capped)
    assert ", ".join(f"{v}" for v in d.pilot_values[:4]) + f" and {d.pilot_values[4]}" in page
    p = np.array(d.pilot_values)
    sd = p.std(ddof=1)
    assert f"$m = {p.mean():.3f}$, $s = {sd:.3f}$" in page
    target = 0.5 * min(abs(p.mean()), abs(p.mean() - d.delta))
    assert f"half-width is ${target:.3f}$" in page
    halves = {n: scipy_stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) for n in (5, 10, 16, 17)}
    assert halves[16] > target >= halves[17]
    assert f"= {halves[5]:.3f}$, ten give ${halves[10]:.3f}$" in page
    assert f"sixteen ${halves[16]:.3f}$, seventeen ${halves[17]:.3f}$" in page
    final = designs.evidence("000-b/class")
    assert f"($s = {np.std(final.per_unit, ddof=1):.3f}$)" in page
    assert f"(half-width {final.high - final.effect:.3f})" in page
    c = designs.DESIGNS["000-c"]
    assert c.n_final == 6 and "**N = 6**" in page
    assert f"$s = {np.std(c.pilot_values, ddof=1):.3f}$" in page
    assert f"$s = {np.std(designs.evidence('000-c').per_unit, ddof=1):.3f}$" in page
    assert stats.seeds_needed(designs.evidence("000-c").per_unit, delta=c.delta) == (30, True)


def test_pilots_would_almost_surely_decide_if_exact(page):
    assert "probability above 0.99" in page
    for d in designs.DESIGNS.values():
        if d.grid != "local_decoders" or d.capped:  # the page's sentence is about chapter 3's
            continue                                # designs; when the cap binds it says so
        p = np.array(d.pilot_values)
        n = d.n_final
        ncp = p.mean() * math.sqrt(n) / p.std(ddof=1)
        assert scipy_stats.nct.sf(scipy_stats.t.ppf(0.975, n - 1), n - 1, ncp) > 0.99


@pytest.mark.parametrize("key, better, other, seeds, higher, digits, rho", [
    ("nelbo", "local1", "factorised", range(17), False, 2, "+0.21"),
    ("class_nats", "local1", "factorised", range(17), True, 3, "$-$0.20"),
    ("knn", "local1", "local3", range(5), True, 3, "+0.91"),
])
def test_paired_and_unpaired_intervals_are_the_records(page, key, better, other, seeds, higher,
                                                       digits, rho):
    a, b = evaluations(better, key, seeds), evaluations(other, key, seeds)
    e = stats.paired(a, b, delta=0.0, unit="", higher_is_better=higher)
    mean, low, high = welch(a, b) if higher else welch(b, a)
    assert f"{np.corrcoef(a, b)[0, 1]:+.2f}".replace("-", "$-$") == rho
    assert rho in page
    if key == "nelbo":  # written without signs
        assert f"{e.effect:.2f} [{e.low:.2f}, {e.high:.2f}] | {mean:.2f} [{low:.2f}, {high:.2f}]" in page
    else:
        assert interval(e.low, e.high, digits) in page and interval(low, high, digits) in page
    ratio = (e.high - e.low) / (high - low)
    if key == "nelbo":
        assert f"{round(100 * (1 - ratio))}% narrower" in page
    elif key == "class_nats":
        assert f"{round(100 * (ratio - 1))}% wider" in page
    else:
        assert 0.7 < ratio < 0.8 and "a quarter narrower" in page
        a2 = evaluations("local2", key, seeds)
        r2 = np.corrcoef(a2, a)[0, 1]  # local2 against local1: negatively correlated
        assert r2 < 0 and f"$\\rho = {r2:.2f}$" in page


def test_chapter_1_bootstrap_is_the_committed_output(page):
    nb = json.loads((ROOT / "notebooks" / "01_vanilla_vae.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []))
    found = re.search(r"claim 101-a: .*\n\s*measured: effect (\S+) accuracy, 95% CI \[(\S+), (\S+)\], "
                      r"bootstrap over 1000 test examples, delta 0; probe_accuracy=(\S+),", text)
    assert found, "chapter 1's claim 101-a output has changed shape"
    effect, low, high, accuracy = found.groups()
    assert f"**{effect} [{low}, {high}]**" in page
    assert f"right on {float(accuracy) * 100:.1f}% of the digits" in page
    se = math.sqrt(float(accuracy) * (1 - float(accuracy)) / 1000)
    assert f"= {se:.4f}$ gives $\\pm {1.96 * se:.3f}$" in page


def test_named_functions_exist(page):
    for module, name in re.findall(r"`vaebook\.(stats|designs|diagrams)\.(\w+)`", page):
        assert hasattr({"stats": stats, "designs": designs, "diagrams": diagrams}[module], name), name
