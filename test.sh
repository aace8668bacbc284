#!/usr/bin/env bash
# Set up and run the whole test suite. PyTorch, when a wheel of it is on this machine's disk,
# is installed for the autograd comparison only (never from the network: --no-index).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh test
python -m pip install --quiet --no-index "torch==2.13.0" 2>/dev/null \
    || echo "PyTorch is not on this machine's disk: the autograd comparison will be reported as skipped"
python -m pytest "$@"
