"""What every function the trainer worker exports shares (Pyodide worker): the trainer it holds, the JSON-in,
JSON-out wrapper that turns any failure into {"error": message}, and the description of the trainer the page
adopts. The worker's functions are in worker.py and the modules it imports; the protocol is in
docs/architecture.md.
"""

import inspect
import json

import charlm
import charlm.divergence

state = {"trainer": None, "run": None, "lr_changes": [], "val_sent": 0}  # val_sent: see val_losses_unsent


def dumps(obj):
    """JSON for the page. Characters beyond U+FFFF go as themselves: escaped they would be surrogate pairs, and the
    page's MicroPython decodes each half of a pair on its own (an emoji would arrive as two broken characters)."""
    return json.dumps(obj, ensure_ascii=False)


def failure(e):
    """Any failure as the page's {"error": message}."""
    if isinstance(e, charlm.TrainingDiverged):
        # The trainer rolled back to its last good step: send its whole history so the page matches it.
        advice = f"set it to {charlm.divergence.number(e.suggested_lr)} or lower and press Train."
        return {"error": f"{e.explanation}: {advice}", "diverged": True, "reason": e.reason,
                "suggested_lr": e.suggested_lr, **describe()}
    if isinstance(e, ValueError):
        return {"error": sentence(str(e))}
    if isinstance(e, MemoryError):
        return {"error": "The trainer ran out of memory for that; the current model is kept. Try a shorter text "
                         "or a smaller model."}
    # a bug, not bad input: report it plainly and keep the worker alive
    detail = f" ({e})" if str(e) else ""
    return {"error": f"Something went wrong in the trainer{detail}."}


def answer(fn):
    """Wrap an exported function: JSON in, JSON out, and any failure turned into {"error": message}.

    Small settings cross as one JSON string. Bulk data crosses beside it as a second argument, a browser value the
    page hands over untouched (a File, or a text as one string), and arrives in the function as args["bulk"]: the
    page's MicroPython never JSON-encodes megabytes. An `async def` function is answered asynchronously (it can
    await a File's bytes)."""
    def arguments(arg, bulk):
        args = json.loads(arg) if isinstance(arg, str) else {}
        if bulk is not None:
            args["bulk"] = bulk
        return args

    if inspect.iscoroutinefunction(fn):
        async def wrapped(arg="{}", bulk=None):
            try:
                return dumps(await fn(arguments(arg, bulk)))
            except Exception as e:
                return dumps(failure(e))
    else:
        def wrapped(arg="{}", bulk=None):
            try:
                return dumps(fn(arguments(arg, bulk)))
            except Exception as e:
                return dumps(failure(e))
    wrapped.__name__ = fn.__name__
    return wrapped


def sentence(message):
    """charlm's messages as a sentence for the status line: capital first letter, closing full stop."""
    message = message.strip()
    if message and message[0].islower():
        message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def progress():
    t = state["trainer"]
    return {"step": t.step, "epoch": t.epoch}


def val_losses_unsent(t):
    """The validation losses of trainer `t` the page has not been sent yet, as JSON pairs; from now on they count as
    sent. Reading them here never measures step 0's: charlm leaves that to its first need (so a new model is offered
    sooner), and whichever answer comes after it was measured (a training call's, at the latest) carries it."""
    measured = [] if t.start_loss_pending else t.val_losses
    new = measured[state["val_sent"]:]
    state["val_sent"] = len(measured)
    return [[int(s), float(v)] for s, v in new]


def describe():
    """What the page needs to know about the current trainer (also after loading a saved one)."""
    t = state["trainer"]
    refs = charlm.reference_losses(t.data.text)
    state["val_sent"] = 0  # the page takes this list in place of its own
    return {
        "vocab_size": len(t.data.vocab),
        "refs": refs,
        "params": t.model.num_parameters(),
        "train_chars": int(len(t.data.train)),
        "val_chars": int(len(t.data.val)),
        "tokens_per_step": t.tokens_per_step,
        "step": t.step,
        "epoch": t.epoch,
        "losses": [float(x) for x in t.losses],
        "val_losses": val_losses_unsent(t),
        "run": {k: v for k, v in state["run"].items() if k != "text"},
        "lr_changes": state["lr_changes"],
    }


def require():
    if state["trainer"] is None:
        raise ValueError("The model is not set up yet; choose a text and press Reset.")
    return state["trainer"]
