"""How close the fast path's compiled e^x (``digitnet._kernels.common._exp``) is to the true e^x.

Run:  python benchmarks/exp_accuracy.py

Two million points from -87 to 88 in float32 and float64, against NumPy's exp in long double;
prints the largest error in units of the last place and relative to e^x.
"""

import numba
import numpy as np

from digitnet._kernels import common
from digitnet._lanes import load, store, width


@numba.njit(fastmath=common._FASTMATH)
def _exp_all(x, out):
    for k in range(0, len(x), width(x)):
        store(out, k, len(x) - k, common._exp(load(x, k, len(x) - k)))


def main():
    for dtype in (np.float32, np.float64):
        x = np.linspace(-87, 88, 2_000_003).astype(dtype)
        out = np.empty_like(x)
        _exp_all(x, out)
        exact = np.exp(x.astype(np.longdouble))
        error = np.abs(out.astype(np.longdouble) - exact)
        units = error / np.spacing(exact.astype(dtype)).astype(np.longdouble)
        print(f"{np.dtype(dtype).name}: within {float(units.max()):.1f} units in the last place, "
              f"{float((error / exact).max()):.1e} of e^x")


if __name__ == "__main__":
    main()
