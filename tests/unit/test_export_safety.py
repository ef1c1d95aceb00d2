"""Exports that stay inside: symbolic links are left out of the site and the SCORM package (the server refuses
them too), test-only npm packages never ship, and every export error is one plain line with exit status 1."""

import errno
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

import serve
from site_tools import charlm_pack, site
from site_tools.app_pack import app_sources
from site_tools.paths import VENDOR, WWW
from site_tools.scorm import make_scorm
from site_tools.site import build_site, page_files

NEEDS_RUNTIME = pytest.mark.skipif(not (VENDOR / "pyodide" / "pyodide-lock.json").exists(),
                                   reason="needs the runtime in www/vendor (run `python3 serve.py --setup`)")
PASSWD = Path("/etc/passwd")


@pytest.fixture
def linked_www(tmp_path):
    """A copy of the page with the links of the hostile-input report: a file, a folder and a link inside."""
    www = tmp_path / "www"
    for src, rel in page_files(WWW) + [(p, f"app/{p.name}") for p in app_sources()]:
        (www / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, www / rel)
    (www / "evil.txt").symlink_to(PASSWD)
    (www / "etc").symlink_to("/etc", target_is_directory=True)
    (www / "app" / "again.py").symlink_to(www / "main.py")
    return www


def assert_no_links(names, read):
    assert not [n for n in names if n in ("evil.txt", "app/again.py") or n.startswith("etc/")]
    secret = PASSWD.read_bytes()
    assert not [n for n in names if read(n) == secret]


@NEEDS_RUNTIME
def test_the_built_site_leaves_symlinks_out(linked_www, tmp_path):
    dest = tmp_path / "site"
    files = build_site(dest, www=linked_www, vendor=VENDOR)
    assert "index.html" in files and "main.py" in files
    assert_no_links(files, lambda n: (dest / n).read_bytes())
    assert not [p for p in dest.rglob("*") if p.is_symlink()]
    with tarfile.open(dest / "vendor" / "app.tar.gz") as t:  # nor into the page's modules
        assert "again.py" not in t.getnames() and "quiz.py" in t.getnames()


@NEEDS_RUNTIME
def test_the_scorm_package_leaves_symlinks_out(linked_www, tmp_path):
    out = tmp_path / "module.zip"
    make_scorm(out, www=linked_www, vendor=VENDOR)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert "index.html" in names
        assert_no_links(names, z.read)


@NEEDS_RUNTIME
def test_the_site_ships_openblas_chart2music_and_the_wheel_but_no_test_only_package(tmp_path):
    dest = tmp_path / "site"
    files = build_site(dest)
    assert "vendor/pyodide/openblas-0.3.26.zip" in files
    assert "vendor/chart2music/chart2music.js" in files
    assert b"var c2mChart" in (dest / "vendor/chart2music/chart2music.js").read_bytes()
    assert charlm_pack.wheel_url() in files
    axe = (VENDOR.parents[1] / "node_modules/axe-core/axe.min.js").read_bytes()
    scorm_again = (VENDOR.parents[1] / "node_modules/scorm-again/dist/scorm12.min.js").read_bytes()
    test_only = ("axe", "scorm-again", "scorm12", "tfjs", "tensorflow")  # test and benchmark libraries
    assert not [f for f in files if any(name in f for name in test_only)]
    for f in files:
        data = (dest / f).read_bytes()
        assert data != axe and data != scorm_again, f


def one_plain_line(capsys):
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("serve.py: ") and "Traceback" not in err and "Error" not in err, err
    return lines[0]


def unwritable(tmp_path):
    if os.geteuid() == 0:  # root writes through file modes; sysfs refuses even root
        return Path("/sys/charlm-site")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "site"


@NEEDS_RUNTIME
@pytest.mark.parametrize("where", ["unwritable", "under a file", "proc"])
@pytest.mark.parametrize("option", ["--build", "--scorm"])
def test_an_export_to_a_place_that_cannot_be_written_is_one_line_and_status_1(tmp_path, capsys, where, option):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    target = {"unwritable": unwritable(tmp_path), "under a file": tmp_path / "notes.txt" / "site",
              "proc": Path("/proc/self/site")}[where]
    if option == "--scorm":
        target = target.with_name(target.name + ".zip")
    assert serve.main([option, str(target)]) == 1
    line = one_plain_line(capsys)
    assert str(target.parent) in line or str(target) in line or "/proc/" in line, line
    assert (tmp_path / "notes.txt").read_text() == "a file, not a folder"


@NEEDS_RUNTIME
def test_a_full_disk_during_a_build_is_one_line_and_leaves_nothing_half_made(tmp_path, capsys, monkeypatch):
    real, copied = shutil.copyfile, []

    def copy_until_full(src, dst, **kwargs):
        if len(copied) > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        copied.append(dst)
        return real(src, dst, **kwargs)

    monkeypatch.setattr(site.shutil, "copyfile", copy_until_full)
    assert serve.main(["--build", str(tmp_path / "site")]) == 1
    assert "No space left on device" in one_plain_line(capsys)
    assert list(tmp_path.iterdir()) == []  # the staging folder went with the failure


@NEEDS_RUNTIME
def test_a_full_disk_while_zipping_the_package_is_one_line_and_leaves_no_package(tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    assert serve.main(["--scorm", str(tmp_path / "module.zip")]) == 1
    assert "No space left on device" in one_plain_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_quiz_stops_an_export_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(site, "check_quiz", lambda path, name: (False, ["quiz.json: a", "quiz.json: b"]))
    assert serve.main(["--build", str(tmp_path / "site")]) == 1
    line = one_plain_line(capsys)
    assert "quiz.json: a; quiz.json: b" in line
