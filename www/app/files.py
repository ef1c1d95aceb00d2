"""Files in and out of the page (MicroPython, main thread): the CSV of losses, saving and loading a model, and
uploading a text. Each action takes the page's Controller, which owns the run.
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


async def save_model(ctl):
    res = await ctl.ask("save")
    if res is None:
        return
    download(res["filename"], "data:application/octet-stream;base64," + res["data"])
    ctl.status(f"Saved the model at step {ctl.step} as {res['filename']}.")


async def load_model(ctl, event):
    file, data = await chosen_file(event)
    if file is None:
        return
    await ctl.stop_training()
    res = await ctl.ask("load", data=data, filename=file.name)
    if res is None:
        return
    ctl.take_over(res, res.get("text") or "")
    await ctl.refresh_views()
    ctl.status(f"Loaded {file.name}: a {ctl.run['model']} model at step {ctl.step}. Press Train to continue.")


async def upload_text(ctl, event):
    file, data = await chosen_file(event)
    if file is None:
        return
    res = await ctl.ask("read_upload", data=data, filename=file.name)
    if res is None:
        return
    el("corpus").value = "custom"
    el("custom-text").value = res["text"]
    ctl.form.show_custom()
    ctl.status(f"Loaded {file.name} ({len(res['text']):,} characters).")
    await ctl.settings_changed()


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
