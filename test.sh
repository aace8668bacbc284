#!/usr/bin/env bash
# Set up and run the whole test suite. PyTorch, when a wheel of it is on this machine's disk,
# is installed for the autograd comparison only: the wheel itself is never downloaded
# (--no-index; PyPI would serve a multi-GB CUDA build), only its small dependencies.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh test
if python -m pip install --quiet --no-index --no-deps "torch==2.13.0" 2>/dev/null; then
    python -m pip install --quiet "torch==2.13.0"  # its small dependencies, from PyPI
else
    echo "PyTorch is not on this machine's disk: the autograd comparison will be reported as skipped"
fi
# the page's tests drive Debian's chromium; install it when we can (root with apt-get), else they are skipped
if [ ! -x /usr/bin/chromium ] && command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && apt-get install -y -qq chromium; } > /dev/null 2>&1 \
        || echo "could not install chromium: the page's browser tests will be reported as skipped"
fi
# the code's own checks first: lint (ruff) and the public API's types (mypy), as pyproject.toml configures them
python -m ruff check .
python -m mypy
python -m pytest "$@"
