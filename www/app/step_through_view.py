"""One step, the four lines, with real numbers (MicroPython, main thread). "Step through" takes one genuine
training step (the trainer's own, so it counts and the run stays reproducible); the worker measures what each line
did, and Next/Back walk through the four lines with the line being explained highlighted."""

from app import views_logic as v
from app.dom import clear, el, make, on
from app.worker_client import call

STAGES = ("forward", "loss", "backward", "step")


class StepThroughView:
    def __init__(self):
        self.res = None
        self.stage = 0

    def restart(self):
        """A new model: the walk-through of the old one's step goes."""
        self.res, self.stage = None, 0
        for line in el("step-through-code").querySelectorAll(".line"):
            line.classList.remove("current")
            line.removeAttribute("aria-current")
        el("step-through-back").disabled = el("step-through-next").disabled = True
        box = el("step-through-detail")
        for key in ("stage", "step", "loss"):
            box.removeAttribute("data-" + key)
        clear(box)
        box.append(make("p", "hint", "Press Step through."))

    def wire(self, ctl):
        on("step-through", "click", lambda e: self.run(ctl))
        on("step-through-next", "click", lambda e: self.move(1))
        on("step-through-back", "click", lambda e: self.move(-1))

    def show_state(self, state):
        el("step-through").disabled = state not in ("ready", "paused")

    async def run(self, ctl):
        if ctl.state not in ("ready", "paused") or not await ctl.prepare():
            return
        el("step-through").disabled = True
        res = await call(ctl.worker.step_through, window=0)
        if not ctl.take(res):
            return
        ctl.set_state("paused")
        self.res, self.stage = res, 0
        self.render()
        ctl.status("Stepped through step %d: training loss %.3f nats per character, the same number the plot and "
                   "the CSV record for it." % (ctl.step, res["loss"]["loss"]))
        el("step-through-next").focus()
        await ctl.refresh_views()

    def move(self, by):
        if self.res is None:
            return
        self.stage = min(max(self.stage + by, 0), len(STAGES) - 1)
        self.render()

    def render(self):
        res, stage = self.res, STAGES[self.stage]
        for line in el("step-through-code").querySelectorAll(".line"):
            current = line.dataset.stage == stage
            line.classList.toggle("current", current)
            if current:
                line.setAttribute("aria-current", "step")
            else:
                line.removeAttribute("aria-current")
        el("step-through-back").disabled = self.stage == 0
        el("step-through-next").disabled = self.stage == len(STAGES) - 1
        box = el("step-through-detail")
        box.dataset.stage = stage
        box.dataset.step = str(res["step"])
        box.dataset.loss = "%.6f" % res["loss"]["loss"]
        clear(box)
        # training may go on after this: the numbers below stay those of this one step
        box.append(make("p", "hint", "Stepped through at step %d." % res["step"]))
        getattr(self, "show_" + stage)(box, res)

    def show_forward(self, box, res):
        f = res["forward"]
        B, T = res["batch_shape"]
        box.append(make("p", None, "Line 1 of 4. The model reads a batch of %d windows of %d characters and scores "
                                   "every possible next character at every position. Window 1 of the batch:" % (B, T)))
        box.append(rows([("inputs", f["inputs"]), ("targets", f["targets"]), ("top guess", f["guesses"])]))
        right = sum(1 for g, t in zip(f["guesses"], f["targets"]) if g == t)
        box.append(make("p", None, "Its top guess is right at %d of %d positions." % (right, T)))

    def show_loss(self, box, res):
        loss = res["loss"]
        box.append(make("p", None, "Line 2 of 4. cross_entropy takes -ln p(the character that came) at every "
                                   "position: the surprise. In window 1:"))
        strip = make("p", "strip")
        for ch, s in zip(res["forward"]["targets"], loss["surprise"]):
            cell = make("span", "ch s%d" % v.shade(s), ch if ch not in v.SHOWN_CHARS else "\u00b7",
                        title="%s: %.2f nats" % (v.char_name(ch), s))
            strip.append(cell)
        box.append(strip)
        B, T = res["batch_shape"]
        box.append(make("p", None, "Mean surprise of this window: %.3f nats. The mean over all %d positions of the "
                                   "batch is the loss: %.4f nats per character, the value the plot and the CSV "
                                   "record for this step." % (loss["window_mean"], B * T, loss["loss"])))

    def show_backward(self, box, res):
        g = res["backward"]
        box.append(make("p", None, "Line 3 of 4. loss.backward() finds, for every weight, which way and how strongly "
                                   "it pushes the loss. The size (norm) of the gradient of each group of weights:"))
        norms = [(v.weight_group_label(k), "%.4f" % x) for k, x in g["grad_norms"]]
        box.append(table(("weights", "gradient norm"), norms))
        text = "All together: %.4f." % g["total"]
        if g["clip"]:
            text += (" That is above the limit of %g, so all gradients are scaled down together to a norm of %g "
                     "before the update." % (g["clip"], g["clip"]) if g["clipped"] else
                     " Within the limit of %g, so nothing is clipped." % g["clip"])
        box.append(make("p", None, text))

    def show_step(self, box, res):
        u = res["update"]
        box.append(make("p", None, "Line 4 of 4. optimizer.step() moves every weight a little against its gradient "
                                   "(Adam, learning rate %g). How far each group moved:" % u["lr"]))
        box.append(table(("weights", "distance moved"), [(v.weight_group_label(k), "%.5f" % x) for k, x in u["moved"]]))
        box.append(make("p", "verdict", "The loss on this same batch: %.4f before the step, %.4f after it." %
                        (u["loss_before"], u["loss_after"])))


def rows(named):
    block = make("pre", "st-rows")
    width = max(len(name) for name, _ in named)
    block.textContent = "\n".join(name + " " * (width - len(name) + 2) +
                                  "".join(c if c not in v.SHOWN_CHARS else "\u00b7" for c in chars)
                                  for name, chars in named)
    return block


def table(head, body):
    t = make("table", "st-table")
    tr = make("tr")
    for h in head:
        tr.append(make("th", None, h, scope="col"))
    thead = make("thead")
    thead.append(tr)
    tbody = make("tbody")
    for cells in body:
        row = make("tr")
        for c in cells:
            row.append(make("td", None, c))
        tbody.append(row)
    t.append(thead, tbody)
    return t
