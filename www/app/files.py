"""Files in and out of the page (MicroPython, main thread): the CSV of losses, saving and loading a model, and
uploading a text. Each action takes the page's Controller, which owns the run.

No file's contents pass through this MicroPython: a picked File goes to the worker as it is (after its size is
checked here, before anything is read), and what the worker sends back to download or show is an object URL.
"""

from pyscript import document, window
from pyscript.ffi import create_proxy, to_js

from app import loss_text
from app.dom import el, make


def download(filename, href):
    """Make the browser download `href` as `filename`."""
    a = make("a", href=href, download=filename)
    document.body.append(a)
    a.click()
    a.remove()


def download_csv(ctl):
    csv = loss_text.to_csv(ctl.losses, ctl.val_losses)
    blob = window.Blob.new(to_js([csv]), to_js({"type": "text/csv"}))
    url = window.URL.createObjectURL(blob)
    download(f"charlm-{ctl.run['model']}-losses.csv", url)
    window.setTimeout(create_proxy(lambda: window.URL.revokeObjectURL(url)), 10000)
    ctl.status(f"Downloaded the losses of {len(ctl.losses)} steps as CSV.")


def megabytes(n):
    return f"{n / 1e6:.1f} MB"


async def save_model(ctl):
    ctl.status("Saving the model ...")
    res = await ctl.ask("save_file")
    if res is None:
        return
    download(res["filename"], res["url"])  # the worker's Blob: the 5 MB never cross into this thread
    ctl.status(f"Saved the model at step {ctl.step} as {res['filename']} ({megabytes(res['bytes'])}).")


async def load_model(ctl, event):
    file = chosen_file(event, ctl.form.limits["model_bytes"][1], "A saved model", ctl)  # refused unread
    if file is None:
        return
    await ctl.stop_training()
    ctl.status(f"Loading {file.name} ...")
    res = await ctl.ask("load_file", bulk=file, filename=file.name)
    if res is None:
        return  # the worker kept its model; ask() showed why
    if res["run"].get("text_url"):
        await show_text(res["run"]["text_url"])
    ctl.take_over(res, ctl.small_text())
    ctl.form.fill(ctl.run)
    await ctl.refresh_views()
    ctl.status(f"Loaded {file.name}: a {ctl.run['model']} model at step {ctl.step}. Press Train to continue.")


async def upload_text(ctl, event):
    file = chosen_file(event, ctl.form.limits["text_bytes"][1], "A text", ctl)
    if file is None:
        return
    ctl.status(f"Reading {file.name} ...")
    res = await ctl.ask("upload_file", bulk=file, filename=file.name)
    if res is None:
        return
    el("corpus").value = "custom"
    await show_text(res["url"])
    ctl.form.show_custom()
    ctl.status(f"Loaded {file.name} ({res['chars']:,} characters).")
    await ctl.settings_changed()


async def show_text(url):
    """Put the text behind an object URL into the text box. The string goes from the browser's fetch straight into
    the textarea (Reflect.set as the promise's callback): megabytes never become a Python string here."""
    response = await window.fetch(url)
    await response.text().then(window.Reflect.set.bind(None, el("custom-text"), "value"))


def offer_text(run):
    """A link to download the run's long text under the name its script reads (the script checks its sha256)."""
    link = el("text-file")
    if link is None:
        link = make("a", None, None, id="text-file")
        el("python-code").parentNode.after(link)
    link.hidden = not run.get("text_file")
    if run.get("text_file"):
        link.href = run["text_url"]
        link.download = run["text_file"]
        link.textContent = f"Download the text this script reads ({run['text_file']}, {run['text_chars']:,} characters)"


def chosen_file(event, limit, what, ctl):
    """The File picked in an <input type=file>, or None; one over `limit` bytes is refused by its size, unread. The
    input is cleared so that picking the same file again still counts as a change."""
    files = event.target.files
    if not files.length:
        return None
    file = files.item(0)
    event.target.value = ""
    if file.size > limit:
        ctl.status(f"\"{file.name}\" is {megabytes(file.size)}. {what} can be at most {limit / 1e6:.0f} MB here, "
                   f"so it was not read; nothing changed.", "error")
        return None
    return file
