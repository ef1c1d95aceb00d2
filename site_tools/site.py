"""`--build`: the page as a self-contained static site, for any static host or an LMS.

What goes in: the page's own files under www/ (no hidden files, no caches), the runtime it loads (runtime_files),
charlm packed for the worker and for the learner's download (up to date with its sources), the page's modules packed
fresh as the one archive the page loads (app_pack), and the quiz. Symbolic links are left out, the rule the server
follows too: a link could point anywhere on the author's machine (ln -s /etc/passwd www/x.txt).
"""

import os
import shutil
import tempfile
from pathlib import Path

from .app_pack import APP_ARCHIVE, pack_app
from .charlm_pack import build_charlm_wheel, build_charlm_zip, wheel_name
from .errors import ExportError, describe_os_error, refuse_path_under_a_file
from .paths import QUIZ, ROOT, VENDOR, WWW
from .quiz_check import check_quiz
from .runtime import runtime_files

BUILD_MARKER = ".charlm-build"  # marks a folder this tool built, so a rebuild may replace it (and nothing else)
# Some LMS file servers (Moodle's among them) do not know the .mjs type, and browsers refuse a module served as
# anything but JavaScript; the same files named .js are served right everywhere.
RENAMED = {"micropython.mjs": "micropython.js", "pyodide.mjs": "pyodide.js"}


def page_files(www=WWW):
    """(file, path in the site) for the page's own files: no hidden names, caches or links, nothing of vendor/, and
    not the modules of app/, which the page loads as vendor/app.tar.gz."""
    www = Path(www)
    out = []
    for folder, dirs, files in os.walk(www):  # os.walk does not descend into linked folders
        here = Path(folder)
        rel_dir = here.relative_to(www)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and not (rel_dir == Path(".") and d in ("vendor", "vendor.tmp", "app"))
                         and not (here / d).is_symlink())
        for name in sorted(files):
            p = here / name
            if name.startswith(".") or p.suffix in (".pyc", ".tmp") or p.is_symlink() or not p.is_file():
                continue
            out.append((p, (rel_dir / name).as_posix()))
    return sorted(out, key=lambda item: item[1])


def site_files(www=WWW, vendor=None):
    """(file, path in the site) for everything the page needs: its own files and the runtime, renamed for LMSs."""
    vendor = Path(www) / "vendor" if vendor is None else vendor
    out = page_files(www)
    for src, rel in runtime_files(vendor):
        name = src.name
        out.append((src, f"vendor/{rel[:-len(name)]}{RENAMED.get(name, name)}"))
    for src, _ in out:
        if not src.is_file():
            raise ExportError(f"the runtime is incomplete (missing {src}); run `python3 serve.py --setup --force`")
        if src.is_symlink():
            raise ExportError(f"{src} is a symbolic link, which set-up never makes; "
                              "run `python3 serve.py --setup --force`")
    return out


def _refuse_unsafe_target(dest):
    """Never write into the sources, and never replace a folder this tool did not build."""
    dest = dest.resolve()
    if dest == ROOT or ROOT.is_relative_to(dest) or dest.is_relative_to(WWW):
        raise ExportError(f"{dest} is (or holds) the project's own sources; build into a new folder, such as site/")
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file; give a folder name")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / BUILD_MARKER).exists():
        raise ExportError(f"{dest} is not empty and was not made by `serve.py --build`; "
                          "give a new or empty folder, or remove it first")


def _write_site(staging, www, vendor, quiz):
    for src, rel in site_files(www, vendor):
        out = staging / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if "/" not in rel and src.suffix in (".json", ".html"):  # the page's configs name the runtime's files
            text = src.read_text(encoding="utf-8")
            for old, new in RENAMED.items():
                text = text.replace(old, new)
            out.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(src, out)
    shutil.copyfile(quiz, staging / "quiz.json")
    # charlm's packs as the runtime keeps them, first rebuilt if a source is newer: their bytecode is compiled once,
    # not at every export. The page's modules are packed from `www`, which may be another copy of the page.
    vendor = Path(www) / "vendor" if vendor is None else Path(vendor)
    shutil.copyfile(build_charlm_zip(vendor), staging / "vendor" / "charlm.zip")
    shutil.copyfile(build_charlm_wheel(vendor), staging / "vendor" / wheel_name())
    pack_app(staging / "vendor" / APP_ARCHIVE, Path(www) / "app")
    (staging / BUILD_MARKER).write_text("Made by `python3 serve.py --build`; a rebuild replaces this folder.\n")
    staging.chmod(0o755)


def build_site(dest, www=WWW, quiz=QUIZ, vendor=None):
    """Write the page as a self-contained static site into `dest`; return its files (relative, sorted).

    Every path in the page is relative, so the folder works from any static host or LMS. A folder made by an
    earlier build is replaced; any other non-empty folder is refused. The quiz must pass check_quiz first.
    Every failure, the file system's included, is an ExportError with a one-line message.
    """
    ok, lines = check_quiz(quiz, Path(quiz).name)
    if not ok:
        # One line, like every export error: the problems joined, each already naming the file and the place.
        raise ExportError("the quiz has problems; fix them first (`python3 serve.py --check` lists them): "
                          + "; ".join(lines))
    dest = Path(dest)
    vendor = VENDOR if vendor is None and Path(www) == WWW else vendor
    refuse_path_under_a_file(dest)
    staging = None
    try:
        _refuse_unsafe_target(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
        try:
            _write_site(staging, www, vendor, quiz)
            if dest.exists():
                shutil.rmtree(dest)
            staging.rename(dest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")
                      if p.is_file() and p.name != BUILD_MARKER)
    except OSError as e:
        inside = [dest.parent] if staging is None else [staging, dest]
        raise ExportError(describe_os_error(e, "write the site to", dest, inside)) from None
