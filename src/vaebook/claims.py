"""Assert a paper's claim from numbers a notebook computed.

A chapter calls :func:`check` once per claim. It prints one stable line that nbval compares,

    claim 003-a: holds — mean TC exceeds sampled TC

then the measured numbers on a second line (``  measured: ...``) that the test set-up
sanitises, so the numbers may drift a little without failing CI while the verdict may not.

A claim that does not hold at the scale the book can run is shown honestly: call
:func:`check` with ``expected=False``. The line then says ``does not hold at this scale``,
and the call raises as soon as the evidence starts supporting the claim, so the chapter's
text cannot silently go stale in either direction.

The claims ledger page (``book/claims_ledger.md``) is built from the committed notebooks'
outputs by :func:`update_ledger_page` (``make ledger``); a test keeps it up to date.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["CLAIMS", "ClaimError", "ClaimResult", "check", "results", "parse_notebook", "ledger_markdown",
           "update_ledger_page"]

CLAIM_ID = re.compile(r"^\d{3}-[a-z]$")
HOLDS = "holds"
NOT_HERE = "does not hold at this scale"
_LINE = re.compile(r"^claim (\d{3}-[a-z]): (holds|does not hold at this scale) — (.+)$")
_MEASURED = re.compile(r"^  measured: (.*)$")


class ClaimError(AssertionError):
    """The computed numbers no longer agree with what the chapter says about a claim."""


@dataclass(frozen=True)
class ClaimResult:
    claim_id: str
    statement: str
    verdict: str
    measured: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        return f"claim {self.claim_id}: {self.verdict} — {self.statement}"

    def measured_line(self) -> str:
        return "  measured: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.measured.items())


_RESULTS: list[ClaimResult] = []

# The claims the book checks: id -> (paraphrase, chapter). 000/002/003 come from the seed papers'
# abstracts (shared/claims.md); 1NN are the book's own checks of chapter NN.
CLAIMS: dict[str, tuple[str, int]] = {
    "101-a": ("(the book's own check) a VAE trained without labels has a mean representation from "
              "which a linear probe reads the digit class far above chance", 1),
    "102-a": ("(the book's own check) a VAE's mean codes probe at least as well as its sampled "
              "codes", 2),
    "102-b": ("(the book's own check) a collapsed latent (a small fraction of the rate) probes "
              "worse than an active one", 2),
    "000-a": ("a VAE's mean representation is less competitive for classification than a "
              "non-latent model's (e.g. a deterministic autoencoder)", 2),
    "000-b": ("with a decoder that can model only local structure, the latent captures the global "
              "features (fewer nats, more of them about the class)", 3),
    "000-c": ("that latent improves downstream classification (linear probe on the mean)", 3),
    "000-d": ("it improves data efficiency in semi-supervised / few-label learning", 3),
    "002-a": ("in semi-supervised VAEs a good ELBO does not imply accurate inference", 4),
    "002-b": ("the ELBO objective cannot use the label information directly", 4),
    "002-c": ("there is an ELBO bottleneck: optimising ELBO past it does not improve accuracy", 4),
    "002-d": ("the smooth-ELBO (label predictive loss inside the bound) improves accuracy", 5),
    "002-e": ("optimal interpolation further improves accuracy by tightening the ELBO-likelihood "
              "margin", 5),
    "003-a": ("mean representations are more correlated than sampled ones", 7),
    "003-b": ("only a subset of latent variables is active; the rest are passive (selective "
              "posterior collapse)", 7),
    "003-c": ("active variables are equally disentangled / correlated in mean and sampled "
              "representations", 7),
    "003-d": ("passive variables cause the discrepancy: highly correlated in mean, uncorrelated "
              "in sampled", 7),
    "003-e": ("removing passive variables lowers the mean representation's correlation without "
              "hurting downstream use", 7),
}
LEDGER_BEGIN = "<!-- ledger:begin -->"
LEDGER_END = "<!-- ledger:end -->"


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def check(claim_id: str, statement: str, holds: bool, *, expected: bool = True,
          **measured: float) -> None:
    """Print and record the verdict on a claim; raise :class:`ClaimError` if it is not as expected.

    Returns nothing, so that a notebook cell shows only the printed lines (see :func:`results`).

    claim_id: an id from ``claims.md`` such as ``"000-a"``.
    statement: what the numbers show, in a few words (printed, compared by nbval).
    holds: the comparison computed from the measured numbers, e.g. ``tc_mean > 2 * tc_sampled``.
    expected: ``True`` to assert the claim; ``False`` to assert that, at this scale, it does not
        hold (a documented negative result).
    measured: the numbers behind the verdict, printed on a line that nbval does not compare.
    """
    if not isinstance(claim_id, str) or not CLAIM_ID.match(claim_id):
        raise ValueError(f"claim_id must look like '000-a' (three digits, dash, letter), "
                         f"got {claim_id!r}")
    if claim_id not in CLAIMS:
        raise ValueError(f"unknown claim {claim_id!r}; the book checks {', '.join(CLAIMS)}")
    if not isinstance(statement, str) or not statement.strip() or "\n" in statement:
        raise ValueError("statement must be a non-empty single line of text")
    if isinstance(holds, np.bool_):  # comparisons of NumPy numbers give numpy.bool_
        holds = bool(holds)
    if not isinstance(holds, bool):
        raise TypeError(f"holds must be a bool computed from the numbers, got "
                        f"{type(holds).__name__}")
    clean: dict[str, float] = {}
    for name, value in measured.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"measured value {name!r} must be a number, got "
                            f"{type(value).__name__}") from None
        if math.isnan(number):
            raise ValueError(f"measured value {name!r} is NaN")
        clean[name] = number
    result = ClaimResult(claim_id, statement.strip(), HOLDS if holds else NOT_HERE, clean)
    print(result.line())
    if clean:
        print(result.measured_line())
    if holds != expected:
        want = "hold" if expected else "not hold"
        raise ClaimError(f"claim {claim_id} was expected to {want} but the computed numbers say "
                         f"otherwise ({result.measured_line().strip()}); update the chapter")
    _RESULTS[:] = [r for r in _RESULTS if r.claim_id != claim_id] + [result]


def results() -> list[ClaimResult]:
    """The claims checked so far in this process, one per id (latest wins)."""
    return list(_RESULTS)


def parse_notebook(path: str | Path) -> list[ClaimResult]:
    """Read the claim lines from a committed notebook's stream outputs."""
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
                measured: dict[str, float] = {}
                if i + 1 < len(lines) and (mm := _MEASURED.match(lines[i + 1])):
                    for item in mm.group(1).split(", "):
                        key, _, val = item.partition("=")
                        measured[key] = float(val)
                found.append(ClaimResult(m.group(1), m.group(3), m.group(2), measured))
    return found


