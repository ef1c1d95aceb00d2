"""Saving and loading models as bytes: an .npz archive of plain arrays plus JSON metadata, never pickle.

Layout: "meta" holds UTF-8 JSON (format, kind, the model's config, the vocabulary, anything extra) as a uint8 array;
"param/<name>" holds each weight array. A whole training session (Trainer.to_bytes) adds its own arrays beside them,
so every trainer checkpoint is also a model checkpoint.

A checkpoint may come from anywhere, so reading one trusts nothing: the metadata is read first (at most
META_BYTES) and its settings held to charlm.checks.LIMITS; then every part's size as declared in the zip directory is
checked against what those settings need, before anything is decompressed; then each array's header is checked
against its bytes. So a small file that would inflate to gigabytes, or declare a huge array, is refused at once,
and every refusal is one plain sentence.
"""

import io
import json
import math
import zipfile

import numpy as np

from .checks import LIMITS, limited, whole
from .data import Vocab
from .models import build_model, check_sizes, count_parameters
from .nn import Module

FORMAT = "charlm"
FORMAT_VERSION = 1
META_BYTES = 1 << 20      # the JSON metadata: settings and a vocabulary, a few KB in practice
_NPY_HEADER = 4096        # room for one array's .npy header
_NOT_OURS = "this is not a charlm checkpoint"


def pack(arrays: dict, meta: dict) -> bytes:
    """Bytes of an .npz holding `arrays` (name -> ndarray) and `meta` (a JSON-able dict) under "meta"."""
    payload = json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, **meta}).encode("utf-8")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, meta=np.frombuffer(payload, dtype=np.uint8), **arrays)
    return buffer.getvalue()


def unpack(data):
    """(arrays, meta) from bytes made by `pack`; ValueError with a plain message when they are not a checkpoint
    charlm can safely read. A training session's settings are checked too (and its meta["trainer"] made plain)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"a checkpoint is bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(b"PK"):  # every .npz is a zip archive
        raise ValueError(f"{_NOT_OURS} (it is not an .npz archive)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError(f"{_NOT_OURS} (it is damaged or cut short: its table of contents cannot be read)") from None
    if "meta" not in members:
        raise ValueError(f"{_NOT_OURS} (it has no charlm metadata)")
    meta = _read_meta(archive, members["meta"])
    budget, total = _budget(meta)
    declared = sum(info.file_size for info in members.values())
    if len(members) > 4096 or declared > total:
        raise ValueError(f"this checkpoint is damaged or not from charlm: it says it unpacks to {declared:,} bytes, "
                         f"more than its settings need ({total:,})")
    for name, info in members.items():
        if name == "meta":
            continue
        allowed = budget(name)
        if allowed is None:
            raise ValueError(f"this checkpoint holds a part charlm does not know ({name!r}); it was not written "
                             f"by charlm")
        if info.file_size > allowed:
            raise ValueError(f"this checkpoint is damaged or not from charlm: its part {name!r} says it holds "
                             f"{info.file_size:,} bytes, more than its settings need ({allowed:,})")
    arrays = {name: _read_array(archive, info, name) for name, info in members.items() if name != "meta"}
    return arrays, meta


def _read_bytes(archive, info, limit):
    try:
        with archive.open(info) as f:
            raw = f.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise ValueError("this checkpoint is damaged or cut short (a part of it cannot be unpacked)") from None
    if len(raw) > limit:
        raise ValueError("this checkpoint is damaged: a part of it holds more than it says")
    return raw


def _read_array(archive, info, name, limit=None):
    """The array stored as .npy member `info`: only plain numbers, its header checked against its bytes."""
    raw = _read_bytes(archive, info, info.file_size if limit is None else limit)
    damaged = f"this checkpoint is damaged: its part {name!r} is not a plain array of numbers"
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran, dtype = read_header(f)
    except (ValueError, KeyError, TypeError, SyntaxError, EOFError, OverflowError, RecursionError):
        raise ValueError(damaged) from None
    if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
        raise ValueError(damaged)  # never pickled objects: they could run code
    count = math.prod(shape)
    if count * dtype.itemsize != len(raw) - f.tell():
        raise ValueError(damaged)
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=f.tell())
    return array.reshape(shape, order="F" if fortran else "C")


def _read_meta(archive, info):
    if info.file_size > META_BYTES + _NPY_HEADER:
        raise ValueError(f"{_NOT_OURS} (its metadata is {info.file_size:,} bytes; charlm's are a few thousand)")
    raw = _read_array(archive, info, "meta", META_BYTES + _NPY_HEADER)
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{_NOT_OURS} (its metadata is not UTF-8 text)") from None
    except ValueError:
        raise ValueError(f"{_NOT_OURS} (its metadata is not readable JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{_NOT_OURS} (its metadata does not say charlm)")
    version = meta.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"this checkpoint was written by a newer charlm (format {version!r}); upgrade charlm to "
                         f"read it")
    return meta


def _budget(meta):
    """Check the metadata's settings; return (name -> the most bytes that part may declare, None for a part charlm
    never writes; the most bytes all parts may declare together)."""
    config, vocab = model_config(meta)
    count = count_parameters(config["name"], len(vocab), config["context"], config["sizes"])
    if count > LIMITS["parameters"][1]:
        raise ValueError(f"this checkpoint declares a model of {count:,} weights; charlm loads at most "
                         f"{LIMITS['parameters'][1]:,}")
    weights = 8 * count + _NPY_HEADER  # one array of float64 at most; all of them together no more
    steps = 0
    if meta.get("kind") == "trainer":
        steps = _check_session(meta, config)
    sizes = {"text": LIMITS["text_bytes"][1] + _NPY_HEADER, "losses": 8 * steps + _NPY_HEADER,
             "val_losses": 16 * (steps + 1) + _NPY_HEADER, "optim/t": _NPY_HEADER}

    def allowed(name):
        if name.startswith("param/"):
            return weights
        if name.startswith("optim/") and name != "optim/t":
            return weights
        return sizes.get(name)
    # the weights, twice as much optimiser state (Adam's m and v), the text, the losses, and a header for each part
    return allowed, 3 * 8 * count + sum(sizes.values()) + META_BYTES + _NPY_HEADER * 4096


def model_config(meta):
    """(config, vocab) of the model a checkpoint's metadata describes, each setting checked; ValueError if not."""
    config, chars = meta.get("model"), meta.get("vocab")
    if not isinstance(config, dict) or not isinstance(chars, str) or not chars:
        raise ValueError("this charlm checkpoint is incomplete (it does not say which model it holds)")
    try:
        vocab = Vocab(chars)
    except ValueError:
        raise ValueError("this charlm checkpoint is damaged (its alphabet is not sorted characters)") from None
    sizes = config.get("sizes")
    if not isinstance(sizes, dict):
        raise ValueError("this charlm checkpoint is incomplete (it does not give the model's sizes)")
    config = {**config, "sizes": check_sizes(config.get("name"), sizes, limited=True),
              "context": whole(config.get("context"), "the model's context", 1, LIMITS["context"][1])}
    if config.get("vocab_size") != len(vocab):
        raise ValueError(f"this checkpoint is inconsistent: {len(vocab)} characters but a model for "
                         f"{config.get('vocab_size')!r}")
    if config.get("dtype", "float32") not in ("float32", "float64"):
        raise ValueError("this charlm checkpoint is damaged (its weights are of an unknown number type)")
    return config, vocab


