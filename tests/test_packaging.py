"""What a regular install (``pip install .``, a wheel) carries besides the Python files."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "digitnet"


def test_a_wheel_carries_every_file_of_the_package_that_git_tracks():
    """The page's HTML, JS and CSS and the bundled MNIST are data files: setuptools leaves out any
    that ``package-data`` does not name (the page was missing from a non-editable install)."""
    tracked = subprocess.run(["git", "ls-files", "src/digitnet"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    data_files = {ROOT / name for name in tracked if not name.endswith(".py")}
    table = (ROOT / "pyproject.toml").read_text().split("[tool.setuptools.package-data]")[1]
    patterns = json.loads(re.search(r"^digitnet = (\[.*\])$", table, re.M).group(1))  # (tomllib: Python 3.11+)
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    assert {PACKAGE / "web" / "static" / "index.html", PACKAGE / "data" / "mnist" / "README.md"} <= data_files
    assert data_files <= shipped, sorted(str(path.relative_to(ROOT)) for path in data_files - shipped)
