"""The run kept across a reload (Pyodide worker): the trainer's bytes, its settings, the samples kept at milestones
and the learner's own text, in the browser's IndexedDB, written by the worker itself so no megabytes cross the
main thread's JSON.

One saved run, overwritten each time; written at pauses and every few seconds while training, and only when
something changed. Storage may be refused (a cross-site frame with third-party storage blocked, a private window, a
full disk): then the page is told once and everything else works as before. The saved entry's codec (pack, unpack)
is pure and tested under CPython; the IndexedDB calls import `js` only when they run, inside try/except, since a
JavaScript error in the worker is catchable from Pyodide.
"""

import asyncio
import json
import zlib

import charlm
from worker_base import answer, describe, state

FORMAT = 1                # bump when the entry's layout changes: older entries are then discarded with a message
MAGIC = b"CHARLMRUN"
DB_NAME, STORE, KEY = "charlm-lesson", "runs", "current"
MAX_SAMPLES = 20          # kept samples saved with the run (the page keeps one per milestone)

store = {"status": "unknown", "found": None, "problem": None, "task": None, "saved": None, "writing": None}


# ---- the saved entry: pure -------------------------------------------------------------------------------------

def pack(trainer_bytes, meta, version=None):
    """One saved entry as bytes: MAGIC, a header line of JSON (format, charlm version, the page's metadata, a CRC of
    the trainer's bytes), then the bytes of charlm.Trainer.to_bytes()."""
    header = {"format": FORMAT, "charlm": version or charlm.__version__, "meta": meta,
              "crc": zlib.crc32(trainer_bytes), "size": len(trainer_bytes)}
    return MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + bytes(trainer_bytes)


def unpack(blob, version=None):
    """(trainer bytes, meta) from a saved entry, or ValueError saying in plain words why it cannot be used."""
    blob = bytes(blob)
    if not blob.startswith(MAGIC) or b"\n" not in blob:
        raise ValueError("the saved run is damaged")
    head, _, body = blob[len(MAGIC):].partition(b"\n")
    try:
        header = json.loads(head.decode())
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the saved run is damaged") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("the saved run was made by another version of this page")
    if header.get("charlm") != (version or charlm.__version__):
        raise ValueError(f"the saved run was made with charlm {header.get('charlm')}, and this page runs charlm "
                         f"{version or charlm.__version__}")
    if header.get("size") != len(body) or header.get("crc") != zlib.crc32(body):
        raise ValueError("the saved run is damaged (it was cut short or changed)")
    meta = header.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("run"), dict):
        raise ValueError("the saved run is damaged")
    return body, meta


def restore_trainer(blob, version=None):
    """(Trainer, meta) from a saved entry, or ValueError; a trainer that fails to load counts as damaged."""
    body, meta = unpack(blob, version)
    try:
        trainer = charlm.Trainer.from_bytes(body)
    except Exception:  # numpy's reader can fail anywhere on bad bytes: the entry is unusable, whatever the reason
        raise ValueError("the saved run is damaged (its model could not be read)") from None
    return trainer, meta


def fingerprint(trainer, meta):
    """What identifies a saved state: unchanged means there is nothing new to write."""
    return json.dumps([trainer.step, len(trainer.losses), meta.get("samples"), meta.get("lr_changes"),
                       meta.get("run")], sort_keys=True)


# ---- IndexedDB (only in the browser) ----------------------------------------------------------------------------

def request_done(req):
    """An IDBRequest as an awaitable: its result, or an exception with the browser's reason."""
    from pyodide.ffi import create_once_callable
    fut = asyncio.get_event_loop().create_future()

    def ok(_):
        if not fut.done():
            fut.set_result(req.result)

    def bad(_):
        if not fut.done():
            err = req.error
            fut.set_exception(OSError(str(err.message) if err else "storage refused"))
    req.onsuccess = create_once_callable(ok)
    req.onerror = create_once_callable(bad)
    return fut


async def open_db():
    import js
    from pyodide.ffi import create_once_callable
    if not hasattr(js, "indexedDB") or js.indexedDB is None:
        raise OSError("no IndexedDB here")
    req = js.indexedDB.open(DB_NAME, 1)

    def upgrade(_):
        req.result.createObjectStore(STORE)
    req.onupgradeneeded = create_once_callable(upgrade)
    return await request_done(req)


