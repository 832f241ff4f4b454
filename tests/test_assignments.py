"""The course assignments: sources in nbgrader's conventions, student versions up to date, and the
autograder proven both ways (every instructor version scores full points; every student version
scores zero on every automatic check: no check that cannot fail)."""

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from vaebook import assignments, grade

ROOT = Path(__file__).parent.parent
SOURCES = assignments.sources()
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _nb(path):
    return nbformat.read(str(path), as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_one_assignment_per_chapter():
    assert [p.name.removesuffix("_assignment.ipynb") for p in SOURCES] == [p.stem for p in CHAPTERS]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_follows_nbgrader_conventions(path):
    nb = _nb(path)
    ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    tests = [c for c in nb.cells if grade._is_test(c)]
    exercises = {grade._exercise(_meta(c)["grade_id"]) for c in tests}
    assert len(exercises) >= 3, "at least three graded exercises per chapter"
    for c in tests:
        assert _meta(c)["points"] > 0 and _meta(c)["locked"], f"{_meta(c)['grade_id']}: points, locked"
        assert "### BEGIN HIDDEN TESTS" in c.source and "### END HIDDEN TESTS" in c.source
        assert c.source.split("### BEGIN HIDDEN TESTS")[0].strip(), \
            f"{_meta(c)['grade_id']}: a visible self-check before the hidden tests"
    for c in nb.cells:
        if _meta(c).get("solution"):
            assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source, _meta(c)["grade_id"]
    for c in nb.cells:
        if c.cell_type == "markdown" and c.source.startswith("## Exercise"):
            assert re.search(r"points?\)", c.source.splitlines()[0]), "the heading states the points"
            assert "Time:" in c.source, "each exercise states its time"
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, "sources are committed without outputs"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_colab_badge_and_install_line_follow_config(path):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url, branch, release = repo["url"].rstrip("/"), repo["branch"], repo["release"]
    text = path.read_text(encoding="utf-8")
    slug = url.removeprefix("https://github.com/")
    assert (f"https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/assignments/release/"
            f"{path.name}") in text, "the badge must open the student version on Colab"
    assert f"vaebook @ git+{url}@{release}" in text, "the install line must install the configured release"


def test_student_versions_are_up_to_date(capsys):
    assert assignments.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_student_version_has_no_solutions_or_hidden_tests(path):
    student = assignments.release_path(path)
    text = student.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{student.name} contains {marker}"
    nb = json.loads(text)
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), "outputs cleared"
    assert "raise NotImplementedError()" in text and "YOUR ANSWER HERE" in text


def test_restore_tests_puts_back_deleted_and_weakened_checks():
    src = _nb(SOURCES[0])
    student = assignments.student_version(src)
    test_ids = [_meta(c)["grade_id"] for c in src.cells if grade._is_test(c)]
    student.cells = [c for c in student.cells if _meta(c).get("grade_id") != test_ids[0]]
    for c in student.cells:
        if _meta(c).get("grade_id") == test_ids[1]:
            c.source = "pass"
    restored = grade.restore_tests(student, src)
    by_id = {_meta(c).get("grade_id"): c for c in restored.cells if _meta(c)}
    originals = {_meta(c)["grade_id"]: c.source for c in src.cells if grade._is_test(c)}
    for gid in test_ids:
        assert by_id[gid].source == originals[gid], f"{gid} was not restored with its hidden tests"
    ids = [_meta(c).get("grade_id") for c in restored.cells]
    src_ids = [_meta(c).get("grade_id") for c in src.cells]
    before = src_ids[src_ids.index(test_ids[0]) - 1]
    assert ids.index(test_ids[0]) == ids.index(before) + 1, "a deleted check goes back where it was"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_instructor_version_passes_and_student_version_fails(path):
    """Execute both versions through the autograder (a few seconds to a minute each)."""
    report, _ = grade.grade(str(path), path, source=path, timeout=300)
    auto = [c for c in report.checks if c.kind == "auto"]
    assert auto and all(c.passed for c in auto), "instructor version fails:\n" + report.text()
    assert any(c.kind == "manual" for c in report.checks), "written answers are listed for a teacher"
    student = assignments.release_path(path)
    report, _ = grade.grade(str(path), student, source=path, timeout=300)
    auto = [c for c in report.checks if c.kind == "auto"]
    assert auto and all(c.points == 0 and c.message for c in auto), \
        "a check of the student version passed without the solution:\n" + report.text()
    assert report.auto_points == 0
