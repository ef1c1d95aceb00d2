"""The worker's functions against hostile input, in the browser's own Python (Pyodide under node), with bulk data
crossing as the page sends it: a File object, a text as one string beside the JSON.

Each case checks the message and that nothing was lost: the trained model keeps its step and its losses.
"""

import hashlib

from test_pyodide import run_in_pyodide

PRELUDE = """
import sys
sys.path.insert(0, '/home/pyodide')
import json, js, worker
from pyodide.ffi import to_js

async def call(fn, bulk=None, **args):
    reply = fn(json.dumps(args)) if bulk is None else fn(json.dumps(args), bulk)
    if hasattr(reply, "__await__"):
        reply = await reply
    return reply

def decoded(reply):
    return json.loads(reply)

def file(data, name):
    return js.File.new(to_js([to_js(data)]), name)

SETUP = dict(model="mlp", preset="small", context=16, lr=0.01, batch_size=8, seed=0, grad_clip=1.0)
out = {}
"""


def run_async_in_pyodide(tmp_path, code):
    """Run `code` after PRELUDE in Pyodide (test_pyodide's harness); the `out` it fills, as JSON."""
    return run_in_pyodide(tmp_path, PRELUDE + code + "\njson.dumps(out, ensure_ascii=False)\n", timeout=600)


def test_hostile_files_and_texts(tmp_path):
    code = """
out["setup"] = decoded(await call(worker.setup, corpus="lesson", **SETUP))
out["train"] = decoded(await call(worker.train, max_steps=3))

# A file over the limit is refused by its size: this one's bytes cannot even be read.
class Huge:
    size = 6_000_000
    name = "huge.txt"
    def arrayBuffer(self):
        raise RuntimeError("read")
out["huge"] = decoded(await call(worker.upload_file, bulk=Huge(), filename="huge.txt"))
class Fifty(Huge):
    size = 50_000_000
out["huge_model"] = decoded(await call(worker.load_file, bulk=Fifty(), filename="fifty.npz"))

# A random 10 MB file as a model: a plain message, the model kept.
import random
rnd = random.Random(1)
junk = bytes(rnd.getrandbits(8) for _ in range(100_000)) * 100
out["junk_model"] = decoded(await call(worker.load_file, bulk=file(junk, "junk.bin"), filename="junk.bin"))
out["after_junk"] = decoded(await call(worker.train, max_steps=1))

# Emoji through upload: whole characters in the text behind the URL and in the vocabulary.
emoji = ("I \\U0001F984 love \\U0001F600 the fox ran over the hill and sat down. " * 60).encode()
raw = await call(worker.upload_file, bulk=file(emoji, "emoji.txt"), filename="emoji.txt")
out["upload_raw_has_no_escapes"] = "\\\\ud83e" not in raw
up = decoded(raw)
out["upload"] = up
text = await (await js.fetch(up["url"])).text()
out["upload_text_ok"] = text == emoji.decode()

# A pasted text crosses as a Blob the worker reads; the reply carries emoji as themselves.
raw = await call(worker.setup_text, bulk=js.Blob.new(to_js([text])), **SETUP)
out["emoji_raw_has_no_escapes"] = "\\\\ud83e" not in raw
out["emoji_setup"] = decoded(raw)
out["emoji_sample"] = decoded(await call(worker.sample, length=200, temperature=1.0))
out["emoji_next"] = decoded(await call(worker.next_char, prompt="I \\U0001F984", top=60))

# A long text: the run names a file and its sha256, behind a URL whose bytes match.
long = "the quick brown fox jumps over the lazy dog. " * 5000
big = decoded(await call(worker.setup, bulk=long, **SETUP))
out["long_run"] = big["run"]
got = await (await js.fetch(big["run"]["text_url"])).text()
out["long_url_ok"] = got == long

# A text over the limit (a 20 MB paste) is refused; the long-text model stays, with its step.
decoded(await call(worker.train, max_steps=2))
out["too_long"] = decoded(await call(worker.setup_text, bulk=js.Blob.new(to_js(["x" * 20_000_001])), **SETUP))
out["too_long_str"] = decoded(await call(worker.setup, bulk="x" * 5_000_001, **SETUP))
out["after_too_long"] = decoded(await call(worker.train, max_steps=1))

# Save behind a URL, load it back as a File: the same step and losses.
saved = decoded(await call(worker.save_file))
data = (await (await js.fetch(saved["url"])).arrayBuffer()).to_bytes()
out["saved"] = {"filename": saved["filename"], "bytes": saved["bytes"], "len": len(data)}
loaded = decoded(await call(worker.load_file, bulk=file(data, saved["filename"]), filename=saved["filename"]))
out["loaded"] = {k: loaded.get(k) for k in ("step", "losses", "error")}
out["loaded_run"] = loaded["run"]
"""
    got = run_async_in_pyodide(tmp_path, code)
    trained = got["train"]["losses"]
    assert "huge.txt" in got["huge"]["error"] and "not read" in got["huge"]["error"]
    assert "fifty.npz" in got["huge_model"]["error"] and "at most 20 MB" in got["huge_model"]["error"]
    assert "junk.bin" in got["junk_model"]["error"] and "Error" not in got["junk_model"]["error"]
    assert got["after_junk"]["step"] == 4  # the trained model was kept and trains on
    assert got["upload_raw_has_no_escapes"] and got["upload_text_ok"]
    assert got["upload"]["chars"] == len(("I \U0001F984 love \U0001F600 the fox ran over the hill and sat down. ") * 60)
    assert got["emoji_raw_has_no_escapes"]
    distinct = set("I \U0001F984 love \U0001F600 the fox ran over the hill and sat down. ")
    assert got["emoji_setup"]["vocab_size"] == len(distinct)
    assert set(got["emoji_sample"]["text"]) <= distinct and len(got["emoji_sample"]["text"]) == 200
    assert {c for c, _ in got["emoji_next"]["probs"]} == distinct
    run = got["long_run"]
    digest = hashlib.sha256(("the quick brown fox jumps over the lazy dog. " * 5000).encode()).hexdigest()
    assert run["text_sha256"] == digest and run["text_file"] == f"charlm-text-{digest[:8]}.txt"
    assert run["text_chars"] == 225_000 and got["long_url_ok"] and "text" not in run
    assert "at most 5 MB" in got["too_long"]["error"] and "at most 5 MB" in got["too_long_str"]["error"]
    assert got["after_too_long"]["step"] == 3
    assert got["saved"]["bytes"] == got["saved"]["len"] > 0
    assert got["loaded"]["error"] is None and got["loaded"]["step"] == 3
    assert got["loaded_run"]["text_sha256"] == digest  # the loaded run's text is offered again, not inlined
    assert len(trained) == 3


