"""Judge a paper's claim from numbers a notebook computed, under the book's one rule.

Every claim goes through :mod:`vaebook.stats`: an effect in the claimed direction, its 95%
interval (paired seeds, one effect per seed, or a bootstrap over test examples) and a smallest
effect of interest ``delta`` declared in the call, before looking. The verdict is

- **does not hold at this scale** when the whole interval lies below ``delta``; the line says
  which way: ``(the opposite holds)`` when the whole interval lies below zero, else ``(no effect
  that matters)``;
- **holds** when the whole interval lies above zero, on the claimed side;
- **inconclusive** otherwise.

A comparison of two models needs at least 5 paired seeds (:func:`vaebook.stats.paired` refuses
fewer). A chapter calls :func:`check` once per claim. It prints one stable line that nbval
compares and a ``measured:`` line with the numbers, which the test set-up sanitises::

    claim 003-a: holds — mean representations are more correlated than sampled ones (...)
      measured: effect +2.1 nats, 95% CI [+1.2, +3.0], t over 5 seeds, delta 0.1; ...

``expect`` states the verdict the chapter's text was written for. In strict mode (the default,
and CI) another verdict raises :class:`ClaimError`, so the text cannot silently go stale. In
student mode (environment variable ``VAEBOOK_CLAIMS=report``) it prints what changed and carries
on, so an exercise that changes a setting shows its consequence instead of stopping.

The claims ledger page (``book/claims_ledger.md``) is built from the committed notebooks'
outputs by :func:`update_ledger_page` (``make ledger``), and so is the table of verdicts on the
book's intro page (:func:`update_intro_page`); tests keep both up to date.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .stats import HOLDS, INCONCLUSIVE, NO_EFFECT, NOT_HERE, OPPOSITE, VERDICTS, Evidence, seeds_needed

__all__ = ["CLAIMS", "ClaimError", "ClaimResult", "check", "results", "parse_notebook", "ledger_markdown",
           "update_ledger_page", "verdicts_markdown", "update_intro_page", "mode", "HOLDS", "NOT_HERE",
           "INCONCLUSIVE"]

CLAIM_ID = re.compile(r"^\d{3}-[a-z]$")
_LINE = re.compile(r"^claim (\d{3}-[a-z]): (holds|does not hold at this scale|inconclusive)"
                   rf"(?: \(({NO_EFFECT}|{OPPOSITE})\))? — (.+)$")
_MEASURED = re.compile(r"^  measured: effect (\S+) (.+?), 95% CI \[(\S+), (\S+)\], (.+?), delta (\S+?)"
                       r"(?:; (.*))?$")
MODE_VARIABLE = "VAEBOOK_CLAIMS"


class ClaimError(AssertionError):
    """The computed numbers no longer give the verdict the chapter's text was written for."""


@dataclass(frozen=True)
class ClaimResult:
    claim_id: str
    statement: str
    verdict: str
    evidence: Evidence
    numbers: dict[str, float] = field(default_factory=dict)
    reading: str = ""

    @property
    def verdict_text(self) -> str:
        """The verdict with its reading: 'does not hold at this scale (the opposite holds)'."""
        return f"{self.verdict} ({self.reading})" if self.reading else self.verdict

    def line(self) -> str:
        return f"claim {self.claim_id}: {self.verdict_text} — {self.statement}"

    def measured_line(self) -> str:
        extra = ", ".join(f"{k}={_fmt(v)}" for k, v in self.numbers.items())
        return "  measured: " + self.evidence.summary() + (f"; {extra}" if extra else "")


_RESULTS: list[ClaimResult] = []

_PAPER_000 = ("Zhang et al. 2022: MNIST with a 256-level logistic-mixture likelihood, z=32, MLP "
              "500-500 encoder, 50 epochs; also CIFAR-10/SVHN with ResNets")
_PAPER_002 = ("Feng et al. 2021: CIFAR-10 (4k labels), CIFAR-100 (10k labels) with WRN-28-2, "
              "600 epochs")
_PAPER_003 = ("Bonheme & Grzes 2023: disentanglement_lib beta-VAEs (and others) on dSprites and "
              "other datasets, 300,000 steps, 10 latent variables")


@dataclass(frozen=True)
class Claim:
    text: str
    chapter: int
    paper_setting: str


