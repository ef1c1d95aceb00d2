"""The trainer's controller (MicroPython, main thread): the button state machine, building and adopting models, and
the views they feed; the training loop itself is in training_loop.py.

It asks the worker in short chunks and hands what comes back to the views; it never computes anything itself.
States (body[data-trainer]): loading -> ready -> training <-> paused; "error" when the worker cannot start.
"""

import asyncio

from pyscript import window
from pyscript.ffi import to_js

from app import files, run_script, run_view, settings
from app.dom import el
from app.learning_views import LearningViews
from app.loss_plot import LossPlot
from app.loss_sound import LossSound
from app.next_char_view import NextCharView
from app.progress import Clock
from app.samples_view import SamplesView
from app.training_loop import TrainingLoop, now
from app.worker_client import call

# The form's fields a status-line error can be about, and how to check each again once the learner edits it.
FIELD_CHECKS = {
    "lr": lambda form: settings.read_lr(el("lr").value, form.limits),
    "batch": lambda form: settings.read_int("batch", el("batch").value, "batch size", form.limits),
    "context": lambda form: settings.read_int("context", el("context").value, "context length", form.limits),
    "seed": lambda form: settings.read_int("seed", el("seed").value, "seed", form.limits),
    "temperature": lambda form: form.temperature(),
}


