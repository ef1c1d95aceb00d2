"""The trainer's settings: reading them from the form and from the page URL, with messages a learner understands.

Pure logic (no DOM), shared by MicroPython in the page and CPython in the tests.
"""

# (smallest, largest) a learner may ask for, until the worker's info() says otherwise: charlm holds the real limits
# (charlm.checks.LIMITS) and the page takes them from info() through form_limits().
LIMITS = {"batch": (1, 256), "context": (2, 256), "seed": (0, 2 ** 31 - 1), "lr": (0.0, 1e6), "temperature": (0.0, 5.0)}
FORM_NAMES = {"batch_size": "batch"}  # charlm's names for the form's fields, where they differ

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


def form_limits(limits=None):
    """The form's limits: charlm's (info()["limits"]: name -> {"min", "max", "whole"}, named as charlm names them)
    over the defaults above."""
    out = dict(LIMITS)
    for key, value in (limits or {}).items():
        name = FORM_NAMES.get(key, key)
        if name in out:
            out[name] = (value["min"], value["max"])
    return out


def read_lr(text, limits=None):
    """The learning rate typed in the form, or ValueError with the reason."""
    value = parse_float(text)
    if value is None or value <= 0:
        raise ValueError(f"The learning rate must be a positive number such as 0.003 (got \"{str(text).strip()}\").")
    top = (limits or LIMITS)["lr"][1]
    if value > top:
        raise ValueError(f"A learning rate of {text} is far too large to learn anything; use a value up to {top:g}.")
    return value


def read_int(name, text, label=None, limits=None):
    """A whole number within the limits for `name`, or ValueError naming the setting and the allowed range."""
    lo, hi = (limits or LIMITS)[name]
    label = label or name
    text = str(text).strip()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < lo or value > hi:
        raise ValueError(f"The {label} must be a whole number from {lo} to {hi} (got \"{text}\").")
    return value


def read_temperature(text, limits=None):
    """Sampling temperature: positive, at most 5 (beyond that samples are pure noise)."""
    value = parse_float(text)
    top = (limits or LIMITS)["temperature"][1]
    if value is None or value <= 0 or value > top:
        raise ValueError(f"The temperature must be a number above 0 and at most {top:g} "
                         f"(got \"{str(text).strip()}\").")
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


def parse_query(query, corpora=(), models=(), presets=()):
    """Settings from a URL query such as "?model=mlp&lr=0.01&embed=1".

    Returns (settings, problems): settings holds only valid values (as the form would hold them), problems one
    sentence per ignored key, so a bad link still opens a working page and says what it ignored. The allowed
    corpora, models and presets come from the worker's info(); an empty list means "not known yet: keep it"."""
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
                if models and value not in models:
                    raise ValueError(f"model must be one of {', '.join(models)}")
                settings[key] = value
            elif key == "preset":
                if presets and value not in presets:
                    raise ValueError(f"preset must be one of {', '.join(presets)}")
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


SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"


def quote(text):
    """Percent-encoding for query values (MicroPython has no urllib); unquote() reads it back."""
    out = []
    for byte in str(text).encode():
        ch = chr(byte)
        out.append(ch if ch in SAFE else f"%{byte:02X}")
    return "".join(out)


def to_query(values, embed=False):
    """The page address's query for these settings, e.g. "?model=mlp&preset=small&lr=0.01", so that opening it
    reproduces the setup (parse_query reads it back). Keys in QUERY_KEYS order; `embed` keeps the activity-only
    view. The learner's own text never goes in: it is theirs, and far too long for an address."""
    values = dict(values)
    if embed:
        values["embed"] = True
    parts = []
    for key in QUERY_KEYS:
        value = values.get(key)
        if value is None or value == "" or (key == "corpus" and value == "custom"):
            continue
        if key == "embed":
            if not value:
                continue
            value = "1"
        parts.append(f"{key}={quote(value)}")
    return "?" + "&".join(parts) if parts else ""
