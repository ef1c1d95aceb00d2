"""Saving and loading models as bytes: an .npz archive of plain arrays plus JSON metadata, never pickle.

Layout: "meta" holds UTF-8 JSON (format, kind, the model's config, the vocabulary, anything extra) as a uint8 array;
"param/<name>" holds each weight array. A whole training session (Trainer.to_bytes) adds its own arrays beside them,
so every trainer checkpoint is also a model checkpoint.
"""

import io
import json

import numpy as np

from .data import Vocab
from .models import build_model

FORMAT = "charlm"
FORMAT_VERSION = 1


def pack(arrays, meta):
    """Bytes of an .npz holding `arrays` (name -> ndarray) and `meta` (a JSON-able dict) under "meta"."""
    payload = json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, **meta}).encode("utf-8")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, meta=np.frombuffer(payload, dtype=np.uint8), **arrays)
    return buffer.getvalue()


def unpack(data):
    """(arrays, meta) from bytes made by `pack`; ValueError when the bytes are not a charlm checkpoint."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"a checkpoint is bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(b"PK"):  # every .npz is a zip archive
        raise ValueError("this is not a charlm checkpoint (it is not an .npz archive)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except Exception as e:  # a zip, npy or JSON error all mean the same thing to the person loading it
        raise ValueError(f"this is not a charlm checkpoint (it cannot be read: {type(e).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("this is not a charlm checkpoint (its metadata does not say charlm)")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"this checkpoint was written by a newer charlm (format {meta['format_version']}); "
                         f"upgrade charlm to read it")
    return arrays, meta


def model_arrays(model):
    """The weight arrays of `model` under their checkpoint names."""
    return {f"param/{name}": array for name, array in model.state_dict().items()}


def save_bytes(model, vocab, meta=None):
    """A model checkpoint as bytes: its config, its vocabulary and its weights (plus an optional JSON-able `meta`)."""
    return pack(model_arrays(model), {"kind": "model", "model": model.config, "vocab": "".join(vocab.chars),
                                      "extra": meta or {}})


def load_bytes(data):
    """(model, vocab, meta) rebuilt from checkpoint bytes made by `save_bytes` or `Trainer.to_bytes`."""
    arrays, meta = unpack(data)
    try:
        config, vocab = meta["model"], Vocab(meta["vocab"])
        model = build_model(config["name"], config["vocab_size"], config["context"],
                            dtype=config.get("dtype", "float32"), **config["sizes"])
    except (KeyError, TypeError) as e:
        raise ValueError(f"this charlm checkpoint is incomplete (missing {e})") from None
    if len(vocab) != model.vocab_size:
        raise ValueError(f"this checkpoint is inconsistent: {len(vocab)} characters but a model for "
                         f"{model.vocab_size}")
    load_model_arrays(model, arrays)
    return model, vocab, meta.get("extra", {})


def load_weights(model, vocab, data):
    """Load the weights of checkpoint bytes into an existing `model` trained on `vocab`, in place.

    ValueError when the checkpoint was made with another vocabulary (naming the differing characters) or a model of
    another shape (naming the weight and both shapes).
    """
    arrays, meta = unpack(data)
    saved = Vocab(meta.get("vocab", "") or "?")
    if saved != vocab:
        missing = sorted(set(vocab.chars) - set(saved.chars))
        extra = sorted(set(saved.chars) - set(vocab.chars))
        raise ValueError(f"this checkpoint was trained on a different alphabet ({len(saved)} characters, this model "
                         f"has {len(vocab)}): it lacks {''.join(missing)!r} and adds {''.join(extra)!r}. "
                         f"Load it with the text it was trained on")
    load_model_arrays(model, arrays)


def load_model_arrays(model, arrays):
    """Put the "param/..." arrays of an unpacked checkpoint into `model` (ValueError on a shape or key mismatch)."""
    model.load_state_dict({k[len("param/"):]: v for k, v in arrays.items() if k.startswith("param/")})
