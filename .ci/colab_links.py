"""Keep every notebook's Colab badge and Colab install line in step with _config.yml.

The repository URL, branch and release tag live in one place, `_config.yml` (`repository:`).
    python .ci/colab_links.py          rewrite the notebooks (make colab-links)
    python .ci/colab_links.py --check  exit 1 and list the notebooks that disagree (the tests)
The badge image is served from the book itself (book/images/colab-badge.svg), so the published
HTML requests nothing from another host; the install line installs the tagged release, not main.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BADGE = re.compile(r"\[!\[Open [Ii]n Colab\]\([^)]*\)\]\([^)]*\)")
INSTALL = re.compile(r'"vaebook @ git\+[^"]*"')


def settings() -> tuple[str, str, str]:
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = repo["url"].rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(f"_config.yml repository.url must be https://github.com/OWNER/NAME, got {url}")
    return url, repo["branch"], repo["release"]


def expected_lines(name: str) -> tuple[str, str]:
    url, branch, release = settings()
    slug = url.removeprefix("https://github.com/")
    badge = (f"[![Open in Colab](../book/images/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{name})")
    return badge, f'"vaebook @ git+{url}@{release}"'


def fix(path: Path) -> bool:
    """Rewrite the badge and install line of one notebook; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    badge, install = expected_lines(path.name)
    found = {"badge": False, "install": False}
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        new = src
        if cell["cell_type"] == "markdown" and BADGE.search(src):
            new, found["badge"] = BADGE.sub(lambda _: badge, src), True
        if cell["cell_type"] == "code" and INSTALL.search(src):
            new, found["install"] = INSTALL.sub(lambda _: install, src), True
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
    missing = [k for k, v in found.items() if not v]
    if missing:
        raise ValueError(f"{path.name}: no Colab {' or '.join(missing)} found")
    out = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if json.loads(out) != json.loads(text):
        path.write_text(out, encoding="utf-8")
        return True
    return False


def stale(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    badge, install = expected_lines(path.name)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    return not (any(badge in s for s in sources) and any(install in s for s in sources))


if __name__ == "__main__":
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if "--check" in sys.argv:
        bad = [p.name for p in notebooks if stale(p)]
        if bad:
            print("Colab badge or install line out of date (run `make colab-links`): " + ", ".join(bad))
            sys.exit(1)
        print(f"{len(notebooks)} notebooks agree with _config.yml")
    else:
        for p in notebooks:
            print(f"{p.name}: {'rewritten' if fix(p) else 'up to date'}")
