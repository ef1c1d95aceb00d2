"""charlm packed for the learner (site_tools.charlm_pack): a reproducible pure-Python wheel that pip installs."""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from site_tools import charlm_pack
from site_tools.paths import CHARLM
from site_tools.zips import ZIP_TIME


def test_the_wheel_is_named_for_the_distribution_and_charlms_version():
    import charlm
    assert charlm_pack.wheel_name() == f"charlm_lesson-{charlm.__version__}-py3-none-any.whl"
    assert charlm_pack.wheel_url() == "vendor/" + charlm_pack.wheel_name()


def test_the_wheel_holds_charlm_its_metadata_and_a_record_of_every_file(tmp_path):
    out = tmp_path / charlm_pack.wheel_name()
    charlm_pack.pack_wheel(out)
    version = charlm_pack.charlm_version()
    info = f"charlm_lesson-{version}.dist-info"
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        sources = sorted(p.relative_to(CHARLM.parent).as_posix() for p in charlm_pack.charlm_sources())
        assert names == sources + [f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"]
        assert "charlm/texts/lesson.txt" in names and "charlm/__init__.py" in names
        metadata = z.read(f"{info}/METADATA").decode().splitlines()
        assert "Name: charlm-lesson" in metadata and f"Version: {version}" in metadata
        assert "Requires-Dist: numpy>=2.0" in metadata
        assert "Root-Is-Purelib: true" in z.read(f"{info}/WHEEL").decode()
        record = [line.split(",") for line in z.read(f"{info}/RECORD").decode().splitlines()]
        assert [r[0] for r in record] == names
        for name, digest, size in record[:-1]:
            data = z.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data), name
        assert record[-1] == [f"{info}/RECORD", "", ""]
        assert {i.date_time for i in z.infolist()} == {ZIP_TIME}


def test_the_same_sources_give_the_same_bytes(tmp_path):
    charlm_pack.pack_wheel(tmp_path / "a.whl")
    charlm_pack.pack_wheel(tmp_path / "b.whl")
    assert (tmp_path / "a.whl").read_bytes() == (tmp_path / "b.whl").read_bytes()


def test_the_wheel_is_rebuilt_when_a_source_is_newer_and_an_old_version_is_removed(tmp_path):
    package = tmp_path / "charlm"
    shutil.copytree(CHARLM, package, ignore=shutil.ignore_patterns("__pycache__"))
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / "charlm_lesson-0.0.1-py3-none-any.whl").write_bytes(b"an older version")
    first = charlm_pack.build_charlm_wheel(vendor, package)
    assert [p.name for p in vendor.iterdir()] == [first.name]
    built = first.stat().st_mtime_ns
    assert charlm_pack.build_charlm_wheel(vendor, package).stat().st_mtime_ns == built  # nothing changed
    source = package / "sampling.py"
    source.write_text(source.read_text() + "\n# an edit\n")
    later = first.stat().st_mtime + 10
    os.utime(source, (later, later))
    charlm_pack.build_charlm_wheel(vendor, package)
    with zipfile.ZipFile(first) as z:
        assert z.read("charlm/sampling.py").endswith(b"# an edit\n")


def test_pip_installs_the_wheel_into_a_fresh_venv_where_charlm_trains(tmp_path):
    """The learner's path: a new virtual environment (no system packages), numpy and the wheel, then training."""
    wheel = tmp_path / charlm_pack.wheel_name()
    charlm_pack.pack_wheel(wheel)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "numpy>=2.0", str(wheel)], capture_output=True, text=True, timeout=600)
    if install.returncode != 0 and "numpy" in install.stderr and "No matching distribution" in install.stderr:
        pytest.skip("pip cannot reach numpy from here (no cache, no index)")
    assert install.returncode == 0, install.stderr
    script = ("import numpy, charlm, charlm.texts\n"
              "t = charlm.Trainer(charlm.texts.load(charlm.texts.names()[0]), model='bigram', seed=0)\n"
              "losses = t.run(5)\n"
              "assert len(losses) == 5 and losses[-1] < losses[0], losses\n"
              "print(charlm.__file__, charlm.__version__, numpy.__version__)\n")
    run = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    where, version, _numpy = run.stdout.split()
    assert where.startswith(str(venv)) and version == charlm_pack.charlm_version()
