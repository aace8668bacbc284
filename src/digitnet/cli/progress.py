"""What ``digitnet train`` shows while it runs and when it ends: a progress bar, or JSON lines with --json."""

import json

from .common import say


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class TrainingReport:
    """What ``train`` shows while it runs: a progress bar, or JSON lines with --json."""

    def __init__(self, recipe, n_params, as_json, held_out="test", first_epoch=0):
        self.as_json = as_json
        self.first_epoch = first_epoch  # the epochs a checkpoint had done before this run
        self.held_out = held_out  # what the accuracy each epoch is measured on: "test" or "validation"
        self.n_params = n_params
        self.n_outputs = recipe.sizes[-1]
        self.learning_rate = recipe.learning_rate
        self.weight_decay = recipe.weight_decay
        self.bar = None
        if as_json:
            return
        from tqdm import tqdm

        shifts = f", shifts up to {recipe.max_shift} px" if recipe.max_shift else ""
        shifts += f", dropout {recipe.dropout:g}" if recipe.dropout else ""
        shifts += (f", {recipe.distort:.0%} distorted each epoch (rotated, scaled, thickened or thinned, elastic)"
                   if recipe.distort else "")
        batch = "the full batch" if recipe.optimizer == "gd" else f"batch {recipe.batch_size}"
        schedule = recipe.schedule
        if schedule == "warmup_cosine":
            from ..training import warmup_epochs

            warm = warmup_epochs(recipe.epochs)
            schedule += f" over {warm} epoch{'s' * (warm != 1)}" if warm else ", no warm-up in a run this short"
        print(f"Training {'-'.join(map(str, recipe.sizes))} ({n_params:,} weights and biases): "
              f"{recipe.name} recipe, {recipe.activation}, {recipe.cost}, {recipe.optimizer}, "
              f"learning rate {recipe.learning_rate:g} ({schedule}), {batch}, "
              f"L2 {recipe.weight_decay:g}{shifts}", flush=True)
        if first_epoch:
            print(f"Going on from the checkpoint after epoch {first_epoch}", flush=True)
        self.bar = tqdm(total=recipe.epochs, initial=first_epoch, unit="epoch", dynamic_ncols=True)

    def epoch(self, result):
        named = {key.replace("test_", f"{self.held_out}_"): value for key, value in vars(result).items()}
        if self.as_json:
            print(json.dumps(named), flush=True)
            return
        shown = {"cost": f"{result.train_cost:.4f}", f"{self.held_out}_accuracy": f"{result.test_accuracy:.2%}"}
        if result.saturation is not None:
            shown["saturated"] = f"{result.saturation:.0%}"
        self.bar.set_postfix(shown)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def finish(self, history, test_accuracy, seconds, out, validation_accuracy=None, also=None):
        """The closing report; ``also``: train --also's part (``cli.also.summary``), printed after it."""
        from ..health import stuck_message
        from .also import print_report

        epochs = self.first_epoch + len(history.epochs)
        if self.as_json:
            print(json.dumps({"test_accuracy": test_accuracy, "validation_accuracy": validation_accuracy,
                              "epochs": epochs, "seconds": round(seconds, 3), "parameters": self.n_params,
                              "model": str(out) if out else None, "stopped": history.stopped,
                              **({"also": also} if also is not None else {})}))
        else:
            saved = f"; model saved to {out}" if out else "; no model saved"
            accuracy = f"Test accuracy {test_accuracy:.2%}"
            if validation_accuracy is not None:
                accuracy = f"Validation accuracy {validation_accuracy:.2%}, test accuracy {test_accuracy:.2%}"
            timing = f"in {seconds:.1f} s"
            if self.first_epoch:  # a training that went on from a checkpoint: this run did only the last ones
                timing = f"({len(history.epochs)} of them in this run, {seconds:.1f} s)"
            if epochs:
                print(f"{accuracy} after {_plural(epochs, 'epoch')} {timing}{saved}")
            else:  # stopped in the first epoch: what was measured is the untrained network
                print(f"No epoch finished ({timing}): the untrained network's {accuracy[0].lower()}{accuracy[1:]}"
                      f"{saved}")
            if also is not None:
                print_report(also)
        kept = f"kept the model of epoch {epochs}" if epochs else "kept the untrained starting weights"
        kept = f"{kept} in {out}" if out else "saved nothing"
        if out and not epochs:
            kept += " (not made the model that predict, evaluate and info use)"
        if history.stopped == "stuck":
            say(f"digitnet: training stopped in epoch {epochs + 1}: {stuck_message(history.health)}; {kept}")
            return
        if history.stopped == "diverged":
            cause = "the learning rate" + (" or the L2 weight decay" if self.weight_decay else "")
            say(f"digitnet: the cost became NaN or infinite in epoch {epochs + 1}, so training stopped; "
                f"{cause} is probably too large; {kept}")
            return
        if test_accuracy < 1.5 / self.n_outputs:
            say(f"digitnet: the network learned next to nothing ({test_accuracy:.1%} is chance level); "
                f"the learning rate {self.learning_rate:g} is probably too large or too small for this setting, "
                f"or it needs more epochs")
        if history.stopped == "interrupted":
            say(f"digitnet: stopped by Ctrl-C; {kept}")
