"""The trainer's settings: reading them from the form and from the page URL, with messages a learner understands.

Pure logic (no DOM), shared by MicroPython in the page and CPython in the tests.
"""

MODELS = ("bigram", "mlp", "transformer")
MODEL_NAMES = {"bigram": "Bigram (letter pairs)", "mlp": "MLP (last few letters)", "transformer": "Transformer (tiny GPT)"}
PRESETS = ("small", "medium", "large")

# (smallest, largest) a learner may ask for: big enough to explore, small enough to stay responsive in a browser.
LIMITS = {"batch": (1, 256), "context": (2, 256), "seed": (0, 2 ** 31 - 1)}
LR_MAX = 1e6

# URL query keys an author can set, and what they mean.
QUERY_KEYS = ("model", "preset", "corpus", "lr", "batch", "context", "seed", "embed", "temperature")


def parse_float(text):
    """A float from text, or None. Accepts a decimal comma ("0,01") as typed on many keyboards."""
    text = str(text).strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def read_lr(text):
    """The learning rate typed in the form, or ValueError with the reason."""
    value = parse_float(text)
    if value is None or value <= 0:
        raise ValueError(f"The learning rate must be a positive number such as 0.003 (got \"{str(text).strip()}\").")
    if value > LR_MAX:
        raise ValueError(f"A learning rate of {text} is far too large to learn anything; use a value up to {LR_MAX:g}.")
    return value


def read_int(name, text, label=None):
    """A whole number within LIMITS[name], or ValueError naming the setting and the allowed range."""
    lo, hi = LIMITS[name]
    label = label or name
    text = str(text).strip()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < lo or value > hi:
        raise ValueError(f"The {label} must be a whole number from {lo} to {hi} (got \"{text}\").")
    return value


def read_temperature(text):
    """Sampling temperature: positive, at most 5 (beyond that samples are pure noise)."""
    value = parse_float(text)
    if value is None or value <= 0 or value > 5:
        raise ValueError(f"The temperature must be a number above 0 and at most 5 (got \"{str(text).strip()}\").")
    return value


def unquote(text):
    """Percent-decoding for query strings (MicroPython has no urllib)."""
    text = text.replace("+", " ")
    out = bytearray()
    i = 0
    raw = text.encode()
    while i < len(raw):
        c = raw[i]
        if c == 37 and i + 2 < len(raw):  # '%'
            try:
                out.append(int(raw[i + 1:i + 3].decode(), 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(c)
        i += 1
    return out.decode()


def parse_query(query, corpora=()):
    """Settings from a URL query such as "?model=mlp&lr=0.01&embed=1".

    Returns (settings, problems): settings holds only valid values (as the form would hold them), problems one
    sentence per ignored key, so a bad link still opens a working page and says what it ignored."""
    settings, problems = {}, []
    query = query[1:] if query.startswith("?") else query
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = unquote(key), unquote(value)
        if key not in QUERY_KEYS:
            problems.append(f"unknown setting \"{key}\"")
            continue
        try:
            if key == "model":
                if value not in MODELS:
                    raise ValueError(f"model must be one of {', '.join(MODELS)}")
                settings[key] = value
            elif key == "preset":
                if value not in PRESETS:
                    raise ValueError(f"preset must be one of {', '.join(PRESETS)}")
                settings[key] = value
            elif key == "corpus":
                if corpora and value not in corpora:
                    raise ValueError(f"corpus must be one of {', '.join(corpora)}")
                settings[key] = value
            elif key == "lr":
                settings[key] = read_lr(value)
            elif key == "temperature":
                settings[key] = read_temperature(value)
            elif key == "embed":
                settings[key] = value in ("1", "true", "yes")
            else:
                settings[key] = read_int(key, value)
        except ValueError as e:
            problems.append(f"{key}: {e}")
    return settings, problems
