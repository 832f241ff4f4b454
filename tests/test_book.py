"""The book builds from the committed notebooks with warnings as errors (as `make book` does)."""

import pytest


@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    chapter = (built_book / "notebooks" / "01_vanilla_vae.html").read_text(encoding="utf-8")
    assert "The vanilla VAE" in chapter and chapter.count("<img") >= 8
    assert (built_book / "book" / "claims_ledger.html").exists()
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not served locally"
