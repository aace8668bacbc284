"""digitnet as a scikit-learn classifier: ``DigitNetClassifier``, for pipelines, grid searches and cross-validation.

The estimator builds a ``Recipe`` from its parameters and trains a ``Network`` with
``recipes.train_recipe``, the same code as ``digitnet train``. It takes any labels (strings, any
integers; ``classes_`` maps them to the output neurons 0..n-1) and any number of features
(the first layer has ``n_features_in_`` neurons, the last one neuron per class).

scikit-learn is an optional extra (``pip install -e '.[sklearn]'``): ``import digitnet``
never imports it, only ``import digitnet.sklearn`` does.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    message = "digitnet.sklearn needs scikit-learn; pip install scikit-learn (in a clone: pip install -e '.[sklearn]')"
    raise ImportError(message) from error

from .data.mnist import Dataset
from .health import stuck_message
from .network import Network
from .optimizers import make_optimizer
from .recipes import Recipe, train_recipe
from .training import History

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn 1.4 and 1.5 validate through a method of the estimator
    def validate_data(_estimator: Any, /, X: Any = "no_validation", y: Any = "no_validation", **params: Any) -> Any:
        return _estimator._validate_data(X, y, **params)

__all__ = ["DigitNetClassifier"]
_FLOATS = (np.float32, np.float64)  # inputs of these dtypes are kept as they are; others (ints, bools) become float32


class DigitNetClassifier(ClassifierMixin, BaseEstimator):
    """A digitnet ``Network`` trained by mini-batch gradient descent, as a scikit-learn classifier.

    The defaults are digitnet's seed recipe: 784-16-16-10 on MNIST, sigmoid neurons, the mean
    squared error, SGD with a learning rate of 3.0 falling along a cosine over 150 epochs,
    mini-batches of 10, L2 weight decay 2.0. Names follow ``MLPClassifier`` where they mean
    the same thing there (``hidden_layer_sizes``, ``activation``, ``batch_size``, ``alpha``,
    ``max_iter``, ``random_state``), digitnet's where they do not.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(16, 16)
        Neurons in each hidden layer; the network is
        (n_features_in_, *hidden_layer_sizes, len(classes_)).
    activation : {"sigmoid", "relu", "tanh"}, default="sigmoid"
        The hidden neurons' activation.
    cost : {"mse", "cross_entropy"}, default="mse"
        The cost; with "mse" the output neurons are sigmoids, with "cross_entropy" a softmax.
    optimizer : {"sgd", "momentum", "adam", "gd"}, default="sgd"
        How a gradient becomes a step ("gd": one step per pass over the whole training set).
    learning_rate : float, default=3.0
        The starting learning rate (Adam's step size). See ``recipes.default_learning_rate``
        for rates that suit other optimizers, activations and costs.
    batch_size : int, default=10
        Examples per mini-batch (the last one of an epoch may be smaller).
    max_iter : int, default=150
        Epochs: passes over the training set in ``fit`` (digitnet's ``epochs``).
    schedule : {"cosine", "constant", "warmup_cosine"}, default="cosine"
        How the learning rate changes over the ``max_iter`` epochs of ``fit``.
        ``partial_fit`` always uses ``learning_rate`` itself.
    alpha : float, default=2.0
        L2 weight decay (digitnet's ``weight_decay``): (alpha / 2n) sum w^2 is added to the
        cost of a training set of n examples, as ``MLPClassifier``'s ``alpha`` is. The seed's
        2.0 suits tens of thousands of examples; it swamps the gradient of a few hundred
        (each epoch shrinks the weights by about exp(-learning_rate alpha / batch_size)
        whatever n is), so give small data sets a small alpha (0 to 0.1).
    dropout : float, default=0.0
        The share of hidden neurons left out of each training example.
    init : {"fan_in", "normal"}, default="fan_in"
        How the weights start: N(0, 1 / fan_in), or N(0, 1) as in Nielsen's book.
    random_state : int, RandomState instance or None, default=None
        An int is digitnet's seed: the same start and shuffling as ``digitnet train --seed``.

    Attributes
    ----------
    network_ : digitnet.Network
        The trained network; its output neuron j stands for ``classes_[j]``.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    n_features_in_ : int
        Features seen in ``fit`` (the input layer's size).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of X, when X was a DataFrame with string column names.
    history_ : digitnet.training.History
        One ``EpochResult`` per epoch trained since the network was made (``fit`` or a
        first ``partial_fit``), and why training stopped early if it did.
    loss_curve_ : list of float
        The training cost after each epoch (measured on up to 10,000 training examples).
    n_iter_ : int
        Epochs trained since the network was made.
    """

    def __init__(self, hidden_layer_sizes: tuple[int, ...] = (16, 16), activation: str = "sigmoid",
                 cost: str = "mse", optimizer: str = "sgd", learning_rate: float = 3.0, batch_size: int = 10,
                 max_iter: int = 150, schedule: str = "cosine", alpha: float = 2.0, dropout: float = 0.0,
                 init: str = "fan_in", random_state: int | np.random.RandomState | None = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.cost = cost
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.schedule = schedule
        self.alpha = alpha
        self.dropout = dropout
        self.init = init
        self.random_state = random_state

    def to_recipe(self, n_features: int, n_classes: int) -> Recipe:
        """The digitnet Recipe these parameters stand for, for n_features inputs and n_classes outputs.

        Raises ValueError naming the first parameter that no training can have.
        """
        sizes: Any = self.hidden_layer_sizes  # an int or a tuple, as MLPClassifier takes it; checked here
        hidden: tuple[Any, ...] = (sizes,) if isinstance(sizes, (numbers.Number, str)) else tuple(sizes)
        if not hidden or not all(isinstance(size, numbers.Integral) and int(size) >= 1 for size in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive whole numbers, got {self.hidden_layer_sizes!r}")
        numbers_of_kind = {"learning_rate": numbers.Real, "batch_size": numbers.Integral,
                           "max_iter": numbers.Integral, "alpha": numbers.Real, "dropout": numbers.Real}
        for name, kind in numbers_of_kind.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, kind):
                what = "a whole number" if kind is numbers.Integral else "a number"
                raise ValueError(f"{name} must be {what}, got {value!r}")
        recipe = Recipe("sklearn", sizes=(n_features, *(int(size) for size in hidden), n_classes),
                        activation=self.activation, cost=self.cost, optimizer=self.optimizer,
                        learning_rate=float(self.learning_rate), batch_size=int(self.batch_size),
                        epochs=int(self.max_iter), schedule=self.schedule, weight_decay=float(self.alpha),
                        dropout=float(self.dropout), init=self.init)
        try:
            recipe.check()
        except ValueError as error:  # say it in this estimator's words
            message = str(error).replace("a recipe's epochs", "max_iter").replace("a recipe's weight_decay", "alpha")
            raise ValueError(message.replace("a recipe's ", "")) from None
        return recipe

    def fit(self, X: Any, y: Any) -> DigitNetClassifier:
        """Train a new network on X (n_samples, n_features) and labels y (n_samples,) for max_iter epochs."""
        X, y = validate_data(self, X, y, dtype=_FLOATS)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        recipe = self.to_recipe(X.shape[1], len(self.classes_))
        self._start(recipe)
        self._train(recipe, X, np.searchsorted(self.classes_, y), recipe.epochs, recipe.schedule)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DigitNetClassifier:
        """Train for one more epoch on X (n_samples, n_features) and y (n_samples,), at learning_rate.

        The first call makes the network and needs ``classes``: every label that any call will
        bring. Later calls go on with the same network, optimizer state and random generator.
        """
        first_call = not hasattr(self, "network_")  # a first call that failed leaves no network: start again
        if first_call and classes is None:
            raise ValueError("the first call to partial_fit needs classes=: every label the data can have")
        X, y = validate_data(self, X, y, dtype=_FLOATS, reset=first_call)
        check_classification_targets(y)
        known = np.unique(classes) if first_call else self.classes_
        if not first_call and classes is not None and not np.array_equal(np.unique(classes), known):
            raise ValueError(f"classes={np.unique(classes).tolist()} differ from those of the first call to "
                             f"partial_fit, {known.tolist()}; call fit to start again with new classes")
        unknown = np.setdiff1d(y, known)
        if len(unknown):
            raise ValueError(f"y has labels {unknown.tolist()} that are not in classes {known.tolist()}")
        recipe = self.to_recipe(X.shape[1], len(known))
        if first_call:
            self.classes_ = known
            self._start(recipe)
        self._train(recipe, X, np.searchsorted(self.classes_, y), 1, "constant")
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """How strongly the network believes in each class, (n_samples, n_classes); rows sum to 1."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return self.network_.predict_proba(X).astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """The class of each row of X (n_samples, n_features): the one with the brightest output, (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return self.classes_[self.network_.predict(X)]

    @property
    def loss_curve_(self) -> list[float]:
        check_is_fitted(self)
        return [epoch.train_cost for epoch in self.history_.epochs]

    def _start(self, recipe: Recipe) -> None:
        """A new network, optimizer and random generator, from random_state."""
        if isinstance(self.random_state, numbers.Integral):
            seed = int(self.random_state)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.network_ = Network(recipe.sizes, recipe.activation, recipe.cost, seed=seed, init=recipe.init)
        self.network_.metadata = {"recipe": recipe.as_dict(), "classes": self.classes_.tolist()}
        self._optimizer = make_optimizer(recipe.optimizer, recipe.learning_rate)
        self._rng = np.random.default_rng(seed)  # as digitnet train does: the seed's network and shuffling
        self.history_ = History()
        self.n_iter_ = 0

    def _train(self, recipe: Recipe, X: np.ndarray, labels: np.ndarray, epochs: int, schedule: str) -> None:
        """Train network_ for ``epochs`` more epochs on X and the class indices ``labels``."""
        recipe = recipe.with_changes(epochs=self.n_iter_ + epochs, schedule=schedule)
        history = train_recipe(self.network_, recipe, Dataset(X, labels, len(self.classes_)), rng=self._rng,
                               optimizer=self._optimizer, first_epoch=self.n_iter_)
        self.history_.epochs.extend(history.epochs)
        self.history_.stopped = history.stopped
        self.history_.health = history.health
        self.n_iter_ += len(history.epochs)
        if history.stopped == "interrupted":  # train keeps the finished epochs; a grid search should stop
            raise KeyboardInterrupt
        if history.stopped is not None:
            why = stuck_message(history.health) if history.stopped == "stuck" else "its cost became NaN or infinite"
            kept = "the weights of the last good epoch were kept" if history.epochs else \
                "no epoch finished well, so the weights are as they were before"
            warnings.warn(f"training stopped after {len(history.epochs)} of {epochs} epochs: {why}; {kept}",
                          ConvergenceWarning, stacklevel=3)

