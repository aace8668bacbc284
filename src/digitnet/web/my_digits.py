"""The page's side of a user's own handwriting: keep a drawing as the digit it was, see the kept ones
with the network's answer on each, measure the network on them, delete one.

``POST /api/my-digits`` keeps the canvas as a PNG in the collection (``data.collection``, a folder per
digit in ``$DIGITNET_HOME/my-digits``) and answers with its name and the network's answer on it;
``GET /api/my-digits`` lists the kept digits with the answers and the report MNIST gets from
``digitnet evaluate`` (accuracy, per digit, confusion matrix), with MNIST's own beside it;
``GET`` and ``DELETE /api/my-digits/{digit}/{name}`` give or delete one kept PNG, by the names the
collection makes and no other; ``POST /api/my-digits/teach`` teaches the network the kept digits (a
training through ``training_job``, with them mixed in and a share held out). Nothing leaves this machine.
"""

import threading

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..data.collection import NAME, Collection, CollectionError
from ..data.folder import FolderError
from ..data.idx import IDXError
from ..data.image import prepare_image
from ..data.mixing import HOLD_OUT, MIN_TO_TEACH, hold_out_by_name
from ..data.mnist import Dataset, load_mnist
from ..data.picture import ImageError
from ..recipes import LESSON_RECIPES, RECIPES
from ..scores import score as report
from ..verdicts import judge
from .errors import cut, refuse
from .schemas import KeepRequest
from .training_job import Busy, Teaching

router = APIRouter()
_reading = threading.RLock()  # the collection's cache of prepared rows is one dict, shared by the routes
_scores: dict = {}  # data folder -> (the network last scored, its MNIST report): one network at a time
_test_sets: dict = {}  # data folder -> the MNIST test set, read once
# a teaching: more epochs of the network's recipe on MNIST with the kept digits mixed in, at a constant small share
# of the recipe's learning rate: a trained network restarted at its first rate loses more on MNIST than it gains.
# benchmarks/page_teach.py, the 150-epoch seed network (seeds 0, 1) and 50 digits of each of 5 tuning-half hands:
# 3 epochs of the recipe's cosine from 3 cost MNIST test 1.17 points (worst 1.50), lifting their other digits 82% -> 84%
# these settings: MNIST test -0.05 points (worst -0.24), held-out 82.5% -> 91.0%, other digits 81.6% -> 88.0%, 3 s
TEACH_EPOCHS = 5  # 3: held-out 84% -> 90%, the hand's other digits 82% -> 88% (MNIST -0.02); 5: 92%, 90% (-0.07)
TEACH_RATE = 0.01  # of the recipe's rate (seed: 0.03); 0.03 lifts a point or two more but costs -0.2 (worst -0.46)
TEACH_SCHEDULE = "constant"  # the rate shown for the run is the one every epoch uses
TEACH_WEIGHT = 0.1  # the copies' share of the training set: 0.03 (--also's) lifts 84% -> 86%; 0.2 costs -0.55 points
TEACH_VARIED = True  # distorted copies (as --also's); exact ones: about the same lift and MNIST cost (-0.12 vs -0.22
                     # at rate 0.03), but the teaching is augmented


def collection(request: Request) -> Collection:
    return request.app.state.my_digits


def test_set(data_dir):
    """The MNIST test set the page's trainings are measured on, read once."""
    with _reading:
        if data_dir not in _test_sets:
            (_test_sets[data_dir],) = load_mnist(data_dir, parts=("test",))
    return _test_sets[data_dir]


def mnist_report(network, data_dir=None):
    """``report`` for ``network`` on the MNIST test set, computed once for each network that answers."""
    last = _scores.get(data_dir)
    if last is not None and last[0] is network:
        return last[1]
    test = test_set(data_dir)
    scored = report(test.labels, network.predict(test.X))
    _scores[data_dir] = (network, scored)
    return scored


def kept_rows(kept_digits, folder_collection):
    """(rows (n, 784) or None for a file that cannot be read any more, the sentence for each unreadable one)."""
    with _reading:
        try:
            images = folder_collection.labelled()
            rows = dict(zip(images.paths, images.X))
            return [rows.get(kept.path) for kept in kept_digits], {}
        except FolderError:  # a kept file damaged since (or taken away): read the others one by one
            pass
    rows, problems = [], {}
    for kept in kept_digits:
        try:
            rows.append(prepare_image(kept.path))
        except (ImageError, OSError) as error:
            rows.append(None)
            problems[kept.path] = f"cannot be read any more ({cut(str(error), 120)}); delete it"
    return rows, problems


