"""The trainer's web worker: Pyodide with numpy and charlm, driven by the page's main thread in short chunks.

Every exported function takes and returns a JSON string (plain lists and numbers cross the worker boundary; numpy
arrays do not). Errors come back as {"error": "..."} with a message for the learner, never as an exception, so the
worker survives bad input and keeps its trained model.
"""

import base64
import sys
import time

import numpy as np
from worker_views import attention, char_map, copied, snapshot, snapshot_view, step_through, surprise  # noqa: F401 (exported below)

import charlm
import charlm.texts
from worker_base import answer, describe, progress, require, sentence, state

MAX_TEXT_BYTES = 5_000_000  # larger uploads would take minutes per epoch in the browser; say so instead

def decode_upload(data_b64, filename):
    """The text of an uploaded file, or ValueError when it is not a UTF-8 text file."""
    raw = base64.b64decode(data_b64)
    name = filename or "the file"
    if len(raw) > MAX_TEXT_BYTES:
        raise ValueError(f"\"{name}\" is {len(raw) / 1e6:.1f} MB; choose a text of at most "
                         f"{MAX_TEXT_BYTES / 1e6:.0f} MB (a few hundred KB is plenty here).")
    if b"\0" in raw[:65536]:
        raise ValueError(f"\"{name}\" is not a text file (it contains binary data). Choose a plain .txt file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"\"{name}\" is not UTF-8 text (byte {e.start} cannot be read). "
                         f"Save it as UTF-8 plain text and try again.") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@answer
def info(_):
    """Versions, built-in texts and each model's defaults, for the page's footer and menus."""
    import pyodide
    return {
        "python": sys.version.split()[0],
        "pyodide": pyodide.__version__,
        "numpy": np.__version__,
        "charlm": charlm.__version__,
        "corpora": charlm.texts.describe(),
        "defaults": charlm.DEFAULTS,
        "presets": {m: list(p) for m, p in charlm.PRESETS.items()},
    }


@answer
def read_upload(args):
    """Decode an uploaded file (sent as base64) into text, checking that it is text at all."""
    return {"text": decode_upload(args["data"], args.get("filename"))}


@answer
def setup(args):
    """Build a fresh trainer for the given settings. On bad settings the previous trainer is kept untouched."""
    text = charlm.texts.load(args["corpus"]) if args.get("corpus") else args.get("text", "")
    trainer = charlm.Trainer(text, model=args["model"], preset=args["preset"], context=args["context"],
                             lr=args["lr"], batch_size=args["batch_size"], seed=args["seed"])
    state.update(trainer=trainer, run=args, lr_changes=[])
    return describe()


@answer
def train(args):
    """Train for about `ms` milliseconds (or at most `max_steps` steps); return the new losses."""
    t = require()
    before_val = len(t.val_losses)
    start = time.perf_counter()
    if args.get("max_steps") and not args.get("ms"):
        new = t.run(int(args["max_steps"]))
    else:
        new = t.run_for(float(args.get("ms", 150)) / 1000, max_steps=args.get("max_steps"))
    return {
        "losses": [float(x) for x in new],
        "val_losses": [[int(s), float(v)] for s, v in t.val_losses[before_val:]],
        "seconds": time.perf_counter() - start,
        "memory": wasm_memory(),
        **progress(),
    }


def wasm_memory():
    """Bytes of WebAssembly memory the worker's Python holds (it only grows), for the page and the benchmark."""
    try:
        import pyodide_js
        return int(pyodide_js._module.HEAP8.length)
    except Exception:  # not in Pyodide (a CPython test): nothing to report
        return None


@answer
def set_lr(args):
    """Change the learning rate from the next step on (recorded so the Python script can replay it)."""
    t = require()
    lr = float(args["lr"])
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"The learning rate must be a positive number (got {args['lr']}).")
    if lr != t.optimizer.lr:
        t.optimizer.lr = lr
        if t.step == 0:
            state["run"]["lr"] = lr  # nothing trained yet: the run simply starts with this rate
        else:
            state["lr_changes"] = [c for c in state["lr_changes"] if c[0] != t.step] + [[t.step, lr]]
    return {"lr": lr, "lr_changes": state["lr_changes"]}


@answer
def sample(args):
    """A sample of `length` characters after `prompt` at `temperature`, reproducible for a given step."""
    t = require()
    rng = np.random.default_rng([int(state["run"]["seed"]), t.step, int(args.get("nonce", 0))])
    prompt = args.get("prompt", "")
    text = charlm.generate(t.model, t.data.vocab, prompt, int(args.get("length", 160)),
                           temperature=float(args.get("temperature", 1.0)), rng=rng)
    return {"prompt": prompt, "text": text, "step": t.step}


@answer
def next_char(args):
    """The model's most likely next characters after `prompt`, with their probabilities."""
    t = require()
    probs = charlm.next_char_probs(t.model, t.data.vocab, args.get("prompt", ""))
    return {"probs": [[c, float(p)] for c, p in probs[: int(args.get("top", 10))]], "step": t.step}


@answer
def save(_):
    """The whole trainer (settings, text, weights, optimiser, losses) as a base64 .npz file."""
    t = require()
    return {"data": base64.b64encode(t.to_bytes()).decode("ascii"),
            "filename": f"charlm-{state['run']['model']}-step{t.step}.npz"}


@answer
def load(args):
    """Restore a trainer saved with save(); a file that is not one leaves the current trainer in place."""
    raw = base64.b64decode(args["data"])
    name = args.get("filename") or "that file"
    try:
        trainer = charlm.Trainer.from_bytes(raw)
    except ValueError as e:
        raise ValueError(f"Could not load \"{name}\": {sentence(str(e))}") from None
    except Exception as e:  # a damaged file can fail anywhere in numpy's reader: name the file, not the library
        raise ValueError(f"Could not load \"{name}\": it is not a model saved from this page ({e}).") from None
    cfg = trainer.config
    # A saved run on a built-in text is shown (and scripted) as that text rather than as a pasted copy of it.
    corpus = next((c for c in charlm.texts.names() if charlm.texts.load(c) == trainer.data.text), None)
    state.update(trainer=trainer, lr_changes=[], run={
        "model": cfg["model"], "preset": cfg["preset"], "context": cfg["context"], "lr": cfg["lr"],
        "batch_size": cfg["batch_size"], "seed": cfg["seed"], "corpus": corpus, "grad_clip": cfg["grad_clip"],
        "optimizer": cfg["optimizer"], "val_fraction": cfg["val_fraction"]})
    out = describe()
    out["text"] = None if corpus else trainer.data.text
    return out


__export__ = ["info", "read_upload", "setup", "train", "set_lr", "sample", "next_char", "save", "load",
              "surprise", "attention", "char_map", "copied", "snapshot", "snapshot_view", "step_through"]