# The claims the book checks. 000/002/003 come from the seed papers' abstracts (shared/claims.md);
# 1NN are the book's own checks of chapter NN.
CLAIMS: dict[str, Claim] = {
    "101-a": Claim("(the book's own check) a VAE trained without labels has a mean representation "
                   "from which a linear probe reads the digit class far above chance", 1,
                   "textbook result, no paper setting"),
    "102-a": Claim("(the book's own check) a VAE's mean codes probe at least as well as its "
                   "sampled codes", 2, "textbook result, no paper setting"),
    "102-b": Claim("(the book's own check) a collapsed latent (a small fraction of the rate) carries "
                   "less class information than an active one", 2, "textbook result, no paper setting"),
    "000-a": Claim("a VAE's mean representation is less competitive for classification than a "
                   "non-latent model's (e.g. a deterministic autoencoder)", 2, _PAPER_000),
    "000-b": Claim("with a decoder that can model only local structure, the latent captures the "
                   "global features (fewer nats, more of them about the class)", 3, _PAPER_000),
    "000-c": Claim("that latent improves downstream classification (linear probe on the mean)", 3,
                   _PAPER_000),
    "000-d": Claim("it improves data efficiency in semi-supervised / few-label learning", 3,
                   _PAPER_000),
    "103-a": Claim("(the book's own check, the sensitivity of 000-c to the encoder) with the "
                   "book's convolutional encoder instead of the paper's MLP, the local decoder's "
                   "mean still gives a better linear probe than the factorised decoder's", 3,
                   "the paper's MNIST models use an MLP encoder; see 000-c"),
    "002-a": Claim("in semi-supervised VAEs a good ELBO does not imply accurate inference", 4,
                   _PAPER_002),
    "002-b": Claim("the ELBO objective cannot use the label information directly", 4, _PAPER_002),
    "002-c": Claim("there is an ELBO bottleneck: optimising ELBO past it does not improve accuracy",
                   4, _PAPER_002),
    "002-d": Claim("the smooth-ELBO (label predictive loss inside the bound) improves accuracy", 5,
                   _PAPER_002),
    "002-e": Claim("optimal interpolation (on top of the smooth-ELBO) further improves accuracy", 5,
                   _PAPER_002),
    "002-f": Claim("it does so by tightening the margin between the ELBO and the data "
                   "log-likelihood (measured with an importance-weighted bound, k >= 100)", 5,
                   _PAPER_002),
    "002-g": Claim("the full SHOT-VAE classifies better than the M2 baseline (the paper's headline, "
                   "at our scale)", 5, _PAPER_002),
    "003-a": Claim("mean representations are more correlated than sampled ones", 7, _PAPER_003),
    "003-b": Claim("only a subset of latent variables is active; the rest are passive (selective "
                   "posterior collapse)", 7, _PAPER_003),
    "003-c": Claim("active variables are equally disentangled / correlated in mean and sampled "
                   "representations", 7, _PAPER_003),
    "003-d": Claim("passive variables cause the discrepancy: highly correlated in mean, "
                   "uncorrelated in sampled", 7, _PAPER_003),
    "003-e": Claim("removing passive variables lowers the mean representation's correlation "
                   "without hurting downstream use", 7, _PAPER_003),
}
LEDGER_BEGIN = "<!-- ledger:begin -->"
LEDGER_END = "<!-- ledger:end -->"
VERDICTS_BEGIN = "<!-- verdicts:start -->"
VERDICTS_END = "<!-- verdicts:end -->"


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def mode() -> str:
    """``"strict"`` (default: an unexpected verdict raises) or ``"report"`` (it is printed)."""
    value = os.environ.get(MODE_VARIABLE, "strict").strip().lower() or "strict"
    if value not in ("strict", "report"):
        raise ValueError(f"{MODE_VARIABLE} must be 'strict' or 'report', got {value!r}")
    return value


