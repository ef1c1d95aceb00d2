"""The worker's limits, learning-rate check, hardened loader and divergence message in real Pyodide under node.

The same checks run in CPython in test_checks, test_checkpoint and test_trainer; these show they hold on wasm32 with
the browser's numpy 2.0.2, through the worker's JSON functions the page calls.
"""

import base64
import json

from test_pyodide import run_in_pyodide

import charlm
import charlm.checks
import crafted


def test_worker_limits_loader_and_divergence_in_pyodide(tmp_path):
    huge = crafted.rewrite(crafted.session(), lambda m: m["trainer"]["config"].update(batch_size=10 ** 9) or m)
    code = f"BOMB = {base64.b64encode(crafted.bomb()).decode()!r}\nHUGE = {base64.b64encode(huge).decode()!r}\n" + """
import json, worker
def call(fn, **args):
    return json.loads(fn(json.dumps(args)))
out = {}
out["info"] = call(worker.info)
call(worker.setup, model="mlp", preset="small", context=16, lr=0.01, batch_size=8, seed=0, corpus="lesson")
call(worker.train, max_steps=3)
out["lr_bad"] = call(worker.set_lr, lr=-1)
out["lr_big"] = call(worker.set_lr, lr=1e7)
out["lr_ok"] = call(worker.set_lr, lr=0.02)
out["load_bomb"] = call(worker.load, data=BOMB, filename="bomb.npz")
out["load_huge"] = call(worker.load, data=HUGE, filename="huge.npz")
out["load_not_base64"] = call(worker.load, data="%%%", filename="odd.npz")
out["after_loads"] = call(worker.train, max_steps=1)
call(worker.setup, model="bigram", preset="small", context=16, lr=1e6, batch_size=8, seed=0, corpus="lesson")
out["diverged"] = call(worker.train, max_steps=10)
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, code)
    assert got["info"]["limits"] == json.loads(json.dumps(charlm.checks.describe_limits()))
    assert got["info"]["models"] == charlm.DESCRIPTIONS
    assert got["info"]["presets"]["mlp"] == list(charlm.PRESETS["mlp"])
    assert got["lr_bad"]["error"] == "The learning rate must be a positive number (at most 1,000,000), got -1."
    assert "at most 1,000,000" in got["lr_big"]["error"]
    assert got["lr_ok"]["lr"] == 0.02 and got["lr_ok"]["lr_changes"] == [[3, 0.02]]
    assert got["load_bomb"]["error"].startswith('Could not load "bomb.npz": This checkpoint is damaged or not from')
    assert got["load_huge"]["error"] == ('Could not load "huge.npz": This training checkpoint has settings charlm will '
                                         'not use: batch size must be a whole number from 1 to 256, got 1000000000.')
    assert got["load_not_base64"]["error"] == 'Could not load "odd.npz": it could not be read; choose it again.'
    assert got["after_loads"]["step"] == 4  # no bad file replaced the trainer
    diverged = got["diverged"]
    assert diverged["diverged"] is True and diverged["reason"] == "far above" and diverged["step"] == 0
    assert diverged["losses"] == [] and diverged["suggested_lr"] == 0.1
    assert diverged["error"].startswith("The loss shot up to ")
    assert "The learning rate 1,000,000 is too large: set it to 0.1 or lower and press Train." in diverged["error"]
    for res in got.values():
        assert "Error" not in res.get("error", "") and "numpy" not in res.get("error", "")
