"""Every page of the built book, opened in a real browser (headless Chromium) without a network.

Playwright's Python package drives Debian's `chromium` (`make browser` installs it when missing).
For every page in the table of contents: no failed request, no request to another host, no
console error, every image with a non-zero size, math typeset by the local MathJax (no raw `\\(`
left), and a screenshot in `_build/screenshots/`. The search page finds "ELBO"; the claims
ledger's table fits a 1280-px-wide window.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "_build" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [ch["file"] for ch in part["chapters"]]
    return pages


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        print("\n*** BROWSER TEST SKIPPED: no chromium; run `make browser` (Debian: apt-get install "
              "chromium) to enable it ***")
        pytest.skip("chromium is not installed (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _open(browser, site, path, problems, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    host = urlparse(site).netloc

    def route(r):
        if urlparse(r.request.url).netloc == host:
            r.continue_()
        else:
            problems.append(f"request to another host: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(f"{site}/{path}", wait_until="load", timeout=60_000)
    return page


@pytest.mark.slow
@pytest.mark.parametrize("doc", toc_pages())
def test_page_loads_offline_with_math_and_images(browser, site, doc):
    problems: list[str] = []
    page = _open(browser, site, f"{doc}.html", problems)
    has_math = page.evaluate("document.querySelector('.math') !== null")
    if has_math:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
        page.evaluate("MathJax.startup.promise")
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=30_000)
        raw = page.evaluate("document.querySelector('main').innerText.includes('\\\\(')")
        assert not raw, f"{doc}: raw TeX left in the page (MathJax did not typeset it)"
    broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                           ".map(i => i.src)")
    assert not broken, f"{doc}: images with no size: {broken}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{doc.replace('/', '_')}.png"), full_page=False)
    page.close()
    assert not problems, f"{doc}: " + "; ".join(problems)


@pytest.mark.slow
def test_search_finds_elbo(browser, site):
    problems: list[str] = []
    page = _open(browser, site, "search.html?q=ELBO", problems)
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    hits = page.evaluate("document.querySelectorAll('#search-results ul.search li').length")
    page.screenshot(path=str(SHOTS / "search_ELBO.png"))
    page.close()
    assert hits > 0 and not problems, problems


@pytest.mark.slow
def test_claims_ledger_table_fits_a_laptop_screen(browser, site):
    problems: list[str] = []
    page = _open(browser, site, "book/claims_ledger.html", problems, width=1280)
    widths = page.evaluate("Array.from(document.querySelectorAll('main table')).map(t => "
                           "[t.scrollWidth, t.parentElement.clientWidth, t.getBoundingClientRect().right])")
    page.close()
    assert widths, "the ledger has no table"
    for scroll, room, right in widths:
        assert scroll <= room + 1 and right <= 1280, f"the ledger table is cut: {scroll} px in {room} px"
    assert not problems, problems
