"""The committed outputs were produced with the locked versions, and make installs with the lock."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LINE = re.compile(r"^vaebook \S+, torch (\S+), numpy (\S+), scikit-learn (\S+), python (\S+), "
                  r"OMP_NUM_THREADS=(\S+)$", re.M)


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_the_lock_pins_the_numerical_stack():
    pins = _locked()
    for name in ("torch", "numpy", "scikit-learn", "scipy", "nbval", "jupyter-book"):
        assert name in pins, f"constraints.txt does not pin {name}"
    assert "-c $(LOCK)" in (ROOT / "Makefile").read_text(), "make must install with the lock"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_record_the_locked_versions(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"] if o["output_type"] == "stream")
    found = LINE.search(text)
    assert found, f"{path.name} does not print utils.versions() in its setup cell"
    torch_v, numpy_v, sklearn_v, _, threads = found.groups()
    pins = _locked()
    assert (torch_v.split("+")[0], numpy_v, sklearn_v) == \
        (pins["torch"], pins["numpy"], pins["scikit-learn"]), \
        f"{path.name} was executed with other versions than constraints.txt: re-execute it"
    assert threads == "2", f"{path.name} was executed with OMP_NUM_THREADS={threads}, CI uses 2"
