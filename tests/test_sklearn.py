"""DigitNetClassifier is a scikit-learn estimator: it passes check_estimator and works in pipelines and searches."""

import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from digitnet.recipes import RECIPES  # noqa: E402
from digitnet.sklearn import DigitNetClassifier  # noqa: E402

# The checks train on datasets of a few dozen to a few hundred rows: 10 epochs are plenty.
CHECKED = DigitNetClassifier(max_iter=10, random_state=0)
# None: every check of scikit-learn's suite passes. A check that has to fail is named here with why,
# and xfail_strict makes one that passes again a failure, so that this list cannot go stale.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@pytest.mark.training
@parametrize_with_checks([CHECKED], expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
                         xfail_strict=True)
def test_the_classifier_passes_scikit_learns_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        # some checks train on unscaled inputs (near 100) or random labels: a stuck network is expected there
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 1,797 8x8 digits (bundled with it): 64 features from 0 to 16."""
    return load_digits(return_X_y=True)


def small_problem(labels=(0, 1, 2), n=90, seed=0):
    """Three well separated blobs of 2-feature points, labelled with ``labels``."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.2, 0.2], [0.8, 0.2], [0.5, 0.8]])
    which = np.arange(n) % len(labels)
    X = centres[which] + 0.05 * rng.standard_normal((n, 2))
    return X, np.asarray(labels)[which]


def test_the_defaults_are_digitnets_seed_recipe():
    recipe = DigitNetClassifier().to_recipe(784, 10)
    assert recipe.with_changes(name="seed") == RECIPES["seed"]


def test_parameters_map_onto_a_recipe_with_the_layers_the_data_needs():
    classifier = DigitNetClassifier(hidden_layer_sizes=(32,), activation="relu", cost="cross_entropy",
                                    optimizer="adam", learning_rate=0.01, batch_size=16, max_iter=5,
                                    schedule="constant", alpha=0.5, dropout=0.1, init="normal")
    recipe = classifier.to_recipe(64, 3)
    assert (recipe.sizes, recipe.activation, recipe.cost, recipe.optimizer) == ((64, 32, 3), "relu", "cross_entropy",
                                                                                "adam")
    assert (recipe.learning_rate, recipe.batch_size, recipe.epochs, recipe.schedule) == (0.01, 16, 5, "constant")
    assert (recipe.weight_decay, recipe.dropout, recipe.init) == (0.5, 0.1, "normal")


@pytest.mark.training
def test_labels_of_any_kind_map_to_the_output_neurons_through_classes_():
    for labels in (("cat", "dog", "emu"), (-5, 7, 100)):
        X, y = small_problem(labels)
        classifier = DigitNetClassifier(max_iter=20, alpha=0.0, random_state=0).fit(X, y)
        assert list(classifier.classes_) == sorted(labels)
        assert classifier.network_.sizes == (2, 16, 16, 3)
        assert classifier.n_features_in_ == 2
        assert set(classifier.predict(X)) <= set(labels)
        assert classifier.score(X, y) > 0.85  # random_state 0-4 x {avx512, haswell, znver3, numpy}: 0.933-1.0
        assert classifier.predict_proba(X).shape == (len(X), 3)
        assert np.allclose(classifier.predict_proba(X).sum(axis=1), 1)


@pytest.mark.training
def test_fit_records_a_history_a_loss_curve_and_the_epochs_trained():
    X, y = small_problem()
    classifier = DigitNetClassifier(max_iter=7, random_state=0).fit(X, y)
    assert classifier.n_iter_ == 7
    assert len(classifier.history_.epochs) == 7
    assert classifier.loss_curve_ == [epoch.train_cost for epoch in classifier.history_.epochs]
    assert classifier.loss_curve_[-1] < classifier.loss_curve_[0]


def test_the_same_random_state_gives_the_same_network_as_digitnets_seed():
    X, y = small_problem()
    one = DigitNetClassifier(max_iter=3, random_state=4).fit(X, y)
    two = DigitNetClassifier(max_iter=3, random_state=4).fit(X, y)
    assert one.network_.seed == 4
    assert np.array_equal(one.network_.vector, two.network_.vector)


def test_a_bad_parameter_is_named_with_its_value_and_the_choices():
    X, y = small_problem()
    with pytest.raises(ValueError, match="unknown activation 'sigmod'; choose one of: .*sigmoid"):
        DigitNetClassifier(activation="sigmod").fit(X, y)
    with pytest.raises(ValueError, match="max_iter cannot be 0"):
        DigitNetClassifier(max_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="batch_size must be a whole number, got 2.5"):
        DigitNetClassifier(batch_size=2.5).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive"):
        DigitNetClassifier(hidden_layer_sizes=(16, 0)).fit(X, y)


