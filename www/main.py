"""The lesson page's main thread (MicroPython): reads the learner's choices, drives the trainer worker in short
chunks, and draws between them. The worker does all the learning; this file only asks it and shows what it says.
"""

import asyncio
import json

from app import losses as losses_mod
from app import script as script_mod
from app import settings
from app.plotview import LossPlot
from pyscript import document, window, workers
from pyscript.ffi import create_proxy, to_js

CHUNK_MS = 150          # one worker call: long enough to amortise the message, short enough to redraw smoothly
SAMPLE_EVERY_MS = 3000  # a new live sample this often while training
NEXT_EVERY_MS = 1500    # refresh the next-character bars this often while training
SAMPLE_LENGTH = 160
MILESTONES = (0, 30, 100, 300, 1000, 3000, 10000, 30000, 100000)
SHOWN_CHARS = {" ": "space", "\n": "newline", "\t": "tab"}


def el(id_):
    return document.getElementById(id_)


def now():
    return window.performance.now()


def call(fn, **args):
    """Await a worker function (JSON in, JSON out)."""
    async def go():
        return json.loads(await fn(json.dumps(args)))
    return go()


class Lesson:
    def __init__(self, worker):
        self.worker = worker
        self.plot = LossPlot(el("loss-plot"), window)
        self.info = {}
        self.run = None           # settings the current model was built with (what the script reproduces)
        self.run_text = ""        # its text when it is the learner's own
        self.losses = []
        self.val_losses = []
        self.lr_changes = []
        self.step = 0
        self.epoch = 0.0
        self.train_seconds = 0.0  # time spent training since the model was built or loaded
        self.trained_chars = 0
        self.chars_per_second = 0.0
        self.state = "loading"
        self.pause_requested = False
        self.building = False
        self.milestones_done = set()
        self.last_sample = -1e9
        self.last_next = -1e9
        self.next_busy = False
        self.setup_timer = None
        self.refs = {}            # reference losses of the text: uniform, unigram, bigram
        self.tokens_per_step = 0
        self.vocab_size = 0

    # ---- state and messages -------------------------------------------------------------------------------------

    def set_state(self, state):
        self.state = state
        document.body.dataset.trainer = state
        training = state == "training"
        el("train").textContent = "Pause" if training else "Train"
        el("train").setAttribute("aria-pressed", "true" if training else "false")
        usable = state in ("ready", "paused", "training")
        el("train").disabled = not usable
        for id_ in ("step", "reset", "save-model", "load-model"):
            el(id_).disabled = not usable or training
        el("download-csv").disabled = not usable or training or not self.losses

    def status(self, text, kind="info"):
        node = el("status")
        node.textContent = text
        node.dataset.kind = kind

    # ---- settings -----------------------------------------------------------------------------------------------

    def read_settings(self):
        """The form's settings as the worker wants them, or ValueError naming the first bad one."""
        corpus = el("corpus").value
        out = {
            "model": el("model").value,
            "preset": el("preset").value,
            "lr": settings.read_lr(el("lr").value),
            "batch_size": settings.read_int("batch", el("batch").value, "batch size"),
            "context": settings.read_int("context", el("context").value, "context length"),
            "seed": settings.read_int("seed", el("seed").value, "seed"),
            "grad_clip": 1.0,
        }
        if corpus == "custom":
            text = el("custom-text").value
            if not text.strip():
                raise ValueError("Your text is empty. Paste some text (a few thousand characters or more) or upload a .txt file.")
            out["text"] = text
        else:
            out["corpus"] = corpus
        return out

    def apply_defaults(self, model):
        """Fill learning rate, batch, context and preset with the model's recommended values."""
        d = self.info.get("defaults", {}).get(model)
        if not d:
            return
        select = el("preset")
        select.innerHTML = ""
        for name in self.info["presets"][model]:
            opt = document.createElement("option")
            opt.value = name
            opt.textContent = name[:1].upper() + name[1:]  # MicroPython str has no capitalize()
            select.append(opt)
        for key, id_ in (("lr", "lr"), ("batch_size", "batch"), ("context", "context"), ("preset", "preset")):
            if key in d:
                el(id_).value = str(d[key])

    def show_custom(self):
        custom = el("corpus").value == "custom"
        el("custom-box").hidden = not custom

    # ---- building and training ----------------------------------------------------------------------------------

    async def setup(self, announce=True):
        """(Re)build the model from the form. Bad settings leave the current model and its progress untouched."""
        while self.building:  # one rebuild at a time: the last request must also be the last to land
            await asyncio.sleep(0.05)
        self.building = True
        try:
            return await self.build(announce)
        finally:
            self.building = False

    async def build(self, announce):
        try:
            args = self.read_settings()
        except ValueError as e:
            self.status(str(e), "error")
            return False
        self.status("Building the model ...")
        before = self.state
        self.set_state("loading")  # no Train/Step while the worker swaps models
        res = await call(self.worker.setup, **args)
        if "error" in res:
            self.set_state(before)
            self.status(res["error"], "error")
            return False
        self.run = res["run"]
        self.run_text = args.get("text", "")
        self.adopt(res)
        el("reset").classList.remove("attention")
        self.milestones_done = set()
        el("sample-history").innerHTML = ""
        await self.refresh_sample()
        await self.refresh_next()
        if announce:
            self.status(f"Ready: a {self.run['model']} model with {res['params']:,} weights, on a text of "
                        f"{res['train_chars'] + res['val_chars']:,} characters ({res['vocab_size']} different ones). "
                        f"Press Train.")
        self.set_state("ready")
        return True

    def adopt(self, res, keep_time=False):
        """Take the worker's description of its trainer (after setup, load or a roll-back)."""
        if not keep_time:
            self.train_seconds, self.trained_chars, self.chars_per_second = 0.0, 0, 0.0
        self.losses = res["losses"]
        self.val_losses = [tuple(v) for v in res["val_losses"]]
        self.lr_changes = res.get("lr_changes", [])
        self.step, self.epoch = res["step"], res["epoch"]
        self.tokens_per_step = res["tokens_per_step"]
        p = self.plot
        p.losses, p.val_losses, p.refs = self.losses, self.val_losses, res["refs"]
        p.tokens_per_step, p.train_chars = res["tokens_per_step"], res["train_chars"]
        self.refs = res["refs"]
        self.vocab_size = res["vocab_size"]
        self.update_views()

    async def toggle(self):
        if self.state == "training":
            # The chunk in flight finishes (its steps are real); the loop then stops and reports the final step.
            self.pause_requested = True
            el("train").textContent = "Pausing ..."
            return
        if not await self.prepare():
            return
        self.pause_requested = False
        self.set_state("training")
        self.status("Training ...")
        asyncio.create_task(self.loop())

    async def prepare(self):
        """Before training: apply a changed learning rate; warn if other settings wait for Reset."""
        try:
            lr = settings.read_lr(el("lr").value)
        except ValueError as e:
            self.status(str(e), "error")
            el("lr").focus()
            return False
        res = await self.ask(self.worker.set_lr, lr=lr)
        if res is None:
            return False
        self.lr_changes = res["lr_changes"]
        if self.step == 0:
            self.run["lr"] = lr
        return True

    async def loop(self):
        while not self.pause_requested:
            res = await call(self.worker.train, ms=CHUNK_MS)
            if not self.take(res):
                return
            t = now()
            if not self.pause_requested and (t - self.last_sample > SAMPLE_EVERY_MS or self.pending_milestone()):
                await self.refresh_sample()
            if not self.pause_requested and t - self.last_next > NEXT_EVERY_MS:
                await self.refresh_next()
        self.set_state("paused")
        self.update_views()
        self.status(f"Paused at step {self.step}. Press Train to continue from here.")

    def take(self, res):
        """Record a chunk's results; on an error stop training, keep everything, and say why."""
        if "error" in res:
            if res.get("diverged"):
                self.adopt(res, keep_time=True)  # the worker rolled back to its last good step; show exactly that
            self.set_state("paused" if self.step else "ready")
            self.status(res["error"], "error")
            self.update_views()
            return False
        self.losses.extend(res["losses"])
        self.val_losses.extend(tuple(v) for v in res["val_losses"])
        if res.get("memory"):
            document.body.dataset.workerMemory = str(res["memory"])  # read by bench/browser.py
        self.step, self.epoch = res["step"], res["epoch"]
        if res["losses"]:
            self.train_seconds += res["seconds"]
            self.trained_chars += len(res["losses"]) * self.tokens_per_step
            self.chars_per_second = self.trained_chars / max(self.train_seconds, 1e-6)
        self.update_views()
        return True

    async def single_step(self):
        if not await self.prepare():
            return
        res = await call(self.worker.train, max_steps=1)
        if self.take(res):
            self.set_state("paused")
            self.status(f"One step done: step {self.step}, training loss {self.losses[-1]:.3f} nats per character.")
            await self.refresh_sample()
            await self.refresh_next()

    async def stop_training(self):
        """Pause and wait until the chunk in flight has come back."""
        if self.state == "training":
            self.pause_requested = True
            while self.state == "training":
                await asyncio.sleep(0.05)

    async def reset(self):
        if self.setup_timer is not None:  # Reset supersedes a rebuild still waiting for typing to pause
            window.clearTimeout(self.setup_timer)
            self.setup_timer = None
        await self.stop_training()
        if await self.setup(announce=False):
            self.status("Started over: fresh random weights. Press Train.")

    def pending_milestone(self):
        return any(m <= self.step and m not in self.milestones_done for m in MILESTONES)

    # ---- samples and the next-character view --------------------------------------------------------------------

    def temperature(self):
        try:
            return settings.read_temperature(el("temperature").value)
        except ValueError as e:
            self.status(str(e), "error")
            return None

    async def refresh_sample(self):
        temp = self.temperature()
        if temp is None:
            return
        self.last_sample = now()
        res = await self.ask(self.worker.sample, prompt="", length=SAMPLE_LENGTH, temperature=temp)
        if res is None:
            return
        el("sample").textContent = res["text"]
        el("sample").dataset.step = str(res["step"])
        el("sample-step").textContent = f"step {res['step']}, temperature {temp:g}"
        reached = [m for m in MILESTONES if m <= res["step"] and m not in self.milestones_done]
        if reached:
            self.milestones_done.update(reached)
            item = document.createElement("li")
            head = document.createElement("span")
            head.className = "at"
            head.textContent = f"step {res['step']}"
            body = document.createElement("span")
            body.className = "text"
            body.textContent = res["text"][:100]
            item.append(head, body)
            el("sample-history").append(item)

    async def refresh_next(self):
        if self.next_busy or self.run is None:
            return
        self.next_busy = True
        self.last_next = now()
        prompt = el("prompt").value
        try:
            res = await call(self.worker.next_char, prompt=prompt, top=10)
        finally:
            self.next_busy = False
        box = el("next-char")
        box.dataset.prompt = prompt
        box.dataset.step = str(res.get("step", self.step))
        if "error" in res:
            el("next-char-note").textContent = res["error"]
            box.innerHTML = ""
            return
        el("next-char-note").textContent = f"after step {res['step']}"
        box.innerHTML = ""
        for ch, p in res["probs"]:
            row = document.createElement("div")
            row.className = "bar"
            row.setAttribute("role", "listitem")
            row.dataset.char = ch
            row.dataset.prob = f"{p:.6f}"
            label = document.createElement("span")
            label.className = "char" + (" special" if ch in SHOWN_CHARS else "")
            label.textContent = SHOWN_CHARS.get(ch, ch)
            track = document.createElement("span")
            track.className = "track"
            fill = document.createElement("span")
            fill.className = "fill"
            fill.style.width = f"{max(p * 100, 0.5):.1f}%"
            track.append(fill)
            value = document.createElement("span")
            value.className = "value"
            value.textContent = f"{p * 100:.1f}%"
            row.append(label, track, value)
            box.append(row)

    # ---- views --------------------------------------------------------------------------------------------------

    def update_views(self):
        canvas = el("loss-plot")
        canvas.dataset.step = str(self.step)
        canvas.dataset.loss = f"{self.losses[-1]:.6f}" if self.losses else ""
        canvas.dataset.vocab = str(self.vocab_size)
        self.plot.draw()
        el("count-step").textContent = f"{self.step:,}"
        el("count-epoch").textContent = f"{self.epoch:.2f}"
        el("count-time").textContent = format_seconds(self.train_seconds)
        # int: MicroPython ignores the thousands separator in float formats
        el("count-speed").textContent = f"{int(self.chars_per_second):,}" if self.chars_per_second else "-"
        uniform = self.refs.get("uniform")
        text = losses_mod.summary(self.losses, self.val_losses, uniform)
        el("plot-summary").textContent = text
        canvas.setAttribute("aria-label", "Loss plot. " + text)
        if self.state != "training" or self.step % 25 == 0:
            self.update_table()
        if self.run and self.state != "training":  # written once training pauses: it is hidden meanwhile anyway
            el("python-code").textContent = script_mod.make_script(self.script_run(), len(self.losses), self.lr_changes)
        el("download-csv").disabled = not self.losses or self.state == "training"

    def script_run(self):
        run = dict(self.run)
        if not run.get("corpus"):
            run["text"] = self.run_text
        return run

    def update_table(self):
        body = el("loss-table-body")
        body.innerHTML = ""
        for step, train, val in losses_mod.table_rows(self.losses, self.val_losses):
            tr = document.createElement("tr")
            for value in (str(step), f"{train:.3f}", "" if val is None else f"{val:.3f}"):
                td = document.createElement("td")
                td.textContent = value
                tr.append(td)
            body.append(tr)

    # ---- files ----------------------------------------------------------------------------------------------------

    def download(self, filename, href):
        a = document.createElement("a")
        a.href = href
        a.download = filename
        document.body.append(a)
        a.click()
        a.remove()

    def download_csv(self):
        csv = losses_mod.to_csv(self.losses, self.val_losses)
        blob = window.Blob.new(to_js([csv]), to_js({"type": "text/csv"}))
        url = window.URL.createObjectURL(blob)
        self.download(f"charlm-{self.run['model']}-losses.csv", url)
        window.setTimeout(create_proxy(lambda: window.URL.revokeObjectURL(url)), 10000)
        self.status(f"Downloaded the losses of {len(self.losses)} steps as CSV.")

    async def save_model(self):
        res = await self.ask(self.worker.save)
        if res is None:
            return
        self.download(res["filename"], "data:application/octet-stream;base64," + res["data"])
        self.status(f"Saved the model at step {self.step} as {res['filename']}.")

    async def ask(self, fn, **args):
        """Call the worker; on an error show its message and return None."""
        res = await call(fn, **args)
        if "error" in res:
            self.status(res["error"], "error")
            return None
        return res

    async def load_model(self, event):
        file, data = await chosen_file(event)
        if file is None:
            return
        await self.stop_training()
        res = await self.ask(self.worker.load, data=data, filename=file.name)
        if res is None:
            return
        self.run = res["run"]
        self.run_text = res.get("text") or ""
        self.fill_form(self.run)
        if not self.run.get("corpus"):
            el("custom-text").value = self.run_text
        self.adopt(res)
        self.set_state("paused" if self.step else "ready")
        await self.refresh_sample()
        await self.refresh_next()
        self.status(f"Loaded {file.name}: a {self.run['model']} model at step {self.step}. Press Train to continue.")

    def fill_form(self, run):
        el("model").value = run["model"]
        self.apply_defaults(run["model"])  # the model's preset menu; the values below then replace its defaults
        if run.get("preset"):
            el("preset").value = run["preset"]
        el("corpus").value = run.get("corpus") or "custom"
        el("lr").value = str(run["lr"])
        el("batch").value = str(run["batch_size"])
        el("context").value = str(run["context"])
        el("seed").value = str(run["seed"])
        self.show_custom()

    async def upload_text(self, event):
        file, data = await chosen_file(event)
        if file is None:
            return
        res = await self.ask(self.worker.read_upload, data=data, filename=file.name)
        if res is None:
            return
        el("corpus").value = "custom"
        el("custom-text").value = res["text"]
        self.show_custom()
        self.status(f"Loaded {file.name} ({len(res['text']):,} characters).")
        await self.settings_changed()

    async def settings_changed(self):
        """A setting that shapes the model changed: rebuild now if nothing was trained, else wait for Reset."""
        self.show_custom()
        if self.state == "loading":
            return
        if self.step == 0 and self.state != "training":
            await self.setup()
        else:
            el("reset").classList.add("attention")
            self.status(f"New settings take effect when you press Reset (the current model keeps its {self.step} steps).")


