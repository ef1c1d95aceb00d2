"""The complete charlm script that reproduces the page's run in a notebook or a terminal.

Pure logic: given the run's settings and how many steps were done, returns Python source. Run with CPython and
charlm, it prints `step loss` for every step, matching the page's losses (float rounding aside)."""

HEADER = '''"""Reproduces a run of the lesson "Training a Tiny Language Model".

Needs Python 3.11+ with numpy and charlm. charlm is not on PyPI under that name (a different project has it):
download charlm from the lesson page ("Download charlm") and either install the file you got,
    pip install ./charlm_lesson-*.whl
or unzip it and put its charlm folder beside this file. Then run this file with Python.
Prints `step loss` for every optimiser step; the numbers match the page's loss plot.
"""
import numpy as np

import charlm
from charlm import cross_entropy
'''

INLINE_TEXT_CHARS = 200_000  # a longer text is read from a file beside the script rather than written into it


def text_from_file(filename, sha256):
    """Script lines that read the run's text from `filename` and stop with a clear message if it is not the one."""
    return "\n".join([
        "import hashlib",
        "import sys",
        "",
        f"# The text is long, so it is not written out here: download it from the lesson page as {filename}",
        "# and put it beside this script.",
        f"with open({filename!r}, \"rb\") as f:",
        "    raw = f.read()",
        f"if hashlib.sha256(raw).hexdigest() != {sha256!r}:",
        f"    sys.exit(\"{filename} is not the text this run trained on (its sha256 differs); download it again \"",
        "             \"from the lesson page.\")",
        "text = raw.decode(\"utf-8\")",
    ])


def text_literal(text, width=72):
    """`text` as a readable Python expression: one string literal per line, inside parentheses."""
    lines = text.split("\n")
    parts = []
    for i, line in enumerate(lines):
        piece = line + ("\n" if i < len(lines) - 1 else "")
        start = 0  # walk the line by offsets: slicing off the rest each time would copy it again and again
        while len(piece) - start > width:  # keep lines short, splitting long paragraphs into adjacent literals
            cut = piece.rfind(" ", start, start + width)
            cut = start + width if cut <= start else cut + 1
            parts.append(repr(piece[start:cut]))
            start = cut
        if start < len(piece):
            parts.append(repr(piece[start:]))
    if not parts:
        return '""'
    return "(\n" + "".join("    " + p + "\n" for p in parts) + ")"


def make_script(run, steps, lr_changes=()):
    """The script for `run` (the settings the worker trained with) after `steps` optimiser steps.

    `run` holds: model, preset, context, batch_size, lr, seed, grad_clip, and either corpus (a built-in id), or
    text_file and text_sha256 (a long text the script reads from that file), or text.
    `lr_changes` is [(step, lr)] for learning rates changed during training."""
    out = [HEADER]
    if run.get("corpus"):
        out[0] += "import charlm.texts\n"
        out.append(f"text = charlm.texts.load({run['corpus']!r})  # a built-in text")
    elif run.get("text_file"):
        out.append(text_from_file(run["text_file"], run["text_sha256"]))
    else:
        out.append("text = " + text_literal(run.get("text", "")))
    context, batch, seed = int(run["context"]), int(run["batch_size"]), int(run["seed"])
    out.append(f"data = charlm.Corpus(text, context={context}, val_fraction={run.get('val_fraction', 0.1)!r})")
    out.append(f"model = charlm.build_model({run['model']!r}, vocab_size=len(data.vocab), context={context}, "
               f"seed={seed}, preset={run['preset']!r})")
    optimizer = "SGD" if run.get("optimizer") == "sgd" else "Adam"
    clip = run.get("grad_clip")
    clipping = f", grad_clip={clip!r}" if clip else ""
    out.append(f"optimizer = charlm.{optimizer}(model.parameters(), lr={run['lr']!r}{clipping})"
               + ("  # step() clips the gradients, updates, then clears them" if clip else ""))
    out.append(f"rng = np.random.default_rng({seed})  # draws the training batches, in order")
    out.append("")
    changes = [(int(s), lr) for s, lr in lr_changes if 0 < int(s) < steps]
    if changes:
        body = ", ".join(f"{s}: {lr!r}" for s, lr in changes)
        out.append(f"lr_changes = {{{body}}}  # learning rates changed on the page during training")
    out.append(f"for step in range({steps}):")
    if changes:
        out.append("    if step in lr_changes:")
        out.append("        optimizer.lr = lr_changes[step]")
    out.append(f"    inputs, targets = data.batch({batch}, \"train\", rng)   # (B, T) characters and their successors")
    out.append("    logits = model(inputs)                            # (B, T, V) a score for every next character")
    out.append("    loss = cross_entropy(logits, targets)             # mean surprise, in nats per character")
    out.append("    loss.backward()                                   # gradients of the loss for every weight")
    out.append("    optimizer.step()                                  # nudge every weight downhill")
    out.append("    print(step, f\"{loss.item():.6f}\")")
    out.append("")
    out.append("print(\"validation loss:\", round(charlm.evaluate(model, data, split=\"val\"), 4))")
    out.append("print(charlm.generate(model, data.vocab, text[:1], 200, temperature=0.8,")
    out.append("                      rng=np.random.default_rng(0)))")
    return "\n".join(out) + "\n"