def check(claim_id: str, statement: str, evidence: Evidence, *, expect: str = HOLDS,
          **numbers: float) -> None:
    """Print and record the verdict on a claim; raise :class:`ClaimError` if it is not ``expect``.

    Returns nothing, so that a notebook cell shows only the printed lines (see :func:`results`).

    claim_id: an id from ``claims.md`` such as ``"000-a"``.
    statement: the claim as tested here, in words that read correctly after any verdict, e.g.
        ``"the local decoder's mean gives a better linear probe (z=2, 5 seeds)"``.
    evidence: from :func:`vaebook.stats.paired`, :func:`~vaebook.stats.per_seed` or
        :func:`~vaebook.stats.bootstrap`; it carries the effect, interval, delta and verdict.
    expect: the verdict the chapter's text was written for (``"holds"``, ``"does not hold at this
        scale"`` or ``"inconclusive"``).
    numbers: further numbers for the reader, printed on the ``measured:`` line.
    """
    if not isinstance(claim_id, str) or not CLAIM_ID.match(claim_id):
        raise ValueError(f"claim_id must look like '000-a' (three digits, dash, letter), "
                         f"got {claim_id!r}")
    if claim_id not in CLAIMS:
        raise ValueError(f"unknown claim {claim_id!r}; the book checks {', '.join(CLAIMS)}")
    if not isinstance(statement, str) or not statement.strip() or "\n" in statement:
        raise ValueError("statement must be a non-empty single line of text")
    if not isinstance(evidence, Evidence):
        raise TypeError(f"evidence must come from vaebook.stats (paired, per_seed or bootstrap), "
                        f"got {type(evidence).__name__}")
    if expect not in VERDICTS:
        raise ValueError(f"expect must be one of {VERDICTS}, got {expect!r}")
    clean: dict[str, float] = {}
    for name, value in numbers.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"number {name!r} must be a number, got {type(value).__name__}") from None
        if math.isnan(number):
            raise ValueError(f"number {name!r} is NaN")
        clean[name] = number
    if evidence.verdict == INCONCLUSIVE and len(evidence.per_unit) >= 2:
        # how many seeds a new design would plan from these numbers (shown, never acted on here)
        needed, capped = seeds_needed(evidence.per_unit, delta=evidence.delta)
        clean["seeds_to_decide_over" if capped else "seeds_to_decide"] = float(needed)
    result = ClaimResult(claim_id, statement.strip(), evidence.verdict, evidence, clean,
                         evidence.reading)
    print(result.line())
    print(result.measured_line())
    _RESULTS[:] = [r for r in _RESULTS if r.claim_id != claim_id] + [result]
    if result.verdict != expect:
        message = (f"claim {claim_id}: the chapter's text was written for '{expect}', but the "
                   f"computed numbers now say '{result.verdict}' ({evidence.summary()})")
        if mode() == "report":
            print(f"  report mode: {message}; read the chapter's conclusions with this in mind")
        else:
            raise ClaimError(message + "; update the chapter, or set VAEBOOK_CLAIMS=report to "
                             "see the consequences of a change without stopping")


def results() -> list[ClaimResult]:
    """The claims checked so far in this process, one per id (latest wins)."""
    return list(_RESULTS)


def _parse_measured(line: str) -> tuple[Evidence, dict[str, float]] | None:
    m = _MEASURED.match(line)
    if not m:
        return None
    effect, unit, low, high, method, delta, extra = m.groups()
    numbers: dict[str, float] = {}
    for item in (extra or "").split(", "):
        if "=" in item:
            key, _, val = item.partition("=")
            numbers[key] = float(val)
    count = re.search(r"\d+", method)
    n = int(count.group()) if count else 0
    return Evidence(float(effect), float(low), float(high), n, float(delta), unit, method), numbers


def parse_notebook(path: str | Path) -> list[ClaimResult]:
    """Read the claim lines (and their ``measured:`` lines) from a notebook's stream outputs."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found: list[ClaimResult] = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream":
                continue
            text = out.get("text", "")
            lines = ("".join(text) if isinstance(text, list) else text).splitlines()
            for i, line in enumerate(lines):
                m = _LINE.match(line)
                if not m:
                    continue
                parsed = _parse_measured(lines[i + 1]) if i + 1 < len(lines) else None
                if parsed is None:
                    raise ValueError(f"{path}: claim {m.group(1)} has no readable 'measured:' line")
                found.append(ClaimResult(m.group(1), m.group(4), m.group(2), *parsed,
                                         reading=m.group(3) or ""))
    return found


def _number(value: float) -> str:
    return f"{value:+.3g}"


def _ledger_rows(notebooks: Iterable[str | Path]) -> dict[str, tuple[str, ClaimResult]]:
    """claim id -> (notebook stem, result) for every claim the notebooks' outputs judge."""
    rows: dict[str, tuple[str, ClaimResult]] = {}
    for nb in sorted(Path(p) for p in notebooks):
        for r in parse_notebook(nb):
            rows[r.claim_id] = (nb.stem, r)
    return rows