def format_seconds(s):
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


async def chosen_file(event):
    """The file picked in an <input type=file> and its bytes as base64, or (None, None). The input is cleared so
    that picking the same file again still counts as a change."""
    files = event.target.files
    if not files.length:
        return None, None
    file = files.item(0)
    event.target.value = ""
    return file, await read_base64(file)


def read_base64(file):
    """A File's bytes as base64 (via a data: URL), awaitable."""
    def executor(resolve, reject):
        reader = window.FileReader.new()
        reader.onload = create_proxy(lambda e: resolve(reader.result.split(",", 1)[1] if "," in reader.result else ""))
        reader.onerror = create_proxy(lambda e: reject(reader.error))
        reader.readAsDataURL(file)

    async def go():
        return await window.Promise.new(create_proxy(executor))
    return go()


def on(id_, event, handler):
    """Bind `handler` (sync or async) to an element's event."""
    def listener(evt):
        result = handler(evt)
        if result is not None and hasattr(result, "send"):
            asyncio.create_task(result)
    el(id_).addEventListener(event, create_proxy(listener))


async def boot():
    query, problems = settings.parse_query(window.location.search)
    if query.get("embed"):
        document.body.classList.add("embed")
    try:
        worker = await workers["trainer"]
    except Exception as e:
        document.body.dataset.trainer = "error"
        el("status").textContent = f"The trainer could not start in this browser ({e}). The lesson text still covers everything."
        return
    lesson = Lesson(worker)
    info = await call(worker.info)
    lesson.info = info
    el("runtime").textContent = (f"Running Python {info['python']} in your browser: Pyodide {info['pyodide']}, "
                                 f"numpy {info['numpy']}, charlm {info['charlm']}.")
    ids = [c["id"] for c in info["corpora"]]
    fill_corpora(info["corpora"])
    query, problems = settings.parse_query(window.location.search, ids)
    model = query.get("model", el("model").value)
    el("model").value = model
    lesson.apply_defaults(model)
    if query.get("preset") and query["preset"] not in info["presets"][model]:
        problems.append(f"preset: the {model} model comes in {', '.join(info['presets'][model])} only")
        del query["preset"]
    for key, id_ in (("preset", "preset"), ("corpus", "corpus"), ("lr", "lr"), ("batch", "batch"),
                     ("context", "context"), ("seed", "seed"), ("temperature", "temperature")):
        if key in query:
            el(id_).value = str(query[key])
    lesson.show_custom()
    el("temperature-value").textContent = el("temperature").value

    on("train", "click", lambda e: lesson.toggle())
    on("step", "click", lambda e: lesson.single_step())
    on("reset", "click", lambda e: lesson.reset())
    on("download-csv", "click", lambda e: lesson.download_csv())
    on("save-model", "click", lambda e: lesson.save_model())
    on("load-model", "change", lesson.load_model)
    on("upload", "change", lesson.upload_text)

    def model_changed(e):
        lesson.apply_defaults(el("model").value)
        return lesson.settings_changed()
    on("model", "change", model_changed)
    for id_ in ("corpus", "preset", "context", "batch", "seed"):
        on(id_, "change", lambda e: lesson.settings_changed())

    def text_typed(e):
        if lesson.setup_timer is not None:
            window.clearTimeout(lesson.setup_timer)
        def typed_pause():
            lesson.setup_timer = None
            asyncio.create_task(lesson.settings_changed())
        lesson.setup_timer = window.setTimeout(create_proxy(typed_pause), 600)
    on("custom-text", "input", text_typed)

    def temperature_moved(e):
        el("temperature-value").textContent = el("temperature").value
        if lesson.state != "training":
            return lesson.refresh_sample()
    on("temperature", "input", temperature_moved)

    def prompt_typed(e):
        if lesson.state != "training":
            return lesson.refresh_next()
    on("prompt", "input", prompt_typed)
    on("unit-nats", "change", lambda e: set_unit(lesson, "nats"))
    on("unit-bits", "change", lambda e: set_unit(lesson, "bits"))
    on("unit-perplexity", "change", lambda e: set_unit(lesson, "perplexity"))
    window.addEventListener("resize", create_proxy(lambda e: lesson.plot.draw()))

    ok = await lesson.setup(announce=True)
    if problems:
        lesson.status("Some settings in the page address were ignored: " + "; ".join(problems) + ".", "error")
    if not ok:
        document.body.dataset.trainer = "ready" if lesson.run else "error"


def fill_corpora(corpora):
    """The built-in texts as menu options, before the learner's own text."""
    select = el("corpus")
    custom = select.querySelector("option[value=custom]")
    for opt in list(select.querySelectorAll("option:not([value=custom])")):
        opt.remove()
    for c in corpora:
        opt = document.createElement("option")
        opt.value = c["id"]
        opt.textContent = f"{c['title']} ({c['chars'] // 1000} KB)"
        select.insertBefore(opt, custom)
    select.value = corpora[0]["id"]


def set_unit(lesson, unit):
    lesson.plot.unit = unit
    lesson.plot.draw()


async def start():
    try:
        await boot()
    except Exception as e:  # a bug on this page: say so plainly instead of spinning forever
        document.body.dataset.trainer = "error"
        el("status").textContent = f"The trainer stopped unexpectedly ({e}). Reload the page to try again."
        el("status").dataset.kind = "error"
        raise


asyncio.create_task(start())
