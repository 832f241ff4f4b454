"""Autograder for the course assignments, without nbgrader's database or a JupyterHub.

    python -m vaebook.grade <chapter> <student.ipynb> [--source SOURCE.ipynb] [--timeout S]

``chapter`` is the chapter number (1-7) or the source notebook's name. The grader

1. reads the instructor source ``notebooks/assignments/NN_<topic>_assignment.ipynb``;
2. puts every test cell of the source (nbgrader metadata ``grade: true, solution: false``,
   hidden tests included) back into the student's notebook by its ``grade_id``, so a student
   cannot delete or weaken a check, and adds any test cell the student's copy lacks;
3. executes the notebook in a fresh kernel with nbclient (errors do not stop the run, so every
   check is tried) with ``VAEBOOK_CLAIMS=report``;
4. prints one line per exercise: points scored out of points possible, and for each failed check
   the last line of its error (the assertion's message). Written answers (``grade: true,
   solution: true`` markdown cells) are listed as "needs a teacher", with their points.

A check scores its points when its cell runs without an error, as in nbgrader's autograder.
The exit status is 0 when every automatic check passed, 1 otherwise. ``--json`` writes the
scores to a file. Only nbformat and nbclient are needed (both ship with Jupyter and Colab).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

__all__ = ["Check", "Report", "find_source", "restore_tests", "grade", "grade_notebook", "main"]

SOURCE_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks" / "assignments"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Check:
    grade_id: str
    exercise: str
    points: float
    max_points: float
    kind: str  # "auto" (a test cell) or "manual" (a written answer a teacher grades)
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.kind == "auto" and self.points == self.max_points


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def auto_points(self) -> float:
        return sum(c.points for c in self.checks if c.kind == "auto")

    @property
    def auto_max(self) -> float:
        return sum(c.max_points for c in self.checks if c.kind == "auto")

    @property
    def manual_max(self) -> float:
        return sum(c.max_points for c in self.checks if c.kind == "manual")

    def exercises(self) -> dict[str, list[Check]]:
        out: dict[str, list[Check]] = {}
        for c in self.checks:
            out.setdefault(c.exercise, []).append(c)
        return out

    def text(self) -> str:
        lines = []
        for exercise, checks in self.exercises().items():
            auto = [c for c in checks if c.kind == "auto"]
            manual = [c for c in checks if c.kind == "manual"]
            parts = []
            if auto:
                parts.append(f"{sum(c.points for c in auto):g}/{sum(c.max_points for c in auto):g} "
                             f"automatic")
            if manual:
                parts.append(f"{_pts(sum(c.max_points for c in manual))} for a teacher")
            lines.append(f"exercise {exercise}: " + ", ".join(parts))
            for c in checks:
                if c.kind == "auto":
                    status = "passed" if c.passed else "FAILED"
                    lines.append(f"  {c.grade_id}: {status} ({c.points:g}/{c.max_points:g})"
                                 + (f": {c.message}" if c.message else ""))
                else:
                    lines.append(f"  {c.grade_id}: needs a teacher ({_pts(c.max_points)}, "
                                 f"see the rubric in the teaching guide)")
        extra = f", plus {_pts(self.manual_max)} for a teacher to grade" if self.manual_max else ""
        lines.append(f"total: {self.auto_points:g}/{self.auto_max:g} automatic points{extra}")
        return "\n".join(lines)


def _pts(n: float) -> str:
    return f"{n:g} point" + ("" if n == 1 else "s")


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell) -> bool:
    m = _meta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell["cell_type"] == "code"


def _is_manual(cell) -> bool:
    m = _meta(cell)
    return bool(m.get("grade")) and bool(m.get("solution")) and cell["cell_type"] == "markdown"


def _exercise(grade_id: str) -> str:
    """Exercise name from a grade_id such as ``ex1_2_tests`` -> ``1.2``."""
    found = re.match(r"ex(\d+)_(\d+)", grade_id)
    return f"{found.group(1)}.{found.group(2)}" if found else grade_id


def find_source(chapter: str, source_dir: str | Path = SOURCE_DIR) -> Path:
    """The instructor notebook of a chapter, given its number ("1", "01") or a file name."""
    source_dir = Path(source_dir)
    path = Path(chapter)
    if path.suffix == ".ipynb" and path.exists():
        return path
    if chapter.isdigit():
        found = sorted(source_dir.glob(f"{int(chapter):02d}_*_assignment.ipynb"))
    else:
        found = sorted(source_dir.glob(f"{chapter}*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(f"no single assignment source for chapter {chapter!r} under {source_dir} "
                                f"(found {[p.name for p in found]}); pass --source")
    return found[0]


def restore_tests(student: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``student`` whose test cells are the source's (hidden tests included), by grade_id.

    A test cell the student deleted is inserted after the cell that precedes it in the source
    (or at the end). Cells without nbgrader metadata are kept as the student left them.
    """
    out = copy.deepcopy(student)
    tests = {_meta(c)["grade_id"]: c for c in source.cells if _is_test(c)}
    ids = [_meta(c).get("grade_id") for c in out.cells]
    for gid, cell in tests.items():
        if gid in ids:
            target = out.cells[ids.index(gid)]
            target["source"] = cell["source"]
            target["metadata"] = copy.deepcopy(cell["metadata"])
            target["cell_type"] = "code"
            target.setdefault("outputs", [])
            target.setdefault("execution_count", None)
        else:
            src_ids = [_meta(c).get("grade_id") for c in source.cells]
            before = [_meta(c).get("grade_id") for c in source.cells[:src_ids.index(gid)]]
            at = len(out.cells)
            for prev in reversed(before):
                if prev and prev in ids:
                    at = ids.index(prev) + 1
                    break
            new = copy.deepcopy(cell)
            new["outputs"], new["execution_count"] = [], None
            out.cells.insert(at, new)
            ids.insert(at, gid)
    return out


