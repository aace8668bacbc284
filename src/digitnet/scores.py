"""How well a network's answers match the labels: the report ``digitnet evaluate`` prints and the page shows."""

import numpy as np


def score(labels: np.ndarray, answers: np.ndarray, n_classes: int = 10) -> dict:
    """The report for ``labels`` (n,) read as ``answers`` (n,), JSON-ready: ``n``; ``accuracy`` (None when n is 0);
    ``per_digit``, each class's accuracy (None for a class with no examples); ``counts``, each class's examples;
    ``confusion`` (n_classes, n_classes), rows the label and columns the answer."""
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (np.asarray(labels, dtype=int), np.asarray(answers, dtype=int)), 1)
    totals = confusion.sum(axis=1)
    n = int(totals.sum())
    return {"n": n, "accuracy": float(np.trace(confusion) / n) if n else None,
            "per_digit": [float(confusion[d, d] / totals[d]) if totals[d] else None for d in range(n_classes)],
            "counts": totals.tolist(), "confusion": confusion.tolist()}
