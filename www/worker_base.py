"""What every function the trainer worker exports shares (Pyodide worker): the trainer it holds, the JSON-in,
JSON-out wrapper that turns any failure into {"error": message}, and the description of the trainer the page
adopts. The worker's functions are in worker.py and the modules it imports; the protocol is in
docs/architecture.md.
"""

import json

import charlm
import charlm.divergence

state = {"trainer": None, "run": None, "lr_changes": []}


def answer(fn):
    """Wrap an exported function: JSON in, JSON out, and any failure turned into {"error": message}."""
    def wrapped(arg="{}"):
        try:
            return json.dumps(fn(json.loads(arg) if isinstance(arg, str) else {}))
        except charlm.TrainingDiverged as e:
            # The trainer rolled back to its last good step: send its whole history so the page matches it.
            advice = f"set it to {charlm.divergence.number(e.suggested_lr)} or lower and press Train."
            return json.dumps({"error": f"{e.explanation}: {advice}", "diverged": True, "reason": e.reason,
                               "suggested_lr": e.suggested_lr, **describe()})
        except ValueError as e:
            return json.dumps({"error": sentence(str(e))})
        except Exception as e:  # a bug, not bad input: report it plainly and keep the worker alive
            return json.dumps({"error": f"Something went wrong in the trainer ({e or 'no reason given'})."})
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


def describe():
    """What the page needs to know about the current trainer (also after loading a saved one)."""
    t = state["trainer"]
    refs = charlm.reference_losses(t.data.text)
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
        "val_losses": [[int(s), float(v)] for s, v in t.val_losses],
        "run": {k: v for k, v in state["run"].items() if k != "text"},
        "lr_changes": state["lr_changes"],
    }


def require():
    if state["trainer"] is None:
        raise ValueError("The model is not set up yet; choose a text and press Reset.")
    return state["trainer"]
