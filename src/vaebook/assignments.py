"""Course assignments: student versions from the instructor sources, with nbgrader's preprocessors.

Each chapter has one source notebook, ``notebooks/assignments/NN_<topic>_assignment.ipynb`` (the
instructor version), written in nbgrader's conventions: solution code between
``### BEGIN SOLUTION`` / ``### END SOLUTION``, hidden checks between ``### BEGIN HIDDEN TESTS`` /
``### END HIDDEN TESTS``, and nbgrader cell metadata (``grade``, ``solution``, ``points``,
``grade_id``) on every graded cell, so the sources can be dropped into an nbgrader course
(``source/<assignment>/``) as they are.

The student version is made by nbgrader's own preprocessors, without its database or a course
directory: :class:`nbgrader.preprocessors.ClearSolutions` (solutions become ``# YOUR CODE HERE`` /
``raise NotImplementedError()``, written answers ``YOUR ANSWER HERE``),
:class:`~nbgrader.preprocessors.ClearHiddenTests`, :class:`~nbgrader.preprocessors.LockCells`
and :class:`~nbgrader.preprocessors.ClearOutput`.

    python -m vaebook.assignments            write notebooks/assignments/release/*.ipynb (make assignments)
    python -m vaebook.assignments --check    exit 1 when a student version is out of date

nbgrader is needed only here (the ``test`` extra installs it); :mod:`vaebook.grade` does not need it.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import nbformat

__all__ = ["ROOT", "SOURCE_DIR", "RELEASE_DIR", "BOOK_PAGE", "sources", "student_version", "release_path",
           "render", "book_page", "main"]

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE_DIR = ROOT / "notebooks" / "assignments"
RELEASE_DIR = SOURCE_DIR / "release"
BOOK_PAGE = ROOT / "book" / "assignments.md"
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.M)
_BETWEEN = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def sources(source_dir: str | Path = SOURCE_DIR) -> list[Path]:
    """The instructor notebooks, in chapter order."""
    found = sorted(Path(source_dir).glob("[0-9][0-9]_*_assignment.ipynb"))
    if not found:
        raise FileNotFoundError(f"no NN_<topic>_assignment.ipynb sources under {source_dir}")
    return found


def release_path(source: str | Path, release_dir: str | Path = RELEASE_DIR) -> Path:
    return Path(release_dir) / Path(source).name


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of an instructor notebook (a new notebook; ``nb`` is not changed)."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

    out = copy.deepcopy(nb)
    resources = {"language": "python"}
    for pre in (ClearSolutions(), ClearHiddenTests(), LockCells(), ClearOutput()):
        out, resources = pre.preprocess(out, resources)
    for cell in out.cells:
        cell.pop("id", None)  # keep the files' diffs small and stable
    out.metadata.pop("widgets", None)
    return out


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook as the repository stores it (one-space indent, UTF-8, trailing newline)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _exercises(nb: nbformat.NotebookNode) -> list[dict]:
    """Each exercise of a source: its title, statement (markdown) and solution (markdown)."""
    out: list[dict] = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        src = cell.source
        if cell.cell_type == "markdown" and src.startswith("## Exercise"):
            title, _, body = src.partition("\n")
            out.append(dict(title=title.removeprefix("## Exercise").strip(), statement=[body.strip()],
                            solution=[]))
        elif not out or meta.get("grade") and not meta.get("solution"):
            continue  # before the first exercise, or a test cell (hidden tests stay out of the book)
        elif meta.get("solution") and cell.cell_type == "markdown":
            question = src.split("### BEGIN SOLUTION")[0].strip()
            out[-1]["statement"].append(f"*Written answer ({meta.get('points', 0):g} points):* " + question)
            found = _BETWEEN.search(src)
            out[-1]["solution"].append(found.group(1).strip() if found else "")
        elif meta.get("solution"):
            out[-1]["solution"].append("```python\n" + _MARKERS.sub("", src).strip() + "\n```")
        elif cell.cell_type == "code":
            out[-1]["solution"].append("Then run:\n\n```python\n" + src.strip() + "\n```")
    return out


def book_page(paths: list[Path]) -> str:
    """The book's assignments page: every exercise, its solution behind a click (sphinx-exercise)."""
    parts = ["# Assignments and solutions", "",
             "Every chapter has a graded assignment, written once in nbgrader's conventions "
             "(`notebooks/assignments/`). The exercises are repeated here with their solutions "
             "folded away: click a solution to open it. The student edition of the book "
             "(`make book-student`) leaves the solutions out. How to hand the assignments out and "
             "grade them, the points and the rubrics: see [Teaching with this book](teaching.md).",
             "", "<!-- Generated by `python -m vaebook.assignments` (make assignments): edit the "
             "source notebooks, not this page. -->", ""]
    for path in paths:
        nb = _read(path)
        num = int(path.name[:2])
        header = nb.cells[0].source.splitlines()[0].removeprefix("# ")
        parts += [f"## {header}", "",
                  f"Source (instructor version): `notebooks/assignments/{path.name}`; student version: "
                  f"`notebooks/assignments/release/{path.name}`.", ""]
        for k, ex in enumerate(_exercises(nb), start=1):
            label = f"assignment-{num}-{k}"
            parts += [f"::::{{exercise}} {ex['title']}", f":label: {label}", "",
                      "\n\n".join(ex["statement"]), "::::", "",
                      f"::::{{solution}} {label}", ":class: dropdown", "",
                      "\n\n".join(ex["solution"]), "::::", ""]
    return "\n".join(parts).rstrip() + "\n"


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vaebook.assignments", description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="fail when a student version is out of date")
    p.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    p.add_argument("--release-dir", type=Path, default=None,
                   help="where the student versions go (default: SOURCE_DIR/release)")
    args = p.parse_args(argv)
    release_dir = args.release_dir or args.source_dir / "release"
    stale = []
    for src in sources(args.source_dir):
        text = render(student_version(_read(src)))
        dest = release_path(src, release_dir)
        if args.check:
            if not dest.exists() or dest.read_text(encoding="utf-8") != text:
                stale.append(dest.name)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        changed = not dest.exists() or dest.read_text(encoding="utf-8") != text
        dest.write_text(text, encoding="utf-8")
        print(f"{dest}: {'written' if changed else 'up to date'}")
    page = book_page(sources(args.source_dir))
    if args.check:
        if not BOOK_PAGE.exists() or BOOK_PAGE.read_text(encoding="utf-8") != page:
            stale.append(str(BOOK_PAGE.relative_to(ROOT)))
    elif args.source_dir == SOURCE_DIR:
        BOOK_PAGE.write_text(page, encoding="utf-8")
        print(f"{BOOK_PAGE}: written")
    if stale:
        print("student versions out of date (run `make assignments`): " + ", ".join(stale))
        return 1
    if args.check:
        print("every student version is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
