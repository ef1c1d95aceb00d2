"""The learning views' worker functions (Pyodide worker): surprise on every validation character, attention over
the prompt, the character map, copied stretches of a sample, the timeline of weight snapshots, and one training
step taken apart. Each is JSON in, JSON out (see worker_base.answer); the numbers come from charlm.inspection.

Views may ask about an earlier snapshot of the weights (`snapshot`: a kept step); they then look at a copy of the
model with those weights, so training state is never disturbed.
"""

import time

import numpy as np

import charlm
from charlm import inspection
from worker_base import answer, require, state, val_losses_unsent

SNAPSHOT_LIMIT = 10   # weight snapshots kept per run: memory <= 10 x the model's weights (2.6 MB at the defaults)
PASSAGE_CHARS = 300   # about this many validation characters shown in the surprise view
ROUND = 5             # decimals sent to the page: plenty for shading and for three shown decimals

views = {"trainer": None, "snapshots": None, "finder": None, "models": {}}


def current():
    """The trainer, with the views' memory of it (snapshots, the copy finder) reset when it is a new one."""
    t = require()
    if views["trainer"] is not t:
        views.update(trainer=t, snapshots=inspection.Snapshots(SNAPSHOT_LIMIT), finder=None, models={})
    views["snapshots"].forget_after(t.step)  # a diverged step was undone: later snapshots never happened
    return t


def model_for(args):
    """The live model, or a copy holding the weights of snapshot `args["snapshot"]`, and the step it shows."""
    t = current()
    step = args.get("snapshot")
    if step is None or int(step) == t.step:
        return t.model, t.step
    step = int(step)
    cache = views["models"]
    if step not in cache:
        cache.clear()  # one old model at a time is enough for a slider
        cache[step] = views["snapshots"].model_at(step, t.model)
    return cache[step], step


def _r(x):
    return round(float(x), ROUND)


