import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_notebook_links_colab_and_installs_the_configured_release():
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "colab_links.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
