"""The page's main-thread modules (www/app/*.py) as one zip, vendor/app.zip, that main.json has PyScript unpack.

Why one file: a browser opens at most six connections to a host over HTTP/1.1, and the page asked for its forty
modules at the moment the trainer worker was fetching what it starts with, so the worker's requests queued behind
them (a 2 KB file took a quarter of a second). Rebuilt whenever a module is newer, so editing one and reloading the
page just works.
"""

import zipfile
from pathlib import Path

from .paths import VENDOR, WWW
from .zips import up_to_date, write_entry

APP = WWW / "app"


def app_sources(app=APP):
    """The page's modules, sorted: no hidden names and no links, like every file set-up ships (site.page_files)."""
    return sorted(p for p in Path(app).glob("*.py")
                  if p.is_file() and not p.is_symlink() and not p.name.startswith("."))


def pack_app(out, app=APP):
    """The modules as a zip of their bare names (main.json unpacks it into the interpreter's ./app/)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in app_sources(app):
            write_entry(z, p.name, p.read_bytes())


def build_app_zip(vendor=VENDOR, app=APP):
    """vendor/app.zip, up to date with the modules."""
    return up_to_date(Path(vendor) / "app.zip", lambda path: pack_app(path, app), app_sources(app) + [Path(__file__)])
