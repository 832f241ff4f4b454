"""The book builds from the committed notebooks with warnings as errors (as `make book` does)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    chapter = (built_book / "notebooks" / "01_vanilla_vae.html").read_text(encoding="utf-8")
    assert "The vanilla VAE" in chapter and chapter.count("<img") >= 8
    assert (built_book / "book" / "claims_ledger.html").exists()
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not served locally"


CHAPTERS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


def markdown_cells(notebook: Path) -> list[str]:
    """The text of every markdown cell of a notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def chapter_exercises(markdown: list[str]) -> list[str]:
    """The numbered items of a chapter's '## Exercises' section, whitespace-normalised."""
    text = next(cell for cell in markdown if "## Exercises" in cell)
    section = re.split(r"\n## ", text.split("## Exercises", 1)[1])[0]
    items = re.split(r"\n(?=\d+\. )", "\n" + section)[1:]
    return [" ".join(re.sub(r"^\d+\. ", "", item).split()) for item in items]


def page_exercises(text: str) -> dict[str, str]:
    """label -> whitespace-normalised statement of every {exercise} on a solutions page."""
    found = re.findall(r"::::\{exercise\}[^\n]*\n:label: (\S+)\n(?::\w+:[^\n]*\n)*(.*?)\n::::\n", text, re.S)
    return {label: " ".join(body.split()) for label, body in found}


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_exercise_has_a_solution(notebook):
    page = ROOT / "book" / "solutions" / f"{notebook.stem}.md"
    assert page.exists(), f"no solutions page {page.relative_to(ROOT)} for {notebook.name}"
    markdown, text = markdown_cells(notebook), page.read_text(encoding="utf-8")
    chapter, number = chapter_exercises(markdown), int(notebook.stem[:2])
    on_page = page_exercises(text)
    labels = [f"ch{number}-ex{k}" for k in range(1, len(chapter) + 1)]
    assert list(on_page) == labels, f"{page.name}: exercises {list(on_page)}, expected {labels}"
    for label, statement in zip(labels, chapter, strict=True):
        assert on_page[label] == statement, f"{label} on {page.name} differs from the chapter's text"
    solutions = re.findall(r"::::\{solution\} (\S+)\n:class: dropdown\n", text)
    assert solutions == labels, f"{page.name}: solutions {solutions}, expected one folded solution each"
    link = f"../book/solutions/{notebook.stem}.md"
    assert any(link in cell for cell in markdown), f"{notebook.name} does not link to {link}"