def _error_message(cell) -> str | None:
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            value = _ANSI.sub("", str(o.get("evalue", ""))).strip()
            value = value.splitlines()[-1] if value else ""
            return f"{o.get('ename', 'Error')}: {value}" if value else o.get("ename", "Error")
    return None


def grade_notebook(nb: nbformat.NotebookNode, *, timeout: int = 600, cwd: str | Path | None = None,
                   kernel_name: str = "python3") -> tuple[Report, nbformat.NotebookNode]:
    """Execute ``nb`` (tests already restored) and score it; return the report and the executed notebook."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    old = os.environ.get("VAEBOOK_CLAIMS")
    os.environ["VAEBOOK_CLAIMS"] = "report"
    try:
        NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name=kernel_name,
                       resources={"metadata": {"path": str(cwd or Path.cwd())}}).execute()
    finally:
        if old is None:
            os.environ.pop("VAEBOOK_CLAIMS", None)
        else:
            os.environ["VAEBOOK_CLAIMS"] = old
    report = Report()
    for cell in nb.cells:
        m = _meta(cell)
        if _is_test(cell):
            error = _error_message(cell)
            pts = float(m.get("points", 0))
            report.checks.append(Check(m["grade_id"], _exercise(m["grade_id"]), 0.0 if error else pts, pts,
                                       "auto", error or ""))
        elif _is_manual(cell):
            pts = float(m.get("points", 0))
            report.checks.append(Check(m["grade_id"], _exercise(m["grade_id"]), 0.0, pts, "manual"))
    return report, nb


def grade(chapter: str, student_path: str | Path, *, source: str | Path | None = None,
          timeout: int = 600) -> tuple[Report, nbformat.NotebookNode]:
    """Grade one student notebook against its chapter's source (see the module docstring)."""
    source_path = Path(source) if source else find_source(str(chapter))
    src = nbformat.read(str(source_path), as_version=4)
    student = nbformat.read(str(student_path), as_version=4)
    restored = restore_tests(student, src)
    return grade_notebook(restored, timeout=timeout, cwd=Path(student_path).resolve().parent)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vaebook.grade",
                                description="Score a student's assignment notebook (hidden tests restored).")
    p.add_argument("chapter", help="chapter number (1-7) or the source notebook's path")
    p.add_argument("student", type=Path, help="the student's notebook")
    p.add_argument("--source", type=Path, default=None, help="the instructor source notebook")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    p.add_argument("--json", type=Path, default=None, help="also write the scores as JSON here")
    p.add_argument("--executed", type=Path, default=None, help="also save the executed notebook here")
    args = p.parse_args(argv)
    if not args.student.exists():
        p.error(f"no such notebook: {args.student}")
    try:
        report, executed = grade(args.chapter, args.student, source=args.source, timeout=args.timeout)
    except FileNotFoundError as err:
        p.error(str(err))
    print(report.text())
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in report.checks], indent=1) + "\n")
    if args.executed:
        nbformat.write(executed, str(args.executed))
    return 0 if report.auto_points == report.auto_max else 1


if __name__ == "__main__":
    sys.exit(main())
