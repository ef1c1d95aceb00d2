"""The trainer's settings form (MicroPython, main thread): fill its menus from the worker's info(), read it,
refill it from a loaded run or a page address. Parsing and limits are in settings.py, which tests reach.
"""

from pyscript import document, window

from app import settings
from app.dom import el, guarded, make

FIELDS = (("lr", "lr"), ("batch_size", "batch"), ("context", "context"), ("preset", "preset"))
QUERY_FIELDS = ("preset", "corpus", "lr", "batch", "context", "seed", "temperature")


class SettingsForm:
    """The form's fields; `info` is the worker's description of charlm (models, presets, defaults, limits)."""

    def __init__(self, info):
        self.info = info
        self.limits = settings.form_limits(info.get("limits"))
        self.fill_models(info)
        self.fill_corpora(info["corpora"])

    def fill_models(self, info):
        select = el("model")
        chosen = select.value
        names = info.get("models") or {m: m for m in info["presets"]}
        select.replaceChildren()
        for name in info["presets"]:  # the menu names each kind; its description goes under it (model-about)
            select.append(make("option", text=names.get(name, name).split(":")[0], value=name))
        select.value = chosen if chosen in info["presets"] else "transformer"

    def fill_corpora(self, corpora):
        """The built-in texts as menu options, before the learner's own text."""
        select = el("corpus")
        custom = select.querySelector("option[value=custom]")
        for opt in list(select.querySelectorAll("option:not([value=custom])")):
            opt.remove()
        self.corpora = {c["id"]: c for c in corpora}
        for c in corpora:  # the menu names each text; what it is goes under it (corpus-about, in show_custom)
            select.insertBefore(make("option", text=c["title"], value=c["id"]), custom)
        select.value = corpora[0]["id"]
        self.show_custom()

    def read(self):
        """The form's settings as the worker wants them, or ValueError naming the first bad one."""
        corpus = el("corpus").value
        out = {
            "model": el("model").value,
            "preset": el("preset").value,
            "lr": settings.read_lr(el("lr").value, self.limits),
            "batch_size": settings.read_int("batch", el("batch").value, "batch size", self.limits),
            "context": settings.read_int("context", el("context").value, "context length", self.limits),
            "seed": settings.read_int("seed", el("seed").value, "seed", self.limits),
            "grad_clip": 1.0,
        }
        if corpus == "custom":
            text = el("custom-text").value
            if not text.strip():
                raise ValueError("Your text is empty. Paste some text (a few thousand characters or more) "
                                 "or upload a .txt file.")
            out["text"] = text
        else:
            out["corpus"] = corpus
        return out

    def field_problem(self, id_):
        """The message for the number field `id_` as it stands, or None when it is fine."""
        readers = {"lr": lambda t: settings.read_lr(t, self.limits),
                   "batch": lambda t: settings.read_int("batch", t, "batch size", self.limits),
                   "context": lambda t: settings.read_int("context", t, "context length", self.limits),
                   "seed": lambda t: settings.read_int("seed", t, "seed", self.limits)}
        try:
            readers[id_](el(id_).value)
        except ValueError as e:
            return str(e)
        return None

    def check_field(self, id_):
        """Mark the field invalid, with its message linked to it, or clear both once it is fixed."""
        problem = self.field_problem(id_)
        field, note = el(id_), el(id_ + "-error")
        note.textContent = problem or ""
        note.hidden = problem is None
        if problem:
            field.setAttribute("aria-invalid", "true")
            field.setAttribute("aria-describedby", id_ + "-error")
        else:
            field.removeAttribute("aria-invalid")
            field.removeAttribute("aria-describedby")
        return problem

    def query_values(self):
        """The settings a page address can carry, as they stand in the form; a field that does not parse (yet) is
        left out rather than written into the address."""
        out = {"model": el("model").value, "preset": el("preset").value, "corpus": el("corpus").value}
        readers = (("lr", lambda t: settings.read_lr(t, self.limits)),
                   ("batch", lambda t: settings.read_int("batch", t, limits=self.limits)),
                   ("context", lambda t: settings.read_int("context", t, limits=self.limits)),
                   ("seed", lambda t: settings.read_int("seed", t, limits=self.limits)),
                   ("temperature", settings.read_temperature))
        for key, read in readers:
            try:
                out[key] = read(el(key).value)
            except ValueError:
                pass
        return out

    def write_address(self):
        """Write the form's settings into the page address (keeping its path and fragment), so that copying the
        address reproduces the setup; the history entry is replaced, not added."""
        query = settings.to_query(self.query_values(), embed=document.body.classList.contains("embed"))
        url = window.location.pathname + query + window.location.hash
        guarded(lambda: window.history.replaceState(None, "", url))

    def lr(self):
        return settings.read_lr(el("lr").value, self.limits)

    def temperature(self):
        return settings.read_temperature(el("temperature").value, self.limits)

    def apply_defaults(self, model):
        """Fill learning rate, batch, context and preset with the model's recommended values, and describe it."""
        el("model-about").textContent = (self.info.get("models") or {}).get(model, "")
        d = self.info.get("defaults", {}).get(model)
        if not d:
            return
        select = el("preset")
        select.replaceChildren()
        for name in self.info["presets"][model]:
            select.append(make("option", text=name[:1].upper() + name[1:], value=name))  # no str.capitalize
        for key, id_ in FIELDS:
            if key in d:
                el(id_).value = str(d[key])

    def show_custom(self):
        """The box for the learner's own text, or, for a built-in text, what it is (under the menu)."""
        corpus = el("corpus").value
        el("custom-box").hidden = corpus != "custom"
        c = self.corpora.get(corpus)
        el("corpus-about").textContent = f"{c['description']} ({c['chars'] // 1000}\u00a0KB)" if c else ""

    def fill(self, run):
        """Show the settings of a run (a loaded model, a restored one)."""
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
        self.write_address()  # the address then reproduces the run on the page, not the settings before it

    def apply_query(self, query, problems):
        """Preset the form from a page address's settings (already parsed); adds to `problems` what it cannot use."""
        model = query.get("model", el("model").value)
        el("model").value = model
        self.apply_defaults(model)
        if query.get("preset") and query["preset"] not in self.info["presets"][model]:
            problems.append(f"preset: the {model} model comes in {', '.join(self.info['presets'][model])} only")
            del query["preset"]
        for key in QUERY_FIELDS:
            if key in query:
                el(key).value = str(query[key])
        self.show_custom()
        el("temperature-value").textContent = el("temperature").value
