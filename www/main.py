"""The lesson page's main thread (MicroPython): starts the trainer worker, builds the settings form from what the
worker says charlm offers, and wires the page's controls to the Controller. The worker does all the learning; the
main thread only asks it and shows what it says. Where each part lives: docs/architecture.md.
"""

import asyncio

from pyscript import document, window, workers

from app import files, settings
from app.controller import Controller
from app.dom import el, on, proxy
from app.form import SettingsForm
from app.worker_client import call

REBUILD_AFTER_TYPING_MS = 600  # a pasted or typed text rebuilds the model once typing pauses


def fail(message):
    document.body.dataset.trainer = "error"
    el("status").textContent = message
    el("status").dataset.kind = "error"


async def boot():
    query, problems = settings.parse_query(window.location.search)
    if query.get("embed"):
        document.body.classList.add("embed")
    try:
        worker = await workers["trainer"]
    except Exception as e:
        fail(f"The trainer could not start in this browser ({e}). The lesson text still covers everything.")
        return
    info = await call(worker.info)
    el("runtime").textContent = (f"Running Python {info['python']} in your browser: Pyodide {info['pyodide']}, "
                                 f"numpy {info['numpy']}, charlm {info['charlm']}.")
    form = SettingsForm(info)
    query, problems = settings.parse_query(window.location.search, [c["id"] for c in info["corpora"]],
                                           list(info["presets"]), sorted({p for m in info["presets"].values()
                                                                          for p in m}))
    form.apply_query(query, problems)
    ctl = Controller(worker, form)
    wire(ctl, form)
    ok = await ctl.setup(announce=True)
    if problems:
        ctl.status("Some settings in the page address were ignored: " + "; ".join(problems) + ".", "error")
    if not ok:
        document.body.dataset.trainer = "ready" if ctl.run else "error"


def wire(ctl, form):
    """The page's controls, each bound to what it does."""
    on("train", "click", lambda e: ctl.toggle())
    on("step", "click", lambda e: ctl.single_step())
    on("reset", "click", lambda e: ctl.reset())
    on("download-csv", "click", lambda e: files.download_csv(ctl))
    on("save-model", "click", lambda e: files.save_model(ctl))
    on("load-model", "change", lambda e: files.load_model(ctl, e))
    on("upload", "change", lambda e: files.upload_text(ctl, e))

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


async def start():
    try:
        await boot()
    except Exception as e:  # a bug on this page: say so plainly instead of spinning forever
        fail(f"The trainer stopped unexpectedly ({str(e) or type(e).__name__}). Reload the page to try again.")
        raise


asyncio.create_task(start())
