"""The trainer's settings: reading them from the form and from the page URL, with messages a learner understands.

Pure logic (no DOM), shared by MicroPython in the page and CPython in the tests.
"""

# (smallest, largest) a learner may ask for, until the worker's info() says otherwise: charlm holds the real limits
# (charlm.checks.LIMITS) and the page takes them from info() through form_limits().
LIMITS = {"batch": (1, 256), "context": (2, 256), "seed": (0, 2 ** 31 - 1), "lr": (0.0, 1e6), "temperature": (0.0, 5.0),
          "text_bytes": (1, 5_000_000), "model_bytes": (1, 20_000_000)}
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


MAX_QUERY_VALUE = 100  # characters of one setting in a page address; longer ones are ignored (and named)
HEX = "0123456789abcdefABCDEF"


def unquote(text):
    """Percent-decoding for query strings (MicroPython has no urllib), or ValueError when `text` is not valid:
    a "%" not followed by two hex digits, or bytes that do not spell UTF-8 text."""
    out = bytearray()
    i = 0
    raw = text.replace("+", " ").encode()
    while i < len(raw):
        c = raw[i]
        if c == 37:  # '%'
            pair = raw[i + 1:i + 3].decode()
            if len(pair) != 2 or pair[0] not in HEX or pair[1] not in HEX:
                raise ValueError(f"\"{text[:20]}\" has a % that is not followed by two hex digits")
            out.append(int(pair, 16))
            i += 3
            continue
        out.append(c)
        i += 1
    try:
        return bytes(out).decode("utf-8")
    except UnicodeError:  # MicroPython raises UnicodeError, CPython its subclass UnicodeDecodeError
        raise ValueError(f"\"{text[:20]}\" is not valid percent-encoded text") from None


def shown(text):
    """A key or value as the status line quotes it: short, whatever an address holds."""
    return text if len(text) <= 20 else text[:20] + "..."


def parse_query(query, corpora=(), models=(), presets=()):
    """Settings from a URL query such as "?model=mlp&lr=0.01&embed=1".

    Returns (settings, problems): settings holds only valid values (as the form would hold them), problems one
    sentence per ignored or overridden key, so a bad link still opens a working page and says what it ignored.
    Nothing in an address makes this raise: bad percent-encoding, unknown keys, over-long values are each named
    and skipped; a key given twice keeps its last value and says so. The allowed corpora, models and presets come
    from the worker's info(); an empty list means "not known yet: keep it"."""
    settings, problems, seen = {}, [], set()
    query = query[1:] if query.startswith("?") else query
    for part in query.split("&"):
        if not part:
            continue
        raw_key, _, raw_value = part.partition("=")
        try:
            key = unquote(raw_key)
        except ValueError as e:
            problems.append(f"a setting name: {e}")
            continue
        if key not in QUERY_KEYS:
            problems.append(f"unknown setting \"{shown(key)}\"")
            continue
        if key in seen:
            problems.append(f"{key} was given more than once; the last one counts")
            settings.pop(key, None)
        seen.add(key)
        try:
            if len(raw_value) > MAX_QUERY_VALUE:
                raise ValueError(f"the value is {len(raw_value)} characters long (at most {MAX_QUERY_VALUE})")
            value = unquote(raw_value)
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
