"""For course authors: --check, the static site (--build) and the SCORM package (--scorm)."""

import json
import re
import tarfile
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

import pytest

import serve
from app import quiz as quiz_mod
from site_tools.errors import ExportError
from site_tools.paths import ROOT, VENDOR, WWW
from site_tools.quiz_check import check_quiz
from site_tools.scorm import make_scorm, scorm_manifest
from site_tools.site import build_site

NEEDS_RUNTIME = pytest.mark.skipif(not (VENDOR / "pyodide" / "pyodide-lock.json").exists(),
                                   reason="needs the runtime in www/vendor (run `python3 serve.py --setup`)")
CP_12 = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
CP_2004 = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
ADLCP_12 = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"
ADLCP_2004 = "{http://www.adlnet.org/xsd/adlcp_v1p3}"
IMSSS = "{http://www.imsglobal.org/xsd/imsss}"


def write_quiz(tmp_path, data, name="quiz.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def small_quiz(**changes):
    quiz = {"schema": 1, "id": "q", "title": "T", "pass_percent": 50, "questions": [
        {"id": "a", "type": "single", "prompt": "P", "choices": [{"id": "x", "text": "X", "correct": True},
                                                                 {"id": "y", "text": "Y"}]}]}
    quiz.update(changes)
    return quiz


# ---- --check ---------------------------------------------------------------------------------------------

def test_check_of_the_repository_quiz_counts_its_questions_and_points(capsys):
    quiz = quiz_mod.parse((ROOT / "quiz.json").read_text(encoding="utf-8"))
    points = sum(q["points"] for q in quiz["questions"])
    assert serve.main(["--check"]) == 0
    assert capsys.readouterr().out.strip() == f"quiz.json: OK ({len(quiz['questions'])} questions, {points} points)"


def test_check_says_one_question_and_one_point_in_the_singular(tmp_path):
    ok, lines = check_quiz(write_quiz(tmp_path, small_quiz()), "quiz.json")
    assert ok and lines == ["quiz.json: OK (1 question, 1 point)"]


def test_check_lists_every_problem_with_its_place_and_exits_1(tmp_path, capsys):
    bad = small_quiz(pass_percent=150)
    bad["questions"].append({"id": "a", "type": "singel", "prompt": "Q"})
    path = write_quiz(tmp_path, bad)
    assert serve.main(["--check", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    problems = quiz_mod.validate(bad)
    assert len(problems) >= 3
    for problem in problems:
        assert f"{path}: {problem}" in err
    assert err[-1] == f"{path}: {len(problems)} problems; the format is described in docs/quiz-schema.md"
    assert any("pass_percent" in line for line in err)
    assert any("questions[1]" in line and "already used" in line for line in err)
    assert any("did you mean \"single\"" in line for line in err)


def test_check_reports_a_json_syntax_error_with_line_and_column(tmp_path, capsys):
    text = json.dumps(small_quiz(), indent=2).replace('"title": "T"', '"title": "T",,')
    path = write_quiz(tmp_path, text)
    assert serve.main(["--check", str(path)]) == 1
    line = capsys.readouterr().err.splitlines()[0]
    assert re.match(re.escape(str(path)) + r": line 4, column \d+: ", line), line


def test_check_of_a_missing_file_exits_1_and_says_so(tmp_path, capsys):
    assert serve.main(["--check", str(tmp_path / "nope.json")]) == 1
    assert "no such file" in capsys.readouterr().err


# ---- the SCORM manifest ------------------------------------------------------------------------------------

FILES = ["app/quiz.py", "index.html", "quiz.json", "vendor/pyodide/numpy-2.0.2-cp312.whl", "a b&c.js"]


@pytest.mark.parametrize("version, cp, adlcp, scormtype, schemaversion", [
    ("1.2", CP_12, ADLCP_12, "scormtype", "1.2"),
    ("2004", CP_2004, ADLCP_2004, "scormType", "2004 4th Edition"),
])
def test_manifest_is_well_formed_and_lists_every_file(version, cp, adlcp, scormtype, schemaversion):
    xml = scorm_manifest(FILES, version, title="Tom & Jerry <3", identifier="mod-1", pass_percent=62.5)
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == cp + "manifest" and root.get("identifier") == "mod-1"
    assert root.find(f"{cp}metadata/{cp}schema").text == "ADL SCORM"
    assert root.find(f"{cp}metadata/{cp}schemaversion").text == schemaversion
    orgs = root.find(f"{cp}organizations")
    org = orgs.find(f"{cp}organization")
    assert orgs.get("default") == org.get("identifier")
    assert org.find(f"{cp}title").text == "Tom & Jerry <3"
    item = org.find(f"{cp}item")
    resources = root.findall(f"{cp}resources/{cp}resource")
    assert len(resources) == 1  # a single SCO
    sco = resources[0]
    assert item.get("identifierref") == sco.get("identifier")
    assert sco.get(adlcp + scormtype) == "sco" and sco.get("href") == "index.html"
    listed = [f.get("href") for f in sco.findall(f"{cp}file")]
    assert sorted(listed) == sorted(urllib.parse.quote(f) for f in FILES)
    if version == "1.2":
        assert item.find(f"{adlcp}masteryscore").text == "62.5"
    else:
        measure = item.find(f"{IMSSS}sequencing/{IMSSS}objectives/{IMSSS}primaryObjective/{IMSSS}minNormalizedMeasure")
        assert float(measure.text) == pytest.approx(0.625)


def test_manifest_identifier_is_a_valid_xml_id_even_for_a_quiz_id_starting_with_a_digit():
    root = ET.fromstring(scorm_manifest(FILES, identifier="6th-module").encode())
    assert re.fullmatch(r"[A-Za-z_][\w.-]*", root.get("identifier"))


def test_manifest_refuses_an_unknown_version_or_a_package_without_index_html():
    with pytest.raises(ExportError, match="1.2 or 2004"):
        scorm_manifest(FILES, "1.3")
    with pytest.raises(ExportError, match="index.html"):
        scorm_manifest(["main.py"])


# ---- the static site -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dest = tmp_path_factory.mktemp("out") / "site"
    files = build_site(dest)
    return dest, files


def bytecode_of(source):
    """Where Pyodide's Python 3.12 keeps the bytecode of the module at `source` (importlib's cache_from_source)."""
    folder, _, name = source.rpartition("/")
    return f"{folder}/__pycache__/{name[:-3]}.cpython-312.pyc"


@NEEDS_RUNTIME
def test_site_has_the_page_the_quiz_the_runtime_and_a_fresh_charlm(site):
    dest, files = site
    for name in ("index.html", "main.py", "quiz_main.py", "worker.py", "trainer_host.py", "snapshot_rules.py",
                 "style.css", "vendor/app.tar.gz",
                 "vendor/pyscript/core.js", "vendor/pyodide/pyodide.asm.wasm", "vendor/micropython/micropython.wasm"):
        assert name in files
    assert not [f for f in files if f.startswith("app/")]  # the page loads its modules as vendor/app.tar.gz
    assert (dest / "quiz.json").read_bytes() == (ROOT / "quiz.json").read_bytes()
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "charlm").rglob("*")
                     if p.suffix in (".py", ".txt") and "__pycache__" not in p.parts)
    with zipfile.ZipFile(dest / "vendor" / "charlm.zip") as z:
        names = z.namelist()
        assert sorted(n for n in names if not n.endswith(".pyc")) == sources
        # and, set-up having node, each module's bytecode beside it (pyodide_site.compile_in_pyodide)
        assert sorted(n for n in names if n.endswith(".pyc")) == sorted(
            bytecode_of(n) for n in sources if n.endswith(".py"))
        assert z.read("charlm/__init__.py") == (ROOT / "charlm" / "__init__.py").read_bytes()
    with tarfile.open(dest / "vendor" / "app.tar.gz") as t:
        assert sorted(t.getnames()) == sorted(p.name for p in (ROOT / "www" / "app").glob("*.py"))
        assert all(m.isfile() and m.mtime == 0 and m.uid == 0 and not m.uname for m in t.getmembers())
        assert t.extractfile("quiz_view.py").read() == (ROOT / "www" / "app" / "quiz_view.py").read_bytes()


@NEEDS_RUNTIME
def test_site_holds_nothing_the_page_does_not_need(site):
    _, files = site
    for name in files:
        parts = name.split("/")
        assert not any(p.startswith(".") or p in ("node_modules", "tests", "__pycache__") for p in parts), name
        assert not name.endswith((".map", ".pyc", ".mjs")), name
    assert not [f for f in files if "codemirror" in f or "xterm" in f]


@NEEDS_RUNTIME
def test_every_path_the_page_names_is_relative_and_present(site):
    dest, files = site
    html = (dest / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert refs
    for ref in refs:
        if ref.startswith("data:"):
            continue
        assert not ref.startswith(("/", "http:", "https:", "//")), ref
        assert ref in files, ref
    for config in ("main.json", "trainer_host.json", "worker.json"):
        data = json.loads((dest / config).read_text())
        named = [data["interpreter"]] if "interpreter" in data else []  # worker.json: files for the host to install
        named += list(data.get("js_modules", {}).get("worker", {}))    # Pyodide, which the host boots
        named += [src for src in data.get("files", {}) if not src.startswith("{")]
        for src in named:
            assert src.startswith("./") and src[2:] in files, (config, src)
    assert "vendor/pyodide/runtime-stamp.txt" in files  # names the browser's snapshot cache (snapshot_rules.py)


@NEEDS_RUNTIME
def test_a_rebuild_replaces_its_own_folder_but_no_other(site, tmp_path):
    dest, files = site
    (dest / "stale.txt").write_text("from an older build")
    assert build_site(dest) == files
    assert not (dest / "stale.txt").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty"):
        build_site(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("target", [lambda: WWW, lambda: ROOT, lambda: WWW / "app" / "out"])
def test_build_never_writes_into_the_sources(target):
    with pytest.raises(ExportError, match="own sources"):
        build_site(target())


def test_build_refuses_a_broken_quiz_and_names_its_problems(tmp_path):
    quiz = write_quiz(tmp_path, small_quiz(title=""))
    with pytest.raises(ExportError, match="title"):
        build_site(tmp_path / "site", quiz=quiz)
    assert not (tmp_path / "site").exists()


# ---- the SCORM package -----------------------------------------------------------------------------------

@NEEDS_RUNTIME
@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_package_has_the_manifest_at_its_root_listing_every_other_entry(tmp_path, version):
    out = tmp_path / "module.zip"
    entries = make_scorm(out, version)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        assert z.read("quiz.json") == (ROOT / "quiz.json").read_bytes()
    assert names[0] == "imsmanifest.xml" and sorted(names) == sorted(entries)
    assert "index.html" in names and not [n for n in names if n.startswith("/") or ".." in n.split("/")]
    cp = CP_12 if version == "1.2" else CP_2004
    assert manifest.find(f"{cp}metadata/{cp}schemaversion").text.startswith(version)
    listed = {urllib.parse.unquote(f.get("href")) for f in manifest.iter(f"{cp}file")}
    assert listed == set(names) - {"imsmanifest.xml"}


def test_package_name_must_end_in_zip(tmp_path):
    with pytest.raises(ExportError, match=r"\.zip"):
        make_scorm(tmp_path / "module.scorm")


@NEEDS_RUNTIME
def test_scorm_option_writes_the_package_and_exits_0(tmp_path, capsys):
    out = tmp_path / "pkg.zip"
    assert serve.main(["--scorm", str(out), "--scorm-version", "2004"]) == 0
    assert "SCORM 2004 package" in capsys.readouterr().out
    with zipfile.ZipFile(out) as z:
        assert b"2004 4th Edition" in z.read("imsmanifest.xml")
