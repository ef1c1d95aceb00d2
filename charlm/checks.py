"""Argument checks in one place, and the limits of every setting a learner can choose, as data.

Every function takes the value and a `name` to put in the message, and returns the value in its plain form (an int,
a float) or raises ValueError saying what was wrong and what is allowed. LIMITS is what the page's form, the command
line, the Trainer and the checkpoint loader all hold settings to: big enough to explore, small enough to stay
responsive in a browser. The page reads them (with the models' descriptions) from the worker's info().
"""

import math

import numpy as np

# (smallest, largest) of each setting. "lr" and "temperature" are open at 0: any positive number up to the largest.
LIMITS = {
    "batch_size": (1, 256),
    "context": (2, 256),
    "seed": (0, 2 ** 31 - 1),
    "lr": (0, 1e6),
    "temperature": (0, 5),
    "steps": (0, 1_000_000),        # steps a saved session may hold (its losses are kept, 8 bytes each)
    "eval_every": (0, 1_000_000),
    "n_layer": (1, 12),
    "n_head": (1, 16),
    "n_embd": (1, 512),
    "n_chars": (1, 32),
    "n_hidden": (1, 4096),
    "parameters": (1, 5_000_000),   # weights in one model: 20 MB as float32, several times the largest preset
    "text_bytes": (1, 5_000_000),   # a few hundred KB is plenty; larger texts take minutes per epoch in a browser
    "model_bytes": (1, 20_000_000),  # a saved model: the large transformer is about 5 MB; anything far larger is junk
}

# The limits that are open at their lower end: the value must be above it, not at it.
_OPEN_BELOW = {"lr", "temperature"}


def whole(value, name, minimum=None, maximum=None):
    """`value` as an int when it is a whole number (not a bool) in [minimum, maximum] (None: no bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        kind = "a positive whole number" if minimum == 1 and maximum is None else \
            f"a whole number{_range(minimum, maximum)}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def positive(value, name, maximum=None):
    """`value` as a float when it is a finite number above 0 (and at most `maximum` when given)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, (bool, str)) or not math.isfinite(number) or number <= 0 \
            or (maximum is not None and number > maximum):
        most = "" if maximum is None else f" (at most {maximum:,.0f})" if maximum == int(maximum) else \
            f" (at most {maximum:g})"
        raise ValueError(f"{name} must be a positive number{most}, got {value!r}")
    return number


def one_of(value, name, choices):
    """`value` when it is one of `choices`, else ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


def limited(value, key, name=None):
    """`value` checked against LIMITS[key]: a whole number in range, or for "lr"/"temperature" a positive float."""
    lo, hi = LIMITS[key]
    name = name or key.replace("_", " ")
    if key in _OPEN_BELOW:
        return positive(value, name, maximum=hi)
    return whole(value, name, lo, hi)


def describe_limits():
    """LIMITS as plain JSON for a form: key -> {"min", "max", "whole"}. A whole setting is an integer from min to
    max; any other is a number above min (never equal to it) and at most max."""
    return {key: {"min": lo, "max": hi, "whole": key not in _OPEN_BELOW} for key, (lo, hi) in LIMITS.items()}


def _range(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f" from {minimum:,} to {maximum:,}"
    if minimum is not None:
        return f" >= {minimum:,}"
    return f" <= {maximum:,}" if maximum is not None else ""
