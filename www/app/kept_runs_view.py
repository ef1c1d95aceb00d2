"""Runs side by side (MicroPython, main thread): "Keep this curve" pins the current run's loss curve (up to
five), the plot overlays them (plot_overlay.py) and this list is their legend, labelled with what differs between
the runs. Kept curves live in the page, not in the trainer, so they survive Reset and a change of model."""

from pyscript import window
from pyscript.ffi import create_proxy, to_js

from app import files
from app import views_logic as v
from app.dom import clear, el, make, on


class KeptRunsView:
    def __init__(self, overlay):
        self.overlay = overlay
        self.kept = []  # [{"run", "losses", "val_losses"}]

    def wire(self, ctl):
        on("keep-run", "click", lambda e: self.keep(ctl))
        on("download-kept-csv", "click", lambda e: self.download(ctl))

    def keep(self, ctl):
        if not ctl.losses:
            ctl.status("Train a few steps first: there is no curve to keep yet.", "error")
            return
        if len(self.kept) >= v.MAX_KEPT:
            ctl.status("Five curves are kept already; remove one to keep another.", "error")
            return
        self.kept.append({"run": dict(ctl.run), "losses": list(ctl.losses), "val_losses": list(ctl.val_losses)})
        self.show(ctl)
        ctl.status("Kept this curve (%d steps). Change a setting, press Reset and train again to compare."
                   % len(ctl.losses))

    def remove(self, ctl, index):
        del self.kept[index]
        self.show(ctl)
        el("keep-run").focus()

    def labels(self, ctl):
        runs = [k["run"] for k in self.kept] + ([ctl.run] if ctl.run else [])
        return v.run_labels(runs)[:len(self.kept)]

    def show(self, ctl):
        labels = self.labels(ctl)
        self.overlay.kept = [{"losses": k["losses"], "val_losses": k["val_losses"], "label": label}
                             for k, label in zip(self.kept, labels)]
        box = el("kept-runs")
        clear(box)
        for i, (k, label) in enumerate(zip(self.kept, labels)):
            item = make("li")
            swatch = make("span", "kept-swatch kept-%d" % i, aria_hidden="true")
            swatch.style.setProperty("--c", v.KEPT_COLORS[i])
            recent = k["losses"][-20:]
            text = make("span", "kept-label", "%s: %d steps, training loss %.3f nats (mean of the last %d)" % (
                label, len(k["losses"]), sum(recent) / len(recent), len(recent)))
            button = make("button", "small", "Remove", type="button", aria_label="Remove the kept curve " + label)
            on(button, "click", self.remover(ctl, i))
            item.append(swatch, text, button)
            item.dataset.label = label
            box.append(item)
        el("download-kept-csv").disabled = not self.kept
        el("keep-run").disabled = len(self.kept) >= v.MAX_KEPT
        ctl.plot.draw()

    def remover(self, ctl, index):
        return lambda e: self.remove(ctl, index)

    def download(self, ctl):
        csv = v.kept_csv(ctl.losses, ctl.val_losses, self.kept, self.labels(ctl))
        blob = window.Blob.new(to_js([csv]), to_js({"type": "text/csv"}))
        url = window.URL.createObjectURL(blob)
        files.download("charlm-kept-curves.csv", url)
        window.setTimeout(create_proxy(lambda: window.URL.revokeObjectURL(url)), 10000)
        ctl.status("Downloaded the current run and %d kept curve%s as CSV." % (len(self.kept),
                                                                              "" if len(self.kept) == 1 else "s"))