def _check_session(meta, config):
    """Hold a training session's settings to LIMITS in place; return its number of steps."""
    from .trainer import check_config  # the Trainer's own check; imported here because the trainer imports us

    state = meta.get("trainer")
    if not isinstance(state, dict) or not isinstance(state.get("config"), dict):
        raise ValueError("this training checkpoint is incomplete (it does not give its settings)")
    try:
        state["config"] = cfg = check_config(state["config"])
    except ValueError as e:
        raise ValueError(f"this training checkpoint has settings charlm will not use: {e}") from None
    if (cfg["model"], cfg["context"], cfg["sizes"]) != (config["name"], config["context"], config["sizes"]):
        raise ValueError("this training checkpoint is inconsistent: its settings do not match its model")
    state["step"] = whole(state.get("step"), "the step", *LIMITS["steps"])
    state["lr"] = limited(state.get("lr"), "lr", "the learning rate")
    return state["step"]


def read_session(data):
    """(arrays, meta, state) of a training session (Trainer.to_bytes), every part checked; for Trainer.from_bytes.

    state holds config, text, lr, rng, step, losses and val_losses, ready to use."""
    arrays, meta = unpack(data)
    if meta.get("kind") != "trainer" or "trainer" not in meta:
        raise ValueError("this checkpoint holds a model only, not a training session; load it with "
                         "charlm.load_bytes to sample from it")
    state = dict(meta["trainer"])
    missing = [k for k in ("text", "losses", "val_losses") if k not in arrays]
    if missing or "lr" not in state or "rng" not in state:
        raise ValueError(f"this training checkpoint is incomplete (missing {', '.join(missing) or 'its state'})")
    try:
        state["text"] = arrays["text"].tobytes().decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise ValueError("this training checkpoint is damaged (its text is not UTF-8)") from None
    losses, val = arrays["losses"], arrays["val_losses"]
    if losses.shape != (state["step"],) or val.ndim != 2 or val.shape[1:] != (2,):
        raise ValueError(f"this training checkpoint is inconsistent: {state['step']} steps but "
                         f"{losses.size} losses")
    state["losses"] = [float(x) for x in losses]
    state["val_losses"] = [(int(s), float(v)) for s, v in val]
    return arrays, meta, state


def model_arrays(model):
    """The weight arrays of `model` under their checkpoint names."""
    return {f"param/{name}": array for name, array in model.state_dict().items()}


def save_bytes(model: Module, vocab: Vocab, meta: dict | None = None) -> bytes:
    """A model checkpoint as bytes: its config, its vocabulary and its weights (plus an optional JSON-able `meta`)."""
    return pack(model_arrays(model), {"kind": "model", "model": model.config, "vocab": "".join(vocab.chars),
                                      "extra": meta or {}})


def load_bytes(data: bytes) -> tuple[Module, Vocab, dict]:
    """(model, vocab, meta) rebuilt from checkpoint bytes made by `save_bytes` or `Trainer.to_bytes`."""
    arrays, meta = unpack(data)
    config, vocab = model_config(meta)
    model = build_model(config["name"], config["vocab_size"], config["context"], dtype=config.get("dtype", "float32"),
                        **config["sizes"])
    load_model_arrays(model, arrays)
    extra = meta.get("extra", {})
    return model, vocab, extra if isinstance(extra, dict) else {}


def load_model_arrays(model, arrays):
    """Put the "param/..." arrays of an unpacked checkpoint into `model` (ValueError on a shape or key mismatch)."""
    model.load_state_dict({k[len("param/"):]: v for k, v in arrays.items() if k.startswith("param/")})
