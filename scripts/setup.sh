# Sourced by run.sh and test.sh: make .venv with digitnet installed in it, then activate it.
# The first argument names the extra dependencies to install as well ("test"), or is empty.
# Needs Python 3.10 or newer (set PYTHON=/path/to/python3 to choose one) and access to PyPI.
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "digitnet needs Python 3.10 or newer; set PYTHON=/path/to/python3.10+ and run again" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".${1:+[$1]}"
# compile the fast path (Numba) now, once, rather than in the first training (its cache stays)
python -c 'from digitnet import Network, fast; fast.warm_up(Network(), training=True)' \
    || echo "could not compile the fast path: training will use the plain NumPy path"
