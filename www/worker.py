"""The trainer's web worker: Pyodide with numpy and charlm, driven by the page's main thread in short chunks.

Every exported function takes and returns a JSON string (plain lists and numbers cross the worker boundary; numpy
arrays do not). Errors come back as {"error": "..."} with a message for the learner, never as an exception, so the
worker survives bad input and keeps its trained model.

Bulk data never goes through the page's MicroPython as JSON (its json module takes seconds per megabyte): a file
the learner picks crosses as the browser's File object (upload_file, load_file read it here, after checking its
size), a pasted text as one string beside the JSON (setup), and what the page downloads or shows (a saved model, a
text) comes back as an object URL of a Blob made here (save_file; "text_url" in the run).
"""

import asyncio
import base64
import hashlib
import sys
import time

import numpy as np

import charlm
import charlm.checks
import charlm.texts
from charlm import kernels
from worker_base import answer, describe, progress, require, sentence, state, val_losses_unsent
from worker_store import store_clear, store_peek, store_restore, store_save  # noqa: F401 (exported)
from worker_views import (  # noqa: F401 (exported below)
    attention,
    char_map,
    copied,
    keep_snapshot,
    snapshot,
    snapshot_view,
    step_through,
    steps_to_snapshot,
    surprise,
)


async def load_openblas():
    """Install Pyodide's openblas package, then multiply matrices with it (charlm uses einsum until then).

    Loaded in the background rather than listed in worker.json's packages: listed, it would hold back the worker's
    start (so Train) by the package's load time, 0.3-0.8 s after numpy in Pyodide under node (bench/bench_kernels.py,
    start-up line), while here nothing waits and only the first steps run on einsum. If the package or the library
    is missing, charlm stays on einsum and kernels.kernel() says so."""
    try:
        import pyodide_js
        await pyodide_js.loadPackage("openblas")
    except Exception:  # not in Pyodide, or the runtime lacks the package: use_openblas() below reports why
        pass
    kernels.use_openblas()


if kernels.IN_BROWSER:
    openblas_loading = asyncio.ensure_future(load_openblas())


MAX_TEXT_BYTES = charlm.checks.LIMITS["text_bytes"][1]  # charlm's limit for a text; checked by File.size first
MAX_MODEL_BYTES = charlm.checks.LIMITS["model_bytes"][1]  # a larger file is refused unread
INLINE_TEXT_CHARS = 200_000   # a longer custom text is scripted as a file to read (see app/run_script.py)
LIVE_SAMPLE_SHARE = 0.05      # of the training time, spent writing the live sample a few characters per chunk
LIVE_SAMPLE_CREDIT = 0.05     # seconds of sampling saved up at most, so a pause cannot buy a burst later


def from_base64(data, what):
    """Bytes the page sent as base64, or ValueError saying `what` could not be read."""
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:  # binascii.Error: the page sent something that is not base64
        raise ValueError(f"{what} could not be read; choose it again.") from None


def decode_upload(data_b64, filename):
    """The text of an uploaded file sent as base64, or ValueError when it is not a UTF-8 text file."""
    name = filename or "the file"
    return charlm.decode_text(from_base64(data_b64, f"\"{name}\""), name)


@answer
def info(_):
    """Versions, built-in texts, the models, their defaults and presets, and the limits of every setting.

    limits: setting -> {"min", "max", "whole"} (see charlm.checks.describe_limits); models: name -> a one-line
    description. The page builds its menus and checks its form from these instead of copying charlm's constants."""
    import pyodide
    return {
        "python": sys.version.split()[0],
        "pyodide": pyodide.__version__,
        "numpy": np.__version__,
        "charlm": charlm.__version__,
        "kernel": kernels.kernel(),
        "corpora": charlm.texts.describe(),
        "defaults": charlm.DEFAULTS,
        "presets": {m: list(p) for m, p in charlm.PRESETS.items()},
        "models": dict(charlm.DESCRIPTIONS),
        "limits": charlm.checks.describe_limits(),
    }


@answer
def kernel(_):
    """The matrix kernel in use ({"kernel": "OpenBLAS sgemm"} once the library has loaded), for the page's footer."""
    settled = not kernels.IN_BROWSER or openblas_loading.done()  # False while OpenBLAS is still loading
    return {"kernel": kernels.kernel(), "settled": settled}