class Controller(TrainingLoop):
    def __init__(self, worker, form):
        self.worker, self.form = worker, form
        self.plot = LossPlot(el("loss-plot"), window)
        self.sound = LossSound()  # the same curves, explorable by keyboard and audible (Chart2Music)
        self.samples = SamplesView()
        self.next_chars = NextCharView()
        self.views = LearningViews(self.plot)  # surprise, step-through, attention, timeline, kept runs, map
        self.clock = Clock()
        self.run = None           # settings the current model was built with (what the script reproduces)
        self.run_text = ""        # its text when it is the learner's own
        self.losses, self.val_losses, self.lr_changes = [], [], []
        self.step, self.epoch = 0, 0.0
        self.refs, self.tokens_per_step, self.vocab_size = {}, 0, 0
        self.state = "loading"
        self.pause_requested = False
        self.builds_asked = 0     # setup() calls so far; each build runs, in turn, under its number
        self.builds_done = 0      # builds finished: build number builds_done + 1 runs now or next
        self.setup_timer = None
        self.store = None         # the RunStore keeping the run across a reload (main.py sets it)
        self.lr_changed = False   # the learner edited the learning rate while training: apply it between chunks

    # ---- state and messages -------------------------------------------------------------------------------------

    def set_state(self, state):
        self.state = state
        run_view.show_state(state, bool(self.losses))
        self.views.show_state(self)

    def status(self, text, kind="info", field=""):
        """The status line; an error about a form field names it (data-field), so fixing that field clears it."""
        node = el("status")
        node.textContent = text
        node.dataset.kind = kind
        node.dataset.field = field

    def field_error(self, message):
        """Show a form error, naming the first field that fails its check (the one the message is about)."""
        bad = ""
        for id_, check in FIELD_CHECKS.items():
            try:
                check(self.form)
            except ValueError:
                bad = id_
                break
        if not bad and el("corpus").value == "custom":
            bad = "custom-text"
        self.status(message, "error", bad)

    def field_edited(self, id_):
        """The learner edited a field: if the status line's error was about it and it is now fine, clear it."""
        node = el("status")
        if node.dataset.kind != "error" or node.dataset.field != id_:
            return
        try:
            if id_ in FIELD_CHECKS:
                FIELD_CHECKS[id_](self.form)
            elif not el("custom-text").textLength:
                return
        except ValueError:
            return
        self.status("Training ..." if self.state == "training" else "That looks fine now.")

    def small_text(self):
        """The text box's text when it is short enough for the run's script to hold, else None (the script then
        reads it from a file; megabytes are never copied into this thread for nothing)."""
        box = el("custom-text")
        return box.value if box.textLength <= run_script.INLINE_TEXT_CHARS else None

    async def ask(self, name, **args):
        """Call the worker; on an error show its message and return None."""
        res = await call(getattr(self.worker, name), **args)
        if "error" in res:
            self.status(res["error"], "error")
            return None
        return res

    # ---- building ---------------------------------------------------------------------------------------------

    async def setup(self, announce=True):
        """(Re)build the model from the form. Bad settings leave the current model and its progress untouched.
        `announce`: True for the "Ready" message, or the message to show instead, once the model exists."""
        self.builds_asked += 1
        number = self.builds_asked
        while self.builds_done < number - 1:  # one build at a time, in the order asked: the last asked lands last
            await asyncio.sleep(0.02)
        try:
            if number != self.builds_asked:  # superseded while it waited: the newer build reads the form as it is
                return True
            return await self.build(announce, lambda: number == self.builds_asked)
        finally:
            self.builds_done += 1

    async def build(self, announce, latest):
        """`latest()`: no newer build has been asked for (only the latest may announce its model)."""
        length = el("custom-text").textLength
        most = self.form.limits["text_bytes"][1]  # a text has at most as many characters as bytes
        if el("corpus").value == "custom" and length > most:  # refused by its length, before it is read
            kept = f" (the current model keeps its {self.step} steps)." if self.run else "."
            self.status(f"Your text has {length:,} characters; a text here can have at most {most:,}. "
                        f"Shorten it and press Reset{kept}", "error", "custom-text")
            return False
        try:
            args = self.form.read()
        except ValueError as e:
            self.field_error(str(e))
            return False
        self.status("Building the model ...")
        before = self.state
        self.set_state("loading")  # no Train/Step while the worker swaps models
        text = args.pop("text", None)
        if text is None:
            res = await call(self.worker.setup, **args)
        else:  # the text crosses as a Blob: the worker reads it (a long string would be copied piecemeal)
            res = await call(self.worker.setup_text, bulk=window.Blob.new(to_js([text])), **args)
        if "error" in res:
            self.set_state(before)
            self.status(res["error"] or "The model could not be built; the current one is kept.", "error")
            return False
        self.take_over(res, text if text is not None and len(text) <= run_script.INLINE_TEXT_CHARS else None)
        el("reset").classList.remove("attention")
        if latest() and announce is True:  # as Train becomes usable, before the sample and bars are drawn
            self.status(f"Ready: a {self.run['model']} model with {res['params']:,} weights, on a text of "
                        f"{res['train_chars'] + res['val_chars']:,} characters ({res['vocab_size']} different ones). "
                        f"Press Train.")
        elif latest() and announce:
            self.status(announce)
        await self.refresh_views()
        return True

    def take_over(self, res, text):
        """A new trainer in the worker (built, loaded or restored): show its settings, history and state."""
        self.run, self.run_text = res["run"], text
        files.offer_text(self.run)
        self.clock.reset()
        self.samples.restart()
        self.adopt(res)
        self.views.restart(self)
        self.set_state("paused" if self.step else "ready")

    def adopt(self, res):
        """Take the worker's description of its trainer (after setup, load or a roll-back)."""
        self.losses = res["losses"]
        self.val_losses = [tuple(v) for v in res["val_losses"]]
        self.lr_changes = res.get("lr_changes", [])
        self.step, self.epoch = res["step"], res["epoch"]
        self.tokens_per_step, self.refs, self.vocab_size = res["tokens_per_step"], res["refs"], res["vocab_size"]
        p = self.plot
        p.losses, p.val_losses, p.refs = self.losses, self.val_losses, res["refs"]
        p.tokens_per_step, p.train_chars = res["tokens_per_step"], res["train_chars"]
        self.update_views()

    async def reset(self):
        if self.setup_timer is not None:  # Reset supersedes a rebuild still waiting for typing to pause
            window.clearTimeout(self.setup_timer)
            self.setup_timer = None
        await self.stop_training()
        if self.store:
            await self.store.forget()
        await self.setup(announce="Started over: fresh random weights. Press Train.")

    async def settings_changed(self):
        """A setting that shapes the model changed: rebuild now if nothing was trained, else wait for Reset. During
        a build, rebuild after it: it read the form before this change."""
        self.form.show_custom()
        if self.state == "loading" or (self.step == 0 and self.state != "training"):
            await self.setup()
        else:
            el("reset").classList.add("attention")
            self.status(f"New settings take effect when you press Reset (the current model keeps its {self.step} "
                        "steps).")

    # ---- views ---------------------------------------------------------------------------------------------------

    async def refresh_views(self):
        """A new sample and new next-character bars, now."""
        await self.samples.refresh(self)
        await self.next_chars.refresh(self)
        asyncio.create_task(self.views.refresh(self))  # beside the caller: the open views follow when they can

    def update_views(self):
        run_view.show(self, now() / 1000)
