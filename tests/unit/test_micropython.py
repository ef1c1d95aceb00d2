"""The quiz's pure modules and scorm.py inside the real MicroPython the page runs on its main thread (under node).

The same probe program runs in CPython and in MicroPython; its output must match line for line. A corpus of
broken and valid quiz files (bytes that are not UTF-8 included) goes through the page's verdict in MicroPython
and through `serve.py --check`'s in CPython: both must accept and reject the same files with the same lines.
The LMS test drives scorm.py against JavaScript fake frames, including a cross-origin frame that
throws like a browser's: in MicroPython a JS exception cannot be caught, so scorm.py must never
read such a frame at all.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "www" / "app"
MICROPYTHON = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not MICROPYTHON.exists(),
    reason="needs node and the MicroPython runtime (run `npm install` in the repository root)")

# Loads MicroPython, writes the given files to /app in its file system, runs an optional
# JavaScript set-up (fake frames), then the Python code; prints {"out": [...lines], "js": ...}.
HARNESS = r"""
import {pathToFileURL} from "node:url";
const input = JSON.parse(await new Promise(done => {
  let text = ""; process.stdin.on("data", d => text += d); process.stdin.on("end", () => done(text));
}));
const {loadMicroPython} = await import(pathToFileURL(input.runtime).href);
const out = [];
const mp = await loadMicroPython({stdout: line => out.push(line), stderr: line => out.push("STDERR " + line)});
mp.FS.mkdir("/app");
mp.FS.mkdir("/app/app");
for (const [name, text] of Object.entries(input.files)) mp.FS.writeFile("/app/" + name, text);
globalThis.report = {};
new Function(input.setup)();
try { mp.runPython("import os, sys\nsys.path.append('/app')\nos.chdir('/app')\n" + input.code); }
catch (e) { out.push("JS ERROR " + e.message); }
process.stdout.write(JSON.stringify({out, js: globalThis.report}));
"""


MODULES = ("__init__.py", "strict_json.py", "quiz_schema.py", "quiz_score.py", "quiz_state.py", "quiz.py",
           "scorm.py", "xapi.py")  # the page's pure modules, in /app/app/ as the page has them in app/


def run_micropython(code, files=None, setup=""):
    files = dict(files or {})
    for name in MODULES:
        files["app/" + name] = (APP / name).read_text(encoding="utf-8")
    payload = json.dumps({"runtime": str(MICROPYTHON), "files": files, "setup": setup, "code": code})
    done = subprocess.run([NODE, "--input-type=module", "-e", HARNESS], input=payload, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def run_cpython(code, files, tmp_path):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    prelude = "import sys\nsys.path.insert(0, %r)\nsys.path.insert(0, %r)\n" % (str(APP.parent), str(tmp_path))
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


# Runs in both interpreters: prints one canonical line per case.
PROBE = r'''
import json
from app import quiz, quiz_score, quiz_state, scorm, xapi

def canon(v):
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if type(v) is int:
        return str(v)
    if type(v) is float:
        return "%.6g" % v
    if type(v) is str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if type(v) is list or type(v) is tuple:
        return "[" + ",".join([canon(x) for x in v]) + "]"
    if type(v) is dict:
        return "{" + ",".join([canon(k) + ":" + canon(v[k]) for k in sorted(v)]) + "}"
    return "?" + str(type(v))

cases = json.loads(open("cases.json").read())
parsed = {}
for name, text in cases["texts"]:
    try:
        parsed[name] = quiz.parse(text)
        print(name, "ok", canon(parsed[name]))
    except quiz.QuizError as err:
        print(name, "QuizError", canon(err.problems))
for name, answers in cases["answers"]:
    result = quiz_score.score(parsed[name], answers)
    print(name, "score", quiz_score.summary(result), canon(result))
    print(name, "words", canon(quiz_score.score_text(result)), canon(quiz_score.checked_message(parsed[name], result)))
    for q in parsed[name]["questions"]:
        outcome = result["questions"][q["id"]]
        print(name, q["id"], canon(quiz_score.question_verdict(q, outcome)))
        if q["type"] == "number":
            print(name, q["id"], canon(quiz_score.number_feedback(q, outcome, True)))
        else:
            print(name, q["id"], canon([quiz_score.choice_feedback(q, outcome["choices"][c["id"]], True)
                                        for c in q["choices"]]))
    records = scorm.interactions(parsed[name], result)
    for version in ("1.2", "2004"):
        print(name, version, canon([scorm.interaction_values(version, n, r) for n, r in enumerate(records)]))
    print(name, "xapi", canon(xapi.check_statements(parsed[name], result, answers, 3, "2026-01-02T03:04:05Z")))
    data = quiz_state.dump_suspend(parsed[name], "h", answers, True, 2)
    print(name, "suspend", len(data), canon(data), canon(quiz_state.load_suspend(data, parsed[name], "h")))
for text in cases["numbers"]:
    print("number", canon(text), canon(quiz_score.parse_number(text)))
for text in cases["hashes"]:
    print("hash", quiz_state.content_hash(text), quiz_state.storage_key(parsed["types"], text))
for seed in cases["seeds"]:
    for q in parsed["types"]["questions"]:
        print("shuffle", seed, q["id"], canon([c["id"] for c in quiz_state.shuffled_choices(q, seed)]))
for name, answers in cases["answers"]:
    print("state", name, canon(quiz_state.load_state(quiz_state.dump_state(answers, {}, 2), parsed[name])))
for text in cases["states"]:
    print("saved", canon(quiz_state.load_state(text, parsed["types"])))
for ms in (0, 1234, 3723450, 360059999):
    print("time", scorm.session_time("1.2", ms), scorm.session_time("2004", ms))
'''


def probe_cases():
    shipped = (ROOT / "quiz.json").read_text(encoding="utf-8")
    types = {"schema": 1, "id": "types", "title": "Every type", "pass_percent": 50, "shuffle": True, "questions": [
        {"id": "one", "type": "single", "prompt": "Pick", "points": 2, "choices": [
            {"id": c, "text": c, "correct": c == "c", "feedback": "about " + c} for c in "abcde"]},
        {"id": "some", "type": "multiple", "prompt": "Pick some", "choices": [
            {"id": c, "text": c, "correct": c in "bd"} for c in "abcd"]},
        {"id": "ln", "type": "number", "prompt": "ln 65?", "answer": 4.174, "tolerance": 0.05, "points": 1.5},
        {"id": "exact", "type": "number", "prompt": "V?", "answer": 65},
    ]}
    broken = [
        '{"a": 1,}', '{\n  "a": 1\n  "b": 2\n}', '[1, 2', '{"é": "x\n"}', '{"a": 4,17}', '{"a": 1, "a": 2}', "",
        "{'a': 1}", '{"a": True}', '{"a": 07}', '{"a": "\\q"}', '{"a": "\\ud800"}', '{"a": 1} x', "[" * 40,
        '{\n  "title": "naïve — ≈",\n  "x": @\n}', json.dumps({"schema": 1}) + "\n\n]",
    ]
    invalid = [
        [1, 2],
        {"schema": 2, "id": "bad id", "title": "", "pass_percent": 120, "shuffel": True, "questions": [
            {"id": "q1", "type": "single", "prompt": "p", "choices": [
                {"id": "a", "text": "A", "corect": True}, {"id": "a", "text": "B", "correct": "yes"}]},
            {"id": "q1", "type": "singel", "prompt": "", "choices": []},
            {"id": "q3", "type": "number", "prompt": "n", "answer": "4.17", "tolerance": -1, "choices": [],
             "points": 0},
            {"id": "q4", "type": "multiple", "prompt": "m", "choices": [{"id": "a", "text": "A"}]},
            "not a question", {"type": "number", "prompt": "no id", "answer": 1.0, "_note": "fine"}]},
        {"schema": 1, "id": "x", "title": "x", "questions": []},
    ]
    texts = [["shipped", shipped], ["bom", "\ufeff" + shipped], ["types", json.dumps(types, indent=1)]]
    texts += [["broken%d" % n, t] for n, t in enumerate(broken)]
    texts += [["invalid%d" % n, json.dumps(d)] for n, d in enumerate(invalid)]
    answers = [
        ["types", {}],
        ["types", {"one": "c", "some": ["d", "b"], "ln": "4,17", "exact": 65}],
        ["types", {"one": "a", "some": ["b"], "ln": "4.23", "exact": "65.0"}],
        ["types", {"one": "gone", "some": ["a", "b", "d"], "ln": "abc", "exact": " 6.5e1 "}],
        ["types", {"one": ["c"], "some": "b", "ln": 4.124, "exact": "", "unknown": "x"}],
        ["shipped", {"next-char": "a", "one-step": ["a", "c", "d"], "uniform-guess": "4.17", "surprise-half": "0,7"}],
    ]
    return {
        "texts": texts,
        "answers": answers,
        "numbers": ["4,17", " -0.5 ", "\u22120.5", "+2", ".5", "5.", "1e3", "1,234", "1.2.3", "", "-", "inf",
                    "1e999", "0x10", "4_17", "417e-2", "65"],
        "hashes": [shipped, shipped.replace("\n", "\r\n"), "naïve — ≈ 😀", ""],
        "seeds": [0, 1, 2, "attempt-3", 12345],
        "states": ["", "junk", '{"version": 1, "answers": {"one": "c", "some": ["b", "zz"], "ln": "4,2"},'
                   ' "submitted": true, "attempt": 4}', '{"version": 1, "answers": {"one": 3}, "attempt": 0}'],
    }


def test_quiz_gives_the_same_results_in_micropython_and_cpython(tmp_path):
    files = {"cases.json": json.dumps(probe_cases(), ensure_ascii=False)}
    expected = run_cpython(PROBE, files, tmp_path)
    got = run_micropython(PROBE, files)["out"]
    assert got == expected
    # and the probe really exercised each path
    text = "\n".join(expected)
    assert "shipped ok" in text and "bom ok" in text and "types ok" in text
    assert 'broken1 QuizError ["line 3, column 3: expected , or } after the value of \\"a\\"' in text
    assert "broken14 QuizError [\"line 3, column 8:" in text  # a column after non-ASCII characters
    assert "nested more than" in text
    assert 'questions[0] (id \\"q1\\").choices[0] (id \\"a\\"): unknown key \\"corect\\"' in text
    assert "types score 5.5 / 5.5, 100%" in text


def file_corpus():
    """Quiz files as bytes: valid ones, broken JSON that MicroPython's own json would accept, and bytes that are not
    UTF-8 (which a browser's response.text() would quietly turn into U+FFFD)."""
    shipped = (ROOT / "quiz.json").read_bytes()
    small = json.dumps({"schema": 1, "id": "s", "title": "Café ≈", "questions": [
        {"id": "q", "type": "number", "prompt": "n?", "answer": 1}]}, ensure_ascii=False).encode("utf-8")
    return [
        ("shipped", shipped), ("bom", b"\xef\xbb\xbf" + shipped), ("small", small),
        ("crlf", shipped.replace(b"\n", b"\r\n")),
        ("latin1", small.decode("utf-8").encode("latin-1", "replace")),
        ("title-ff", shipped.replace(b"Check your understanding", b"Check your \xff understanding")),
        ("surrogate", small.replace("é".encode(), b"\xed\xa0\x80")), ("overlong", small.replace(b"s", b"\xc0\xb3", 1)),
        ("cut", small[:small.index("é".encode()) + 1]), ("utf16", small.decode("utf-8").encode("utf-16")),
        ("trailing-comma", b'{"schema": 1,}'), ("missing-comma", b'{"schema": 1 "id": "x"}'),
        ("missing-colon", b'{"schema" 1}'), ("leading-zero", b'{"schema": 01}'), ("escape", b'{"id": "\\q"}'),
        ("newline", b'{"id": "a\nb"}'), ("stray", b'{,}'),
        ("duplicate", small.replace(b'"id": "s"', b'"id": "s", "id": "t"')),
        ("empty", b""), ("schema", shipped.replace(b'"schema": 1', b'"schema": 2')),
    ]


CORPUS_PROBE = r"""
import json
from app import quiz
for name, raw in json.loads(open("corpus.json").read()):
    ok, lines = quiz.check(bytes(raw), name)
    print(json.dumps([name, ok, lines]))
"""


def test_page_and_check_agree_on_every_file_bytes_included(tmp_path):
    import serve
    corpus = file_corpus()
    files = {"corpus.json": json.dumps([[name, list(raw)] for name, raw in corpus])}
    page = [json.loads(line) for line in run_micropython(CORPUS_PROBE, files)["out"]]
    check = []
    for name, raw in corpus:
        (tmp_path / name).write_bytes(raw)
        ok, lines = serve.check_quiz(tmp_path / name, name)
        check.append([name, ok, lines])
    assert page == check
    verdicts = {name: ok for name, ok, _ in check}
    assert [name for name, ok in verdicts.items() if ok] == ["shipped", "bom", "small", "crlf"]
    lines = {name: lines for name, _, lines in check}
    assert lines["title-ff"][0].startswith("title-ff: not UTF-8 text: byte ")
    assert all("not UTF-8 text" in lines[n][0] for n in ("latin1", "surrogate", "overlong", "cut", "utf16"))


# The page's window is globalThis, as on the browser's main thread (pyscript.window).
FRAMES_SETUP = r"""
const log = report.log = [];
report.touched = [];
const api = {};
for (const name of ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish"])
  api[name] = (...args) => { log.push([name, ...args.map(a => typeof a === "string" ? a : "NOT A STRING")]);
                             return name === "LMSGetValue" ? "" : "true"; };
const top = {API: api};
top.parent = top;
// a frame from another origin between the page and the LMS: like a browser's, it throws on
// reading anything but a few properties
const allowed = ["parent", "opener", "top", "postMessage", "window", "self", "closed", "length", "frames", "location"];
const postMessage = (m, o) => log.push(["postMessage", JSON.stringify(m), o]);
const foreign = new Proxy({parent: top, opener: null, postMessage}, {
  get(target, name) {
    if (allowed.includes(name)) return target[name];
    report.touched.push(String(name));
    throw new Error("SecurityError: Blocked a frame from accessing a cross-origin frame.");
  },
  has(target, name) { report.touched.push(String(name)); throw new Error("SecurityError"); },
  getOwnPropertyDescriptor(target, name) { report.touched.push(String(name)); throw new Error("SecurityError"); },
  ownKeys() { return allowed; },
});
globalThis.parent = foreign;
globalThis.opener = null;
"""

FRAMES_PROBE = r"""
import json
import js
from app import scorm as lms

session = lms.LMS(js.globalThis)
print("found", session.found, session.version)
session.start()
session.report(5, 8, False)
session.finish()
session.finish()
print("posted", lms.post_result(js.globalThis, 5, 8, False, to_js=lambda d: js.JSON.parse(json.dumps(d))))
"""


def test_lms_in_micropython_never_touches_a_cross_origin_frame():
    result = run_micropython(FRAMES_PROBE, setup=FRAMES_SETUP)
    assert result["out"] == ["found True 1.2", "posted True"]
    assert result["js"]["touched"] == []
    log = result["js"]["log"]
    assert log[0] == ["LMSInitialize", ""]
    assert ["LMSSetValue", "cmi.core.score.raw", "62.5"] in log
    assert ["LMSSetValue", "cmi.core.lesson_status", "failed"] in log
    assert [entry[0] for entry in log].count("LMSFinish") == 1
    assert log[-1][0] == "postMessage"
    assert json.loads(log[-1][1]) == {"type": "charlm:quiz", "score": 5, "max": 8, "passed": False}
    assert log[-1][2] == "*"
    assert not [entry for entry in log if "NOT A STRING" in entry]


# A page with no LMS: a top window (its own parent; every read gives MicroPython a fresh proxy,
# so only JavaScript's Object.is can tell it is the same window) with an undefined opener.
ALONE_SETUP = r"""
report.parentReads = 0;
Object.defineProperty(globalThis, "parent", {get() { report.parentReads++; return globalThis; }});
globalThis.opener = undefined;
"""

ALONE_PROBE = r"""
import js
from app import scorm as lms

page = js.globalThis
session = lms.LMS(page)
print(session.found, session.version, session.start(), session.report(1, 1, True), session.commit(), session.finish())
print(lms.post_result(page, 1, 1, True))
"""


def test_lms_in_micropython_without_an_lms_does_nothing():
    result = run_micropython(ALONE_PROBE, setup=ALONE_SETUP)
    assert result["out"] == ["False None False False False False", "False"]
    assert result["js"]["parentReads"] == 2  # one for the search, one for post_result: no climbing in circles
