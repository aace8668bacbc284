"""The public API has type hints on every parameter and return, so that mypy (run by test.sh) checks it."""

import importlib
import inspect

import pytest

# the modules a user of the library imports from (see README "As a library"), and what of each is public
PUBLIC = {
    "digitnet.network": ["Network"],
    "digitnet.storage": ["save", "load"],
    "digitnet.checkpoint": ["checkpoint_path", "save_checkpoint", "load_checkpoint"],
    "digitnet.training": ["train", "evaluate", "constant_schedule", "cosine_schedule", "warmup_cosine_schedule", "warmup_epochs", "dropout_masks", "History"],
    "digitnet.recipes": ["Recipe", "train_recipe", "get_recipe", "default_learning_rate"],
    "digitnet.optimizers": ["SGD", "GradientDescent", "Momentum", "Adam", "make_optimizer"],
    "digitnet.descent": ["simple_gd"],
    "digitnet.data.mnist": ["Dataset", "load_mnist", "one_hot"],
    "digitnet.data.image": ["prepare_image"],
    "digitnet.data.picture": ["load_image"],
    "digitnet.web": ["create_app"],
}


def _functions(module_name, names):
    """(qualified name, function) for each public function, and each public method of each public class."""
    module = importlib.import_module(module_name)
    for name in names:
        thing = getattr(module, name)
        if inspect.isclass(thing):
            for member_name, member in vars(thing).items():
                if isinstance(member, property):
                    member = member.fget
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) and (not member_name.startswith("_") or member_name == "__init__"):
                    yield f"{module_name}.{name}.{member_name}", member
        else:
            yield f"{module_name}.{name}", thing


CASES = [case for module_name, names in PUBLIC.items() for case in _functions(module_name, names)]


@pytest.mark.parametrize("name, function", CASES, ids=[name for name, _ in CASES])
def test_every_public_function_has_type_hints(name, function):
    signature = inspect.signature(function)
    missing = [parameter.name for parameter in signature.parameters.values()
               if parameter.name not in ("self", "cls") and parameter.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}: no type hint for {', '.join(missing)}"
    assert function.__name__ == "__init__" or signature.return_annotation is not inspect.Signature.empty, \
        f"{name}: no return type"