@answer
def read_upload(args):
    """Decode an uploaded file (sent as base64) into text, checking that it is text at all."""
    return {"text": decode_upload(args["data"], args.get("filename"))}


def size_limit(what, name, size, limit):
    if size > limit:
        raise ValueError(f"\"{name}\" is {size / 1e6:.1f} MB; a {what} here can be at most {limit / 1e6:.0f} MB, "
                         f"so it was not read.")


async def file_bytes(file, limit, name, what):
    """The bytes of a browser File, refused by its size before anything is read."""
    size_limit(what, name, int(file.size), limit)
    return (await file.arrayBuffer()).to_bytes()


def object_url(kind, data, mime):
    """An object URL for `data` (str or bytes) that the page can download or read; the previous URL of this kind is
    released. None outside a browser (CPython tests)."""
    try:
        import js
        from pyodide.ffi import to_js
    except ImportError:
        return None
    old = state.get("urls", {}).get(kind)
    if old:
        js.URL.revokeObjectURL(old)
    url = js.URL.createObjectURL(js.Blob.new(to_js([data]), to_js({"type": mime})))
    state.setdefault("urls", {})[kind] = url
    return url


def text_facts(text):
    """What the page needs to know about a learner's own text without receiving it: its length, a URL to read or
    download it, and for a long text the file name and sha256 the run's script checks."""
    facts = {"text_chars": len(text), "text_url": object_url("text", text, "text/plain;charset=utf-8")}
    if len(text) > INLINE_TEXT_CHARS:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        facts.update(text_file=f"charlm-text-{digest[:8]}.txt", text_sha256=digest)
    return facts


@answer
async def upload_file(args):
    """Read an uploaded text file (the browser's File, as bulk data): its length and a URL of its decoded text."""
    name = args.get("filename") or "the file"
    text = charlm.decode_text(await file_bytes(args["bulk"], MAX_TEXT_BYTES, name, "text file"), name)
    return {"chars": len(text), "url": object_url("upload", text, "text/plain;charset=utf-8")}


@answer
def setup(args):
    """Build a fresh trainer for the given settings. On bad settings the previous trainer is kept untouched.

    A learner's own text comes as bulk data (one string beside the JSON) or, from older callers, as "text"."""
    bulk = args.pop("bulk", None)
    return build(args, bulk if bulk is not None else args.get("text", ""))


@answer
async def setup_text(args):
    """setup() with the learner's own text as a Blob (bulk data), read here: a string of megabytes handed to the
    worker call itself would be copied piece by piece on the page's thread, a Blob crosses whole."""
    blob = args.pop("bulk")
    size_limit("text", "Your text", int(blob.size), MAX_TEXT_BYTES)
    return build(args, await blob.text())


def build(args, text):
    if args.get("corpus"):
        text = charlm.texts.load(args["corpus"])
    else:
        size_limit("text", "Your text", len(text), MAX_TEXT_BYTES)
    trainer = charlm.Trainer(text, model=args["model"], preset=args["preset"], context=args["context"],
                             lr=args["lr"], batch_size=args["batch_size"], seed=args["seed"])
    run = dict(args)
    if not args.get("corpus"):
        run.update(text=text, **text_facts(text))
    state.update(trainer=trainer, run=run, lr_changes=[])
    return describe()


@answer
def train(args):
    """Train for about `ms` milliseconds (or at most `max_steps` steps); return the new losses."""
    t = require()
    start = time.perf_counter()
    keep_snapshot()  # the timeline's weights of this step (step 0 of a new model, say), before training moves on
    # A chunk stops on the timeline's next snapshot step, so that step's weights are the ones kept.
    most = min(int(args["max_steps"]), steps_to_snapshot()) if args.get("max_steps") else steps_to_snapshot()
    if args.get("max_steps") and not args.get("ms"):
        new = t.run(most)
    else:
        new = t.run_for(float(args.get("ms", 150)) / 1000, max_steps=most)
    snapshots = keep_snapshot()
    return {
        "snapshots": snapshots,
        "losses": [float(x) for x in new],
        "val_losses": val_losses_unsent(t),
        "seconds": time.perf_counter() - start,
        "memory": wasm_memory(),
        **progress(),
        **({"sample": grow_sample(t, args["live"], time.perf_counter() - start)} if args.get("live") else {}),
    }


