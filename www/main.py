"""The lesson page's main thread (MicroPython): starts the trainer worker, builds the settings form from what the
worker says charlm offers, and wires the page's controls to the Controller. The worker does all the learning; the
main thread only asks it and shows what it says. Where each part lives: docs/architecture.md.
"""

import asyncio
import json

from pyscript import document, window, workers

from app import files, settings
from app.controller import Controller
from app.dom import el, on, proxy
from app.form import SettingsForm
from app.run_store import RunStore
from app.worker_client import Trainer, call

REBUILD_AFTER_TYPING_MS = 600  # a pasted or typed text rebuilds the model once typing pauses
KERNEL_WAIT_S = 60             # how long the footer waits for OpenBLAS to load before it stops asking


def fail(message):
    document.body.dataset.trainer = "error"
    el("status").textContent = message
    el("status").dataset.kind = "error"


async def boot():
    query, problems = settings.parse_query(window.location.search)
    if query.get("embed"):
        document.body.classList.add("embed")
    try:
        worker = Trainer(await workers["trainer"])
        await worker.start()
    except Exception as e:
        fail(f"The trainer could not start in this browser ({e}). The lesson text still covers everything.")
        return
    info = await call(worker.info)
    if "error" in info:
        fail(info["error"])
        return
    started = await call(worker.boot)  # how the worker started (trainer_host.py), for tests and the benchmark
    document.body.dataset.boot = started["boot"]
    document.body.dataset.bootReport = json.dumps(started)
    show_runtime(info, info.get("kernel"))
    form = SettingsForm(info)
    query, problems = settings.parse_query(window.location.search, [c["id"] for c in info["corpora"]],
                                           list(info["presets"]), sorted({p for m in info["presets"].values()
                                                                          for p in m}))
    form.apply_query(query, problems)
    ctl = Controller(worker, form)
    ctl.store = RunStore(ctl)
    wire(ctl, form)
    link = el("download-charlm")
    link.href = f"vendor/charlm_lesson-{info['charlm']}-py3-none-any.whl"
    link.hidden = False
    ok = await ctl.setup(announce=True)
    if ok:
        await ctl.store.restore()
    if problems:
        ctl.status("Some settings in the page address were ignored: " + "; ".join(problems) + ".", "error")
    if not ok:
        document.body.dataset.trainer = "ready" if ctl.run else "error"
    await follow_kernel(worker, info)


def show_runtime(info, kernel):
    """The footer: what runs the lesson, including the kernel doing the matrix products."""
    el("runtime").textContent = (f"Running Python {info['python']} in your browser: Pyodide {info['pyodide']}, "
                                 f"numpy {info['numpy']}, charlm {info['charlm']}; matrix products: {kernel}.")
    el("runtime").dataset.kernel = kernel or ""


async def follow_kernel(worker, info):
    """The worker loads OpenBLAS in the background after it starts: name it in the footer once it is in use."""
    for _ in range(KERNEL_WAIT_S):
        res = await call(worker.kernel)
        show_runtime(info, res["kernel"])
        if res["settled"]:  # loaded, or failed with its reason
            return
        await asyncio.sleep(1)


def wire(ctl, form):
    """The page's controls, each bound to what it does."""
    on("train", "click", lambda e: ctl.toggle())
    on("step", "click", lambda e: ctl.single_step())
    on("reset", "click", lambda e: ctl.reset())
    on("download-csv", "click", lambda e: files.download_csv(ctl))
    on("save-model", "click", lambda e: files.save_model(ctl))
    on("load-model", "change", lambda e: files.load_model(ctl, e))
    on("upload", "change", lambda e: files.upload_text(ctl, e))
    on("start-over", "click", lambda e: ctl.store.start_over())

    def model_changed(e):
        form.apply_defaults(el("model").value)
        return ctl.settings_changed()
    on("model", "change", model_changed)
    for id_ in ("corpus", "preset", "context", "batch", "seed"):
        on(id_, "change", lambda e: ctl.settings_changed())

    def typed_pause():
        ctl.setup_timer = None
        asyncio.create_task(ctl.settings_changed())

    def text_typed(e):
        if ctl.setup_timer is not None:
            window.clearTimeout(ctl.setup_timer)
        ctl.setup_timer = window.setTimeout(typed_pause_proxy, REBUILD_AFTER_TYPING_MS)
    typed_pause_proxy = proxy(typed_pause)
    on("custom-text", "input", text_typed)

    def field_edited(id_):
        def edited(e):
            ctl.field_edited(id_)
            if id_ == "lr" and e.type == "change" and ctl.state == "training":
                ctl.lr_changed = True  # applied between two chunks (once typed: on change), recorded for the script
        return edited
    for id_ in ("lr", "batch", "context", "seed", "temperature", "custom-text"):
        for event in ("input", "change"):
            on(id_, event, field_edited(id_))

    def temperature_moved(e):
        el("temperature-value").textContent = el("temperature").value
        if ctl.state != "training":
            return ctl.samples.refresh(ctl)
    on("temperature", "input", temperature_moved)

    def prompt_typed(e):
        if ctl.state != "training":
            asyncio.create_task(ctl.views.attention.refresh(ctl))
            return ctl.next_chars.refresh(ctl)
    on("prompt", "input", prompt_typed)

    def unit_chosen(unit):
        def chosen(e):
            ctl.plot.unit = unit
            ctl.update_views()
            return ctl.views.unit_changed(ctl)
        return chosen
    for unit in ("nats", "bits", "perplexity"):
        on("unit-" + unit, "change", unit_chosen(unit))
    window.addEventListener("resize", proxy(lambda e: ctl.plot.draw()))
    ctl.views.wire(ctl)
    wire_fields(form)


def wire_fields(form):
    """A bad number is marked as soon as its field is left, and cleared as soon as it is fixed; every settled
    setting is written into the page address, so copying it reproduces the setup."""
    def left(e):
        form.check_field(e.target.id)

    def typed(e):
        if e.target.getAttribute("aria-invalid") == "true":
            form.check_field(e.target.id)
    for id_ in ("lr", "batch", "context", "seed"):
        on(id_, "change", left)
        on(id_, "blur", left)
        on(id_, "input", typed)

    def address(e):
        form.write_address()
    for id_ in ("model", "preset", "corpus", "lr", "batch", "context", "seed", "temperature"):
        on(id_, "change", address)


async def start():
    try:
        await boot()
    except Exception as e:  # a bug on this page: say so plainly instead of spinning forever
        fail(f"The trainer stopped unexpectedly ({str(e) or type(e).__name__}). Reload the page to try again.")
        raise


asyncio.create_task(start())