def answer(network, row):
    """The network's answer on a prepared row (784,): {answer, sure}."""
    outputs = network.feedforward(row[None, :])[0]
    return {"answer": int(outputs.argmax()), "sure": judge(outputs, row).sure}


def listing(folder_collection, network, data_dir=None):
    """Every kept digit with the network's answer, and the report on them beside MNIST's."""
    kept_digits = folder_collection.all()
    rows, problems = kept_rows(kept_digits, folder_collection)
    digits = []
    for kept, row in zip(kept_digits, rows):
        entry = {"digit": kept.digit, "name": kept.name}
        if row is None:
            entry.update(answer=None, sure=None, problem=problems.get(kept.path, "cannot be read any more; delete it"))
        else:
            entry.update(answer(network, row))
        digits.append(entry)
    read = [entry for entry in digits if entry["answer"] is not None]
    return {"folder": str(folder_collection.folder), "digits": digits,
            "report": report([e["digit"] for e in read], [e["answer"] for e in read]),
            "mnist": mnist_report(network, data_dir)}


def digit_in_path(text):
    """A digit 0..9 written as one character in a path; LookupError for anything else."""
    if len(text) != 1 or text not in "0123456789":
        raise LookupError(f"there is no kept digit {cut(text)!r}: kept digits are 0 to 9")
    return int(text)


@router.post("/api/my-digits", status_code=201)
def keep(request: Request, body: KeepRequest):
    """Keep the canvas as ``digit``; refused, with nothing written, when it is blank or holds no digit."""
    try:
        image = body.image()
    except ValueError as error:
        return refuse(422, str(error))
    if not (image > 0.05).any():
        return refuse(422, f"the canvas is blank: draw a {body.digit} first, then say which digit it was")
    try:
        kept = collection(request).keep(image, body.digit)
        row = prepare_image(kept.path)
    except CollectionError as error:
        return refuse(422, str(error))
    except OSError as error:
        return refuse(500, f"the digit could not be written to {collection(request).folder} "
                           f"({error.strerror or error}); check that the folder can be written to")
    return {"digit": kept.digit, "name": kept.name, **answer(request.app.state.network, row)}


@router.get("/api/my-digits")
async def kept_digits(request: Request):
    """The kept digits, each with the network's answer, and the report on them beside MNIST's."""
    app = request.app
    network = app.state.network
    data_dir = app.state.training.data_dir
    return JSONResponse(await anyio.to_thread.run_sync(listing, collection(request), network, data_dir))


def _kept(request, digit, name):
    """The kept digit a path names; LookupError saying what is wrong (the collection's own words point to the CLI)."""
    digit = digit_in_path(digit)
    if not NAME.fullmatch(name):
        raise LookupError(f"{cut(name)!r} is not the name of a kept digit (they look like 20261207-182233-3f2a.png)")
    try:
        return collection(request).get(digit, name)
    except CollectionError:
        raise LookupError(f"there is no kept {digit} named {name}; it may have been deleted (reload)") from None


@router.get("/api/my-digits/{digit}/{name}")
def kept_png(request: Request, digit: str, name: str):
    """The kept digit's PNG, as it is in the folder."""
    try:
        kept = _kept(request, digit, name)
        png = kept.path.read_bytes()  # small: a drawing of at most a few hundred pixels a side
    except LookupError as error:
        return refuse(404, str(error.args[0]))
    except OSError as error:
        return refuse(404, f"the kept {kept.digit} named {kept.name} cannot be read ({error.strerror or error})")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.delete("/api/my-digits/{digit}/{name}")
def delete(request: Request, digit: str, name: str):
    """Delete one kept digit (its file); the others stay as they are."""
    try:
        kept = _kept(request, digit, name)
        collection(request).delete(kept.digit, kept.name)
    except CollectionError:  # deleted by another request since _kept found it
        return refuse(404, f"there is no kept {kept.digit} named {kept.name}; it was just deleted")
    except LookupError as error:
        return refuse(404, str(error.args[0]))
    except OSError as error:
        return refuse(500, f"the kept digit could not be deleted ({error.strerror or error}); "
                           f"check that {collection(request).folder} can be written to")
    return {"deleted": True, "digit": kept.digit, "name": kept.name}


