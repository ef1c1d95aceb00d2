"""The run kept across a reload: the saved entry's codec (what is saved, checked on restore, round trip, damage and
version mismatch), and the worker's save/restore functions in CPython without a browser."""

import json

import pytest

import charlm
import charlm.texts
import worker_store as ws
from worker_base import state


@pytest.fixture(scope="module")
def trained():
    t = charlm.Trainer(charlm.texts.load("fables"), model="bigram", preset="small", context=8, lr=0.1,
                       batch_size=8, seed=3)
    t.run(12)
    return t


def meta_for(t):
    return {"run": {"model": "bigram", "preset": "small", "corpus": "fables", "lr": 0.1, "batch_size": 8,
                    "context": 8, "seed": 3, "grad_clip": 1.0}, "lr_changes": [[5, 0.05]], "step": t.step,
            "samples": [[0, "qzx"], [30, "the"]], "text": None}


def test_a_saved_run_round_trips_to_the_same_trainer_and_page_state(trained):
    blob = ws.pack(trained.to_bytes(), meta_for(trained))
    back, meta = ws.restore_trainer(blob)
    assert meta == meta_for(trained)
    assert back.step == trained.step and back.losses == trained.losses
    for a, b in zip(back.model.parameters(), trained.model.parameters()):
        assert (a.data == b.data).all()
    assert back.run(3) == trained.__class__.from_bytes(trained.to_bytes()).run(3)  # optimiser state came along


@pytest.mark.parametrize("damage", [
    lambda b: b[:-10],                                   # cut short
    lambda b: b[:-5] + bytes([b[-5] ^ 1]) + b[-4:],      # one bit changed in the model
    lambda b: b"not a saved run at all",
    lambda b: b[:9] + b"{broken json\n" + b[9:],
    lambda b: b"",
])
def test_a_damaged_entry_is_refused_with_a_plain_reason(trained, damage):
    blob = damage(ws.pack(trained.to_bytes(), meta_for(trained)))
    with pytest.raises(ValueError, match="damaged"):
        ws.restore_trainer(blob)


def test_an_entry_from_another_charlm_or_format_is_refused(trained):
    old = ws.pack(trained.to_bytes(), meta_for(trained), version="0.0.1")
    with pytest.raises(ValueError, match="charlm 0.0.1"):
        ws.unpack(old)
    head, _, body = ws.pack(trained.to_bytes(), meta_for(trained))[len(ws.MAGIC):].partition(b"\n")
    header = json.loads(head)
    header["format"] = ws.FORMAT + 1
    with pytest.raises(ValueError, match="another version"):
        ws.unpack(ws.MAGIC + json.dumps(header).encode() + b"\n" + body)


def test_a_trainer_whose_bytes_do_not_load_counts_as_damaged(trained):
    with pytest.raises(ValueError, match="could not be read"):
        ws.restore_trainer(ws.pack(b"PK\x03\x04 not an npz", meta_for(trained)))


def test_save_writes_only_when_something_changed_and_restore_adopts_it(trained, monkeypatch):
    written = []

    async def write(blob, mark):
        written.append(blob)
        ws.store["saved"], ws.store["writing"] = mark, None

    def run_now(coro):  # no browser event loop here: run the write at once
        try:
            coro.send(None)
        except StopIteration:
            pass
        return None
    monkeypatch.setattr(ws, "write", write)
    monkeypatch.setattr(ws.asyncio, "ensure_future", run_now)
    monkeypatch.setitem(ws.store, "status", "ok")
    state.update(trainer=trained, run=dict(meta_for(trained)["run"]), lr_changes=[])
    first = json.loads(ws.store_save(json.dumps({"samples": [[0, "abc"]]})))
    again = json.loads(ws.store_save(json.dumps({"samples": [[0, "abc"]]})))
    more = json.loads(ws.store_save(json.dumps({"samples": [[0, "abc"], [30, "the"]]})))
    assert (first["saved"], again["saved"], more["saved"]) == (True, False, True) and len(written) == 2
    ws.store["found"] = written[-1]
    peek = ws.found_summary()
    assert peek["saved"] == {"step": trained.step, "model": "bigram"}
    out = json.loads(ws.store_restore("{}"))
    assert out["step"] == trained.step and out["losses"] == [float(x) for x in trained.losses]
    assert out["samples"] == [[0, "abc"], [30, "the"]] and out["run"]["corpus"] == "fables"


def test_storage_refused_saves_nothing_and_says_so(trained, monkeypatch):
    monkeypatch.setitem(ws.store, "status", "refused")
    state.update(trainer=trained, run=dict(meta_for(trained)["run"]), lr_changes=[])
    assert json.loads(ws.store_save("{}")) == {"saved": False, "storage": "refused"}


def test_a_damaged_entry_found_at_start_up_is_discarded_with_a_message(monkeypatch):
    discarded = []
    monkeypatch.setattr(ws.asyncio, "ensure_future", lambda coro: discarded.append(coro.close()))
    monkeypatch.setitem(ws.store, "found", b"CHARLMRUN{}\ngarbage")
    monkeypatch.setitem(ws.store, "status", "ok")
    out = ws.found_summary()
    assert out["saved"] is None and "could not be restored" in out["damaged"] and "discarded" in out["damaged"]
    assert ws.store["found"] is None and len(discarded) == 1