def ledger_markdown(notebooks: Iterable[str | Path]) -> str:
    """The claims ledger table: every claim of :data:`CLAIMS` with its verdict and numbers.

    notebooks: the committed chapter notebooks (their outputs are read, nothing is run).
    """
    rows: dict[str, tuple[str, ClaimResult]] = {}
    for nb in sorted(Path(p) for p in notebooks):
        for r in parse_notebook(nb):
            rows[r.claim_id] = (nb.name, r)
    out = ["| id | claim (paraphrased from the paper's abstract) | chapter | verdict here "
           "| what we measured | notebook |",
           "|---|---|---|---|---|---|"]
    for cid, (text, chapter) in CLAIMS.items():
        if cid in rows:
            nb, r = rows[cid]
            numbers = ", ".join(f"{k} = {_fmt(v)}" for k, v in r.measured.items())
            out.append(f"| {cid} | {text} | {chapter} | **{r.verdict}**: {r.statement} | "
                       f"{numbers} | `{nb}` |")
        else:
            out.append(f"| {cid} | {text} | {chapter} | not yet checked | | |")
    return "\n".join(out) + "\n"


def update_ledger_page(page: str | Path, notebooks: Iterable[str | Path]) -> bool:
    """Rewrite the table between the ledger markers of ``page``; return whether it changed."""
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    if LEDGER_BEGIN not in text or LEDGER_END not in text:
        raise ValueError(f"{page} has no {LEDGER_BEGIN} ... {LEDGER_END} markers")
    head, rest = text.split(LEDGER_BEGIN, 1)
    _, tail = rest.split(LEDGER_END, 1)
    new = f"{head}{LEDGER_BEGIN}\n{ledger_markdown(notebooks)}{LEDGER_END}{tail}"
    if new != text:
        tmp = page.with_suffix(page.suffix + ".tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(page)
    return new != text


if __name__ == "__main__":  # python -m vaebook.claims book/claims_ledger.md notebooks/*.ipynb
    import sys

    changed = update_ledger_page(sys.argv[1], sys.argv[2:])
    print(f"{sys.argv[1]}: {'updated' if changed else 'up to date'}")
