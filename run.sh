#!/usr/bin/env bash
# Set up, train the seed's 784-16-16-10 network on the bundled MNIST, then show it working.
# Extra arguments go to `digitnet train`, e.g. ./run.sh --recipe modern
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh ""
digitnet train "$@"
echo
digitnet evaluate
echo
echo "Digits not from MNIST, drawn, written, scanned and photographed by other hands (own-digits/final):"
digitnet evaluate --images own-digits/final
echo
echo "Digits it has never seen, as image files (examples/):"
digitnet predict examples/*.png examples/*.jpg
echo
echo "What the network sees of examples/photo-7.jpg, 784 neurons from 0.0 to 1.0:"
digitnet predict examples/photo-7.jpg --show | tail -n 28