def grow_sample(t, live, trained):
    """The live sample, a few more characters of it: `trained` seconds of training just ran, and the sample gets
    LIVE_SAMPLE_SHARE of that. One character costs a whole forward pass, so writing 160 at once would stall
    training for seconds; written along the way it costs a fixed share and the learner watches it being typed.
    `live` is {"length", "temperature", "restart"}; a finished (or restarted) sample begins anew."""
    s = state.get("live")
    temperature = float(live.get("temperature", 1.0))
    if s is None or s["done"] or s["trainer"] is not t or s["temperature"] != temperature or live.get("restart"):
        credit = s["credit"] if s else 0.0
        s = state["live"] = {"text": "", "done": False, "credit": credit, "trainer": t, "temperature": temperature,
                             "length": int(live.get("length", 160)), "from_step": t.step,
                             "rng": np.random.default_rng([int(state["run"]["seed"]), t.step, 1])}
    s["credit"] = min(s["credit"] + LIVE_SAMPLE_SHARE * trained, LIVE_SAMPLE_CREDIT)
    began = time.perf_counter()
    while s["credit"] > 0 and len(s["text"]) < s["length"]:
        start = time.perf_counter()
        s["text"] += charlm.generate(t.model, t.data.vocab, s["text"], 1, temperature=temperature, rng=s["rng"])
        s["credit"] -= time.perf_counter() - start
    s["done"] = len(s["text"]) >= s["length"]
    return {"text": s["text"], "done": s["done"], "from_step": s["from_step"], "step": t.step,
            "temperature": temperature, "seconds": time.perf_counter() - began}


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
    lr = charlm.checks.limited(args.get("lr"), "lr", "the learning rate")
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
def save_file(_):
    """The whole trainer as a .npz file behind an object URL the page downloads (nothing big crosses)."""
    t = require()
    data = t.to_bytes()
    return {"url": object_url("save", data, "application/octet-stream"), "bytes": len(data),
            "filename": f"charlm-{state['run']['model']}-step{t.step}.npz"}


@answer
def load(args):
    """Restore a trainer saved with save() (sent as base64); a file that is not one leaves the current trainer."""
    name = args.get("filename") or "that file"
    return restore(from_base64(args["data"], f"Could not load \"{name}\": it"), name)


@answer
async def load_file(args):
    """Restore a trainer from a saved file (the browser's File, as bulk data), refused by size before reading. The
    text of a run on the learner's own text comes back as run["text_url"], not inline."""
    name = args.get("filename") or "that file"
    out = restore(await file_bytes(args["bulk"], MAX_MODEL_BYTES, name, "saved model"), name)
    out.pop("text", None)
    return out


def restore(raw, name):
    """The trainer in `raw` (the bytes of a saved model) becomes the current one, or ValueError naming the file."""
    try:
        trainer = charlm.Trainer.from_bytes(raw)
    except ValueError as e:  # charlm's loader says in plain words what is wrong
        raise ValueError(f"Could not load \"{name}\": {sentence(str(e))}") from None
    except Exception:  # a case charlm's checks missed: name the file, never the library's internals
        raise ValueError(f"Could not load \"{name}\": it is not a model saved from this page.") from None
    cfg = trainer.config
    # A saved run on a built-in text is shown (and scripted) as that text rather than as a pasted copy of it.
    corpus = next((c for c in charlm.texts.names() if charlm.texts.load(c) == trainer.data.text), None)
    state.update(trainer=trainer, lr_changes=[], run={
        "model": cfg["model"], "preset": cfg["preset"], "context": cfg["context"], "lr": cfg["lr"],
        "batch_size": cfg["batch_size"], "seed": cfg["seed"], "corpus": corpus, "grad_clip": cfg["grad_clip"],
        "optimizer": cfg["optimizer"], "val_fraction": cfg["val_fraction"]})
    if not corpus:
        state["run"].update(text_facts(trainer.data.text))
    out = describe()
    out["text"] = None if corpus else trainer.data.text
    return out


__export__ = ["info", "kernel", "read_upload", "upload_file", "setup", "setup_text", "train", "set_lr", "sample",
              "next_char", "save", "save_file", "load", "load_file", "store_peek", "store_restore", "store_save",
              "store_clear", "surprise", "attention", "char_map", "copied", "snapshot", "snapshot_view", "step_through"]
