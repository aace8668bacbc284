"""scores.score: the report digitnet evaluate prints and the page shows, counted from labels and answers."""

import numpy as np

from digitnet.scores import score


def test_the_report_counts_each_label_and_answer():
    labels = np.array([0, 0, 1, 1, 1, 3])
    answers = np.array([0, 2, 1, 1, 0, 3])
    report = score(labels, answers, n_classes=4)
    assert report["n"] == 6 and report["accuracy"] == 4 / 6
    assert report["per_digit"] == [0.5, 2 / 3, None, 1.0]  # no 2 among the labels: None, not 0%
    assert report["counts"] == [2, 3, 0, 1]
    assert report["confusion"] == [[1, 0, 1, 0], [1, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]


def test_no_examples_have_no_accuracy():
    report = score(np.zeros(0, int), np.zeros(0, int))
    assert report["n"] == 0 and report["accuracy"] is None and report["per_digit"] == [None] * 10