def teaching_recipe(network):
    """The lesson recipe the page's network was trained with (by its metadata), else the seed's."""
    recipe = (network.metadata or {}).get("recipe")
    name = recipe.get("name") if isinstance(recipe, dict) else recipe
    if name in LESSON_RECIPES and RECIPES[name].activation == network.activation.name \
            and RECIPES[name].cost == network.cost.name:
        return RECIPES[name]
    return RECIPES["seed"]


@router.post("/api/my-digits/teach", status_code=202)
def teach(request: Request):
    """Teach the page's network the kept digits: a copy of it trains TEACH_EPOCHS more epochs of its recipe, at
    TEACH_RATE of its learning rate, on MNIST with them mixed in (``data.mixing``), a share of each digit held out;
    followed as any training
    (/api/train/events), whose done event gives MNIST test and held-out-own accuracies before and after."""
    app = request.app
    job = app.state.training
    if job.running:
        return refuse(409, "a training is already running; stop it or wait until it is done, then teach")
    try:
        with _reading:
            images = collection(request).labelled()
    except FolderError as error:
        return refuse(422, f"{error}; then teach it again")
    if len(images) < MIN_TO_TEACH:
        return refuse(422, f"teaching needs at least {MIN_TO_TEACH} kept digits and you have kept {len(images)}; "
                           f"keep {MIN_TO_TEACH - len(images)} more on the Draw tab (two or more of a digit, so "
                           f"that some can be held out to measure on)")
    # decided by each file's name, as train --also decides it: a digit taught once is never held out in a later teaching
    train_rows, held_rows = hold_out_by_name([path.name for path in images.paths], images.labels, HOLD_OUT)
    if not len(held_rows):
        return refuse(422, "teaching holds some of each digit out to measure on, so it needs two or more of at "
                           "least one digit; keep another of a digit you kept before")
    network = app.state.network
    own = Dataset(images.X[train_rows], images.labels[train_rows])
    held = Dataset(images.X[held_rows], images.labels[held_rows])
    recipe = teaching_recipe(network)
    try:
        job.start(recipe.name, epochs=TEACH_EPOCHS, learning_rate=recipe.learning_rate * TEACH_RATE,
                  schedule=TEACH_SCHEDULE, teach=Teaching(network, own, held, TEACH_WEIGHT, TEACH_VARIED))
    except Busy as error:
        return refuse(409, str(error))
    except (IDXError, OSError) as error:
        return refuse(503, f"the training data could not be read: {error}")
    except ValueError as error:
        return refuse(422, str(error))
    return {"started": True, "recipe": recipe.name, "epochs": TEACH_EPOCHS,
            "learning_rate": job.settings["learning_rate"], "taught": len(own),
            "held_out": len(held)}


_drawing = anyio.CapacityLimiter(1)  # one figure drawn at a time: each takes a core for a second or two
_figure: dict = {}  # the last figure drawn: {"key": (network, the kept digits' files), "png": bytes}


def preparation_png(network, folder_collection, data_dir):
    """The preparation figure (``viz.preparation``) for ``network`` and the kept digits (the bundled sample
    while fewer than its MIN_KEPT are kept), as PNG bytes; drawn again only when either has changed."""
    from ..viz.preparation import MIN_KEPT, draw_png

    kept = tuple((k.digit, k.name, _version(k.path)) for k in folder_collection.all())
    key = (network, kept)  # a kept PNG changed in place (same name) is drawn again too
    if _figure.get("key") != key:
        images = folder_collection if len(kept) >= MIN_KEPT else None
        test = test_set(data_dir)
        with _reading:
            png = draw_png(network, images, datasets=(None, test))
        _figure.update(key=key, png=png)
    return _figure["png"]


def _version(path):
    """(size, modification time in ns) of a kept file, which change when it is written over; None if it is gone."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


@router.get("/api/my-digits/preparation.png")
async def preparation(request: Request):
    """The preparation figure, drawn with matplotlib (Agg) in a thread, off the event loop."""
    app = request.app
    try:
        png = await anyio.to_thread.run_sync(preparation_png, app.state.network, collection(request),
                                             app.state.training.data_dir, limiter=_drawing)
    except FolderError as error:
        return refuse(422, f"{error}; then draw the figure again")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