@pytest.mark.training
def test_a_stuck_network_warns_that_training_stopped():
    X, y = small_problem()
    with pytest.warns(ConvergenceWarning, match="training stopped .* stuck"):
        DigitNetClassifier(max_iter=5, random_state=0).fit(X + 100, y)  # inputs far from 0..1 saturate it


def test_partial_fit_needs_the_classes_on_its_first_call():
    X, y = small_problem()
    with pytest.raises(ValueError, match="first call to partial_fit needs classes="):
        DigitNetClassifier().partial_fit(X, y)
    classifier = DigitNetClassifier().partial_fit(X[:3], y[:3], classes=[0, 1, 2])
    assert list(classifier.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        classifier.partial_fit(X[:3], np.array([0, 1, 7]))


def test_partial_fit_goes_on_training_the_same_network():
    X, y = small_problem()
    classifier = DigitNetClassifier(random_state=0).partial_fit(X, y, classes=np.unique(y))
    network, before = classifier.network_, classifier.network_.vector.copy()
    classifier.partial_fit(X, y)
    assert classifier.network_ is network
    assert not np.array_equal(network.vector, before)
    assert classifier.n_iter_ == 2
    assert len(classifier.loss_curve_) == 2


def test_max_iter_calls_to_partial_fit_train_as_fit_does_at_a_constant_rate():
    X, y = small_problem()
    fitted = DigitNetClassifier(optimizer="adam", learning_rate=0.01, schedule="constant", max_iter=3,
                                random_state=0).fit(X, y)
    stepwise = DigitNetClassifier(optimizer="adam", learning_rate=0.01, random_state=0)
    for _ in range(3):
        stepwise.partial_fit(X, y, classes=[0, 1, 2])
    assert np.array_equal(fitted.network_.vector, stepwise.network_.vector)


def test_a_pickled_or_copied_classifier_goes_on_training_its_weights():
    X, y = small_problem()
    classifier = DigitNetClassifier(max_iter=2, random_state=0).fit(X, y)
    for twin in (pickle.loads(pickle.dumps(classifier)), copy.deepcopy(classifier)):
        assert np.array_equal(twin.predict_proba(X), classifier.predict_proba(X))
        before = twin.predict_proba(X)
        twin.partial_fit(X, y)
        assert not np.array_equal(twin.predict_proba(X), before)  # the weights used are the ones trained


@pytest.mark.training
def test_it_works_in_a_pipeline_with_a_scaler(digits):
    X, y = digits
    pipeline = make_pipeline(StandardScaler(), DigitNetClassifier(cost="cross_entropy", learning_rate=0.3,
                                                                  max_iter=10, random_state=0))
    pipeline.fit(X[:1200], y[:1200])
    assert pipeline.score(X[1200:], y[1200:]) > 0.8  # random_state 0-4 x {avx512, haswell, znver3, numpy}: 0.853-0.898


@pytest.mark.training
def test_grid_search_picks_a_learning_rate(digits):
    X, y = digits
    # alpha=0: the seed's L2 (2.0) suits tens of thousands of examples, and would swamp 400 of them
    classifier = DigitNetClassifier(max_iter=20, alpha=0.0, random_state=0)
    search = GridSearchCV(classifier, {"learning_rate": [0.001, 3.0]}, cv=3)
    search.fit(X[:600] / 16, y[:600])
    assert search.best_params_ == {"learning_rate": 3.0}  # 0.001 hardly moves sigmoid + MSE weights in 20 epochs
    assert search.best_score_ > 0.75  # random_state 0-4 x {avx512, haswell, znver3, numpy}: 0.798-0.833
    assert search.best_estimator_.n_iter_ == 20


@pytest.mark.training
def test_cross_validation_on_mnist_reaches_a_sensible_accuracy(mnist):
    train, _ = mnist
    X, y = train.X[:3000], train.labels[:3000]
    scores = cross_val_score(DigitNetClassifier(max_iter=10, random_state=0), X, y, cv=3)
    # random_state 0-4 x {avx512, haswell, znver3, numpy}: the worst fold 0.837-0.862, the mean 0.865-0.873
    assert scores.min() > 0.8
    assert scores.mean() > 0.83


def test_importing_digitnet_sklearn_without_scikit_learn_says_how_to_install_it():
    code = ("import sys\nsys.modules['sklearn'] = None\nimport digitnet\n"
            "try:\n    import digitnet.sklearn\nexcept ImportError as error:\n    print(error)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install -e '.[sklearn]'" in result.stdout


def test_a_first_partial_fit_that_fails_leaves_the_next_one_a_first_call():
    X, y = np.random.default_rng(0).random((30, 4)), np.arange(30) % 3
    estimator = DigitNetClassifier(max_iter=1, random_state=0)
    with pytest.raises(ValueError, match="not in classes"):
        estimator.partial_fit(X, y, classes=[0, 1])
    estimator.partial_fit(X, y, classes=[0, 1, 2])
    assert estimator.n_iter_ == 1 and estimator.classes_.tolist() == [0, 1, 2]
