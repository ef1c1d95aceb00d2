"""Checkpoint files made to be refused: a zip bomb, absurd settings, damaged metadata. Shared by the checkpoint and
command-line tests, which check that each is refused quickly with a plain message."""

import functools
import io
import json
import zipfile

import numpy as np

import charlm


def session(**changes):
    """Bytes of a real little training session (bigram, 2 steps), its trainer settings changed by `changes`."""
    t = charlm.Trainer("the cat sat on the mat. " * 40, model="bigram", batch_size=4, context=8, eval_every=0)
    t.run(2)
    return rewrite(t.to_bytes(), lambda meta: meta["trainer"].update(changes) or meta)


def members(data):
    """name -> bytes of every member of an .npz."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def build(parts, big=None):
    """An .npz of `parts` (name -> raw member bytes), plus `big` = (name, size): a member of that many zero bytes
    written in 1 MB pieces, so it deflates to about a thousandth of its size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, raw in parts.items():
            z.writestr(name, raw)
        if big:
            name, size = big
            piece = bytes(1 << 20)
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                for _ in range(size // len(piece)):
                    f.write(piece)
    return buffer.getvalue()


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def rewrite(data, edit):
    """`data` with its JSON metadata replaced by edit(meta)."""
    parts = members(data)
    meta = json.loads(np.load(io.BytesIO(parts["meta.npy"])).tobytes())
    payload = json.dumps(edit(meta)).encode("utf-8")
    parts["meta.npy"] = npy(np.frombuffer(payload, dtype=np.uint8))
    return build(parts)


@functools.cache  # about 6 s to write: once per test run
def bomb(size=1 << 30):
    """A real session whose weight table is replaced by `size` bytes of zeros (1 GB inflating from about 1 MB)."""
    parts = members(session())
    del parts["param/table.npy"]
    return build(parts, big=("param/table.npy", size))
