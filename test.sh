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
# The fast path compiles for the CPU it runs on, and AVX2 and AVX-512 round sums differently, so a
# training ends a little differently on each CPU, and differently again on the NumPy path. The tests
# that assert on what a training learned (marked "training") run twice more: compiled for Haswell's
# AVX2 (NUMBA_CPU_FEATURES="" as well: else Numba adds this CPU's AVX-512 features to Haswell's; the
# fast path then keeps Tiles of 4 rows, and Numba caches that code apart from this CPU's), and
# without Numba. "$@" goes to the first run only: these two passes always run every training test.
# (Haswell's code runs on any CPU with AVX2; on one without, this pass is left out.)
if python -c "import sys, llvmlite.binding as llvm; has = llvm.get_host_cpu_features()
sys.exit(not all(has.get(f) for f in ('avx2', 'fma', 'bmi2', 'f16c', 'movbe')))" 2> /dev/null; then
    echo "The training tests again, compiled for an AVX2 CPU (NUMBA_CPU_NAME=haswell):"
    NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES="" python -m pytest -m training
else
    echo "This CPU has no AVX2: the training tests' pass compiled for Haswell is left out"
fi
echo "The training tests again, on the plain NumPy path (DIGITNET_FAST=0):"
DIGITNET_FAST=0 python -m pytest -m training