@answer
def surprise(args):
    """Surprise on every character of the first validation windows, and the mean over all of them."""
    t = current()
    model, step = model_for(args)
    shown = max(1, int(args.get("chars", PASSAGE_CHARS)) // t.data.context)
    plotted = dict(t.val_losses).get(step)
    # Scoring every validation window costs as much as the plot's evaluation: only where the plot has one to
    # compare with, or for a snapshot the learner chose; while training, the shown windows alone.
    full = plotted is not None or args.get("snapshot") is not None
    got = inspection.char_surprises(model, t.data, shown_windows=shown, full=full)
    return {
        "step": step, "mean": got["mean"], "count": got["count"], "shown_mean": got["shown_mean"],
        "plot_val_loss": plotted, "latest_val": list(t.val_losses[-1]) if t.val_losses else None,
        # Compact, because MicroPython parses this JSON on the page's main thread: characters as strings,
        # probabilities as whole numbers of 1/10000.
        "windows": [{"start": w["start"], "context": w["context"], "text": "".join(w["chars"]),
                     "surprise": [round(s, 4) for s in w["surprise"]],
                     "top": "".join(c for top in w["top"] for c, _ in top),
                     "top_p": [round(p * 10000) for top in w["top"] for _, p in top]} for w in got["windows"]],
        "top": len(got["windows"][0]["top"][0]),
        "worst": sorted(((c, round(s, 4)) for w in got["windows"] for c, s in zip(w["chars"], w["surprise"])),
                        key=lambda x: -x[1])[:3],
    }


@answer
def attention(args):
    """Every layer's and head's attention from the last character of the prompt (and the full matrices when
    `full`), or has_attention false for the bigram and the MLP."""
    t = current()
    model, step = model_for(args)
    prompt = args.get("prompt", "")
    ids = t.data.vocab.encode(prompt)[-t.data.context:]
    if not len(ids):
        raise ValueError("the prompt is empty: type a few characters to see what the model attends to")
    att = inspection.attention_maps(model, ids)
    if att is None:
        return {"step": step, "has_attention": False, "model": t.config["model"]}
    chars = [t.data.vocab.chars[int(i)] for i in ids]
    out = {"step": step, "has_attention": True, "chars": chars,
           "last": [[[_r(x) for x in head[-1]] for head in layer] for layer in att]}
    if args.get("full"):
        out["full"] = [[[[_r(x) for x in row] for row in head] for head in layer] for layer in att]
    return out


@answer
def char_map(args):
    """The learned character embeddings projected onto their two principal axes (none for the bigram)."""
    t = current()
    model, step = model_for(args)
    table = inspection.embedding_table(model)
    if table is None:
        return {"step": step, "has_map": False, "model": t.config["model"]}
    points, explained = inspection.pca_2d(table)
    return {"step": step, "has_map": True, "chars": t.data.vocab.chars,
            "points": [[_r(x), _r(y)] for x, y in points], "explained": [_r(e) for e in explained]}


@answer
def copied(args):
    """The stretches of `text` found verbatim in the training text, in runs of at least 10 characters."""
    t = current()
    if views["finder"] is None:
        views["finder"] = inspection.CopyFinder(t.data.vocab.decode(t.data.train))
    text = args.get("text", "")
    runs = views["finder"].runs(text)
    copied_chars = sum(b - a for a, b in runs)
    return {"runs": [list(r) for r in runs], "fraction": copied_chars / len(text) if text else 0.0,
            "min_run": inspection.COPY_RUN}


def keep_snapshot():
    """Keep the weights of the trainer's current step when the timeline's schedule has it (called by train(), so
    the kept weights are exactly that step's whatever the page is doing); the kept steps."""
    t = current()
    views["snapshots"].offer(t.step, t.model)
    return views["snapshots"].steps()


def steps_to_snapshot():
    """How many steps the trainer may take before the next scheduled snapshot."""
    t = require()
    return inspection.next_snapshot_step(t.step) - t.step


@answer
def snapshot(_):
    """Keep the current weights if this step is on the timeline's schedule; the kept steps and their memory."""
    t = current()
    snaps = views["snapshots"]
    snaps.offer(t.step, t.model)
    return {"steps": snaps.steps(), "step": t.step, "bytes": snaps.nbytes(), "limit": snaps.limit,
            "next": inspection.next_snapshot_step(t.step)}


@answer
def snapshot_view(args):
    """For a kept snapshot: a sample (drawn as the live sample is at that step) and the next-character bars."""
    t = current()
    model, step = model_for(args)
    rng = np.random.default_rng([int(state["run"]["seed"]), step, 0])
    text = charlm.generate(model, t.data.vocab, "", int(args.get("length", 160)),
                           temperature=float(args.get("temperature", 1.0)), rng=rng)
    out = {"step": step, "text": text}
    prompt = args.get("prompt", "")
    if prompt:
        probs = charlm.next_char_probs(model, t.data.vocab, prompt, top=int(args.get("top", 10)))
        out["probs"] = [[c, float(p)] for c, p in probs]
    return out


@answer
def step_through(args):
    """One genuine training step (the trainer's own), with what each of its four lines did along the way."""
    t = current()
    keep_snapshot()  # the weights of this step, if the timeline keeps it, before the step changes them
    start = time.perf_counter()
    got = inspection.staged_step(t, window=int(args.get("window", 0)))
    got["seconds"] = time.perf_counter() - start
    # [name, value] pairs keep the model's order of weight groups (the page's MicroPython dicts do not)
    got["backward"]["grad_norms"] = [[k, x] for k, x in got["backward"]["grad_norms"].items()]
    got["update"]["moved"] = [[k, x] for k, x in got["update"]["moved"].items()]
    keep_snapshot()
    got["val_losses"] = val_losses_unsent(t)
    got["losses"] = [float(t.losses[-1])]
    got["epoch"] = t.epoch
    return got


__all__ = ["attention", "char_map", "copied", "snapshot", "snapshot_view", "step_through", "surprise"]