async def idb(mode, action, *args):
    """Run one object-store action (get, put, delete) in a transaction of its own and await its result."""
    db = await open_db()
    try:
        tx = db.transaction(STORE, mode)
        result = await request_done(getattr(tx.objectStore(STORE), action)(*args))
        if mode == "readwrite":
            await transaction_done(tx)
        return result
    finally:
        db.close()


def transaction_done(tx):
    from pyodide.ffi import create_once_callable
    fut = asyncio.get_event_loop().create_future()

    def ok(_):
        if not fut.done():
            fut.set_result(None)

    def bad(_):
        if not fut.done():
            fut.set_exception(OSError(str(tx.error.message) if tx.error else "storage refused"))
    tx.oncomplete = create_once_callable(ok)
    tx.onerror = create_once_callable(bad)
    tx.onabort = create_once_callable(bad)
    return fut


async def read_saved():
    """Look for a saved run once, at start-up: store["found"] holds its bytes (or None); storage refused is noted."""
    try:
        value = await idb("readonly", "get", KEY)
        store["status"] = "ok"
        store["found"] = None if value is None else value.to_bytes()
    except Exception as e:  # refused, missing or broken storage: the page works without it
        store["status"], store["problem"] = "refused", str(e)


async def write(blob, mark):
    from pyodide.ffi import to_js
    try:
        await idb("readwrite", "put", to_js(blob), KEY)
        store["status"], store["saved"] = "ok", mark
    except Exception as e:
        store["status"], store["problem"] = "refused", str(e)
    finally:
        store["writing"] = None


async def discard():
    try:
        await idb("readwrite", "delete", KEY)
    except Exception as e:
        store["status"], store["problem"] = "refused", str(e)


# ---- what the page calls ----------------------------------------------------------------------------------------

@answer
def store_peek(_):
    """Is a saved run waiting? {"pending": true} while looking; then {"storage": "ok" or "refused", "saved": null
    or {"step", "model"}}, or {"damaged": message} after discarding an entry that cannot be used."""
    if store["task"] is None:
        store["task"] = asyncio.ensure_future(read_saved())
    if not store["task"].done():
        return {"pending": True}
    return found_summary()


def found_summary():
    """What start-up found in storage, for the page (an entry that cannot be used is discarded here)."""
    out = {"storage": store["status"], "saved": None}
    if store["found"] is not None:
        try:
            body, meta = unpack(store["found"])
            out["saved"] = {"step": meta.get("step"), "model": meta["run"].get("model")}
        except ValueError as e:
            store["found"] = None
            asyncio.ensure_future(discard())
            out["damaged"] = f"Your saved run could not be restored ({e}), so it was discarded."
    return out


@answer
def store_restore(_):
    """Adopt the saved run found at start-up: the trainer with its history, plus the page's samples and text."""
    blob = store["found"]
    if blob is None:
        raise ValueError("There is no saved run to restore.")
    store["found"] = None
    try:
        trainer, meta = restore_trainer(blob)
    except ValueError as e:
        asyncio.ensure_future(discard())
        raise ValueError(f"Your saved run could not be restored ({e}), so it was discarded") from None
    state.update(trainer=trainer, run=meta["run"], lr_changes=meta.get("lr_changes", []))
    store["saved"] = fingerprint(trainer, meta)
    out = describe()
    out.update(samples=meta.get("samples", []), text=meta.get("text"), seconds=meta.get("seconds", 0))
    return out


@answer
def store_save(args):
    """Save the current run if anything changed since the last save. {"saved": bool, "storage": status}."""
    t = state["trainer"]
    if t is None or t.step == 0 or store["status"] == "refused" or store["writing"] is not None:
        return {"saved": False, "storage": store["status"]}
    run = dict(state["run"])
    text = run.pop("text", None)
    meta = {"run": run, "lr_changes": state["lr_changes"], "step": t.step,
            "samples": args.get("samples", [])[-MAX_SAMPLES:], "seconds": args.get("seconds", 0),
            "text": None if run.get("corpus") else (text or t.data.text)}
    mark = fingerprint(t, meta)
    if mark == store["saved"]:
        return {"saved": False, "storage": store["status"]}
    store["writing"] = asyncio.ensure_future(write(pack(t.to_bytes(), meta), mark))
    return {"saved": True, "storage": store["status"]}


@answer
def store_clear(_):
    """Forget the saved run (Start over, Reset)."""
    store["found"], store["saved"] = None, None
    if store["status"] != "refused":
        asyncio.ensure_future(discard())
    return {"cleared": True}
