"""The book builds from the committed notebooks with warnings as errors (as `make book` does)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_book_builds_without_warnings(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        jupyter_book = shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed: pip install -e '.[book]'"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(tmp_path), "-W", "-n",
         "--keep-going"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    chapter = (html / "notebooks" / "01_vanilla_vae.html").read_text(encoding="utf-8")
    assert "The vanilla VAE" in chapter and chapter.count("<img") >= 8
    assert (html / "book" / "claims_ledger.html").exists()
