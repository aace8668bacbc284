"""Step events per epoch and seconds per epoch of a training started the page's way, at full speed.

Run:  python benchmarks/page_training.py [--epochs 5] [--examples 60000] [--recipe seed]

The page's ``TrainingJob`` trains the recipe (the 60,000 MNIST digits by default) and its event
stream is read to the end, as the page reads it: this prints, for each epoch, the step events it
sent, the epoch's seconds (``EpochResult.seconds``: its steps and the hook's calls) and the wall
seconds from one epoch event to the next (the evaluation after each epoch and the events included), and
the process's CPU seconds per epoch (less moved than the wall seconds by other work on a busy machine).
The data is read before the clock starts. Run on an older checkout (PYTHONPATH=that/src) to compare:
before the step events the job sent one event per epoch.

Measured 2026-12-07 on the project's 2-core box (load about 1), the seed recipe on all 60,000 digits,
30 epochs each, in turn with the page as it was before the step events (d72ee7d), two rounds:

                     step events an epoch   epoch seconds: median (min)   wall per epoch: median (min)
  before (d72ee7d)   0                      0.055 (0.052), 0.053 (0.050)  0.066 (0.063), 0.063 (0.060)
  with step events   20                     0.054 (0.050), 0.050 (0.047)  0.065 (0.061), 0.060 (0.058)
"""

import argparse
import statistics
import time

from digitnet.web.training_job import TrainingJob


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--examples", type=int, default=None, help="the first N training digits (default: all)")
    parser.add_argument("--recipe", default="seed")
    args = parser.parse_args()
    job = TrainingJob(on_done=lambda network: None)
    job.data()  # read once, before the clock
    started, cpu_started = time.perf_counter(), time.process_time()
    job.start(args.recipe, epochs=args.epochs, examples=args.examples)
    steps, epoch_seconds, walls, last = {}, [], [], started
    for text in job.stream():
        name = text.split("\n", 1)[0].removeprefix("event: ")
        if name == "step":
            epoch = int(text.split('"epoch": ', 1)[1].split(",", 1)[0])
            steps[epoch] = steps.get(epoch, 0) + 1
        elif name == "epoch" and '"epoch": 0,' not in text:
            now = time.perf_counter()
            walls.append(now - last)
            last = now
            epoch_seconds.append(float(text.split('"seconds": ', 1)[1].split(",", 1)[0].rstrip("}\n")))
        elif name == "epoch":
            last = time.perf_counter()  # epoch 0: the random network measured
    cpu = time.process_time() - cpu_started
    counts = [steps.get(epoch, 0) for epoch in range(1, len(epoch_seconds) + 1)]
    print(f"{args.recipe} recipe, {args.examples or 'all'} examples, {len(epoch_seconds)} epochs at full speed")
    print(f"step events per epoch: {counts}")
    print(f"epoch seconds (steps + hook): median {statistics.median(epoch_seconds):.3f}, "
          f"min {min(epoch_seconds):.3f}")
    print(f"wall seconds per epoch (event to event): median {statistics.median(walls):.3f}, min {min(walls):.3f}")
    print(f"CPU seconds per epoch (the whole run, every thread, the reading of the stream included): "
          f"{cpu / len(epoch_seconds):.3f}")


if __name__ == "__main__":
    main()