def test_live_sample_grows_within_its_share_of_training_time(tmp_path):
    code = """
decoded(await call(worker.setup, corpus="lesson", **SETUP))
chunks = []
for _ in range(80):
    r = decoded(await call(worker.train, ms=100, live={"length": 30, "temperature": 1.0}))
    chunks.append({"sample": r["sample"], "seconds": r["seconds"]})
out["chunks"] = chunks
out["restart"] = decoded(await call(worker.train, ms=50, live={"length": 30, "temperature": 1.0,
                                                                  "restart": True}))["sample"]
"""
    got = run_async_in_pyodide(tmp_path, code)
    samples = [c["sample"] for c in got["chunks"]]
    lengths = [len(s["text"]) for s in samples]
    assert max(lengths) == 30 and any(s["done"] for s in samples)
    # Each chunk adds a few characters, not the whole sample: it is written along the way.
    grown = [b - a for a, b in zip(lengths, lengths[1:], strict=False) if b > a]
    assert grown and max(grown) < 30
    # Writing it costs its share of the training time (5%), give or take the credit saved up and one character.
    sampling = sum(s["seconds"] for s in samples)
    training = sum(c["seconds"] for c in got["chunks"])
    assert 0 < sampling <= 0.05 * training + 0.05 + 0.02, (sampling, training)
    assert got["restart"]["from_step"] == got["restart"]["step"] and len(got["restart"]["text"]) < 30
