"""The page's main-thread modules (www/app/*.py) as one archive, vendor/app.tar.gz, that main.json has PyScript
unpack into the interpreter's ./app/.

Why one file: a browser opens at most six connections to a host over HTTP/1.1, and the page asked for its forty
modules at the moment the trainer worker was fetching what it starts with, so the worker's requests queued behind
them (a 2 KB file took a quarter of a second).

Why a gzipped tar and not a zip: PyScript unpacks a zip with a JavaScript library that reads each entry back out of
a Blob, one asynchronous read after another, and that took 350-430 ms before main.py could run (a main thread that
starts late also starts the worker late: it is main.py that tells the worker to boot). A .tar.gz PyScript hands to
the interpreter's own gzip and tarfile modules: about 140 ms. Written reproducibly (no times, owners or modes of
this machine) and rebuilt whenever a module is newer, so editing one and reloading the page just works.
"""

from pathlib import Path

from .paths import VENDOR, WWW
from .zips import tar_gz, up_to_date

APP = WWW / "app"
APP_ARCHIVE = "app.tar.gz"  # main.json's "files" names it; PyScript picks the unpacking by this ending


def app_sources(app=APP):
    """The page's modules, sorted: no hidden names and no links, like every file set-up ships (site.page_files)."""
    return sorted(p for p in Path(app).glob("*.py")
                  if p.is_file() and not p.is_symlink() and not p.name.startswith("."))


def pack_app(out, app=APP):
    """The modules as vendor/app.tar.gz."""
    Path(out).write_bytes(tar_gz([(p.name, p.read_bytes()) for p in app_sources(app)]))


def build_app_archive(vendor=VENDOR, app=APP):
    """vendor/app.tar.gz, up to date with the modules."""
    return up_to_date(Path(vendor) / APP_ARCHIVE, lambda path: pack_app(path, app),
                      app_sources(app) + [Path(__file__)])