def ledger_markdown(notebooks: Iterable[str | Path]) -> str:
    """The claims ledger: a compact table of verdicts, then one entry per claim with its evidence.

    notebooks: the committed chapter notebooks (their outputs are read, nothing is run).
    """
    rows = _ledger_rows(notebooks)
    table = ["| claim | chapter | verdict here | effect [95% CI] | evidence |",
             "|:---|:---:|:---|:---|:---|"]
    details = []
    for cid, claim in CLAIMS.items():
        anchor = f"claim-{cid}"
        if cid not in rows:
            table.append(f"| [{cid}](#{anchor}) | {claim.chapter} | not yet checked | | |")
            details.append(f"({anchor})=\n### {cid}\n\n{claim.text}.\n\nNot yet checked.\n")
            continue
        stem, r = rows[cid]
        e = r.evidence
        table.append(f"| [{cid}](#{anchor}) | [{claim.chapter}](../notebooks/{stem}.ipynb) | "
                     f"**{r.verdict_text}** | {_number(e.effect)} [{_number(e.low)}, {_number(e.high)}] "
                     f"{e.unit.replace('|', chr(92) + '|')} | {e.method}, delta {e.delta:.3g} |")
        numbers = ", ".join(f"{k} = {_fmt(v)}" for k, v in r.numbers.items())
        details.append(
            f"({anchor})=\n### {cid}: {r.verdict_text}\n\n"
            f"- **Claim** (paraphrased from the paper's abstract): {claim.text}.\n"
            f"- **As tested here**: {r.statement}.\n"
            f"- **Evidence**: effect {_number(e.effect)} {e.unit}, 95% CI [{_number(e.low)}, "
            f"{_number(e.high)}], {e.method}; smallest effect of interest {e.delta:.3g}.\n"
            + (f"- **Other numbers**: {numbers}.\n" if numbers else "")
            + f"- **The paper's setting**: {claim.paper_setting}.\n"
            f"- **Where**: chapter {claim.chapter}, [`{stem}.ipynb`](../notebooks/{stem}.ipynb).\n")
    return "\n".join(table) + "\n\n" + "\n".join(details)


def _claim_summary(text: str) -> str:
    """A claim's text for the intro's table: the book's own checks marked in a few words."""
    own = re.match(r"^\(the book's own check(?:, [^)]*)?\) ", text)
    return "*(the book's own check)* " + text[own.end():] if own else text


def verdicts_markdown(notebooks: Iterable[str | Path], ledger: str = "claims_ledger.md") -> str:
    """The intro page's one-screen table: every claim of the ledger, its chapter and our verdict.

    Built from the same rows as the ledger's table (:func:`ledger_markdown`), so the two cannot
    disagree; each claim links to its ledger entry (the ``(claim-XXX-x)=`` targets there), each
    verdict to the ledger page.
    """
    rows = _ledger_rows(notebooks)
    table = ["| claim | chapter | the claim, paraphrased | verdict here |", "|:---|:---:|:---|:---|"]
    for cid, claim in CLAIMS.items():
        if cid in rows:
            stem, r = rows[cid]
            chapter = f"[{claim.chapter}](../notebooks/{stem}.ipynb)"
            verdict = f"**{r.verdict_text}**"
        else:
            chapter, verdict = str(claim.chapter), "not yet checked"
        table.append(f"| [{cid}](#claim-{cid}) | {chapter} | {_claim_summary(claim.text)} | {verdict} |")
    return "\n".join(table) + "\n"


def _rewrite_block(page: str | Path, begin: str, end: str, body: str) -> bool:
    """Replace the text between ``begin`` and ``end`` in ``page`` with ``body``; return whether it changed."""
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise ValueError(f"{page} has no {begin} ... {end} markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{begin}\n{body}{end}{tail}"
    if new != text:
        tmp = page.with_suffix(page.suffix + ".tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(page)
    return new != text


def update_ledger_page(page: str | Path, notebooks: Iterable[str | Path]) -> bool:
    """Rewrite the text between the ledger markers of ``page``; return whether it changed."""
    return _rewrite_block(page, LEDGER_BEGIN, LEDGER_END, ledger_markdown(notebooks))


def update_intro_page(page: str | Path, notebooks: Iterable[str | Path]) -> bool:
    """Rewrite the table of verdicts between the verdicts markers of ``page`` (the intro)."""
    return _rewrite_block(page, VERDICTS_BEGIN, VERDICTS_END, verdicts_markdown(notebooks))


# python -m vaebook.claims [--intro book/intro.md] book/claims_ledger.md notebooks/*.ipynb
if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Rewrite the claims ledger (and the intro's "
                                     "table of verdicts) from the committed notebooks' outputs.")
    parser.add_argument("--intro", help="also rewrite the verdicts block of this page")
    parser.add_argument("ledger")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    changed = update_ledger_page(args.ledger, args.notebooks)
    print(f"{args.ledger}: {'updated' if changed else 'up to date'}")
    if args.intro:
        changed = update_intro_page(args.intro, args.notebooks)
        print(f"{args.intro}: {'updated' if changed else 'up to date'}")
