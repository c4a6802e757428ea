"""Which modules a piece of code loads, run in a fresh interpreter from the repository's root."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules_loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that are in ``sys.modules`` after ``code`` ran in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {names!r} if m in sys.modules))\n"
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.split()
