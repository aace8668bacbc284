"""Fuzz the readers of untrusted files with many inputs; print what came out of each, counted.

    python benchmarks/fuzz.py                  # 5,000 inputs per target
    python benchmarks/fuzz.py --examples 20000 --target picture

The targets and their inputs are those of tests/test_fuzz.py (which tries 1,000 of each in
the test suite): model files, IDX files and pictures, real ones damaged and generated ones.
Messages are counted with the file's path shown as FILE, numbers as N and 0xH, so that those
saying the same thing are counted together. Anything but the project's own one-sentence error
is listed as "UNEXPECTED" (and makes the exit status 1).
"""

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as with_seed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_fuzz  # noqa: E402

TARGETS = {
    "model": (test_fuzz.model_inputs, lambda data, folder: test_fuzz.check_model_file(data, folder)),
    "idx": (test_fuzz.idx_inputs(), lambda data, folder: test_fuzz.check_idx_file(*data, folder)),
    "picture": (test_fuzz.picture_inputs, lambda data, folder: test_fuzz.check_picture(data)),
}


def shown(message, folder):
    """A message with the file's path as FILE and numbers as N."""
    message = re.sub(r"0x[0-9a-f]+", "0xH", message.replace(str(folder), "FILE"))
    return re.sub(r"\d[\d,.]*\d|\d", "N", message)


def fuzz(target, examples, folder, seed):
    """Run ``examples`` inputs through ``target``: (inputs tried, Counter of outcomes, seconds)."""
    strategy, check = TARGETS[target]
    outcomes = Counter()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck))
    @given(data=strategy)
    def run(data):
        try:
            outcomes[shown(check(data, folder), folder)] += 1
        except Exception as error:  # noqa: BLE001 - counted and reported, not raised
            outcomes[f"UNEXPECTED {type(error).__name__}: {str(error)[:300]}"] += 1

    if seed is not None:
        run = with_seed(seed)(run)
    started = time.perf_counter()
    run()
    return sum(outcomes.values()), outcomes, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="inputs per target (default 5000)")
    parser.add_argument("--target", choices=TARGETS, action="append", help="only this target (repeatable)")
    parser.add_argument("--seed", type=int, help="a random seed (default: Hypothesis's fixed derandomized one)")
    args = parser.parse_args(argv)
    unexpected = 0
    with tempfile.TemporaryDirectory() as folder:
        for target in args.target or TARGETS:
            tried, outcomes, seconds = fuzz(target, args.examples, Path(folder), args.seed)
            print(f"\n{target}: {tried:,} inputs in {seconds:.0f} s, {len(outcomes)} distinct outcomes")
            for outcome, count in outcomes.most_common():
                print(f"  {count:7,}  {outcome}")
            unexpected += sum(count for outcome, count in outcomes.items() if outcome.startswith("UNEXPECTED"))
    print(f"\n{unexpected} unexpected outcomes")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
