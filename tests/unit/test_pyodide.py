"""charlm and the worker in the browser's own Python: Pyodide 0.27.7 with numpy 2.0.2 (32-bit wasm), run under node.

The browser tests show the page works; these show, quickly and precisely, that the worker's functions behave in
Pyodide as they do in CPython (same losses, float rounding aside), and catch wasm32 surprises (intp is int32 there).
"""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import charlm
import charlm.texts

ROOT = Path(__file__).resolve().parents[2]
PYODIDE = ROOT / "www" / "vendor" / "pyodide"

# A tiny harness: load Pyodide and numpy from the vendored runtime, unpack charlm and the worker, run the code.
HARNESS = """
const [indexURL, zipPath, codePath, packages] = process.argv.slice(1);
const fs = await import("fs");
const { loadPyodide } = await import(indexURL + "/pyodide.mjs");
const py = await loadPyodide({ indexURL: indexURL + "/", stdout: () => {}, stderr: () => {} });
await py.loadPackage(packages.split(","), { messageCallback: () => {} });
py.unpackArchive(new Uint8Array(fs.readFileSync(zipPath)), "zip", { extractDir: "/home/pyodide" });
try {
  process.stdout.write(String(await py.runPythonAsync(fs.readFileSync(codePath, "utf8"))));
} catch (e) {
  process.stderr.write(String(e));
  process.exit(1);
}
"""


def run_in_pyodide(tmp_path, code, packages=("numpy",), timeout=300):
    """Run `code` (top-level await allowed) in Pyodide with `packages` loaded; its last expression, as JSON. Node's
    File, Blob and URL.createObjectURL behave as the browser's do."""
    if not shutil.which("node") or not (PYODIDE / "pyodide.mjs").exists():
        pytest.skip("needs node and the assembled runtime (python3 serve.py --setup)")
    if "openblas" in packages and not (PYODIDE / "openblas-0.3.26.zip").exists():
        pytest.skip("the assembled runtime has no openblas package (python3 serve.py --setup)")
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for p in (ROOT / "charlm").rglob("*"):
            if p.suffix in (".py", ".txt") and "__pycache__" not in p.parts:
                z.write(p, p.relative_to(ROOT).as_posix())
        for p in sorted((ROOT / "www").glob("worker*.py")):  # worker.py and the worker_*.py modules it imports
            z.write(p, p.name)
    script = tmp_path / "code.py"
    script.write_text("import sys\nsys.path.insert(0, '/home/pyodide')\n" + code, encoding="utf-8")
    out = subprocess.run(["node", "--input-type=module", "-e", HARNESS, str(PYODIDE), str(bundle), str(script),
                          ",".join(packages)], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_trainer_losses_in_pyodide_match_cpython(tmp_path):
    code = """
import json, numpy as np, charlm, charlm.texts
text = charlm.texts.load("fables")
out = {"numpy": np.__version__, "intp": np.dtype(np.intp).itemsize}
for model in ("bigram", "mlp", "transformer"):
    t = charlm.Trainer(text, model=model, seed=1)
    out[model] = t.run(4)
out["refs"] = charlm.reference_losses(text)
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, code)
    assert got["numpy"] == "2.0.2" and got["intp"] == 4  # really the browser's numpy, really 32-bit
    text = charlm.texts.load("fables")
    for model in ("bigram", "mlp", "transformer"):
        expected = charlm.Trainer(text, model=model, seed=1).run(4)
        assert got[model] == pytest.approx(expected, rel=1e-4), model
    assert got["refs"] == pytest.approx(charlm.reference_losses(text))


def test_worker_functions_in_pyodide(tmp_path):
    code = """
import base64, json, worker
def call(fn, **args):
    return json.loads(fn(json.dumps(args)))
out = {}
out["setup"] = call(worker.setup, model="mlp", preset="small", context=16, lr=0.01, batch_size=8, seed=0,
                    corpus="lesson", grad_clip=1.0)
out["train"] = call(worker.train, max_steps=3)
out["sample"] = call(worker.sample, length=30, temperature=0.8)
out["next"] = call(worker.next_char, prompt="The ", top=5)
saved = call(worker.save)
out["bad_text"] = call(worker.setup, model="mlp", preset="small", context=16, lr=0.01, batch_size=8, seed=0,
                       text="aaaa", grad_clip=1.0)
out["after_bad"] = call(worker.train, max_steps=1)
out["load"] = call(worker.load, data=saved["data"], filename=saved["filename"])
out["load_junk"] = call(worker.load, data=base64.b64encode(b"not a model").decode(), filename="junk.npz")
png = base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00" + bytes(range(40))).decode()
out["upload_binary"] = call(worker.read_upload, data=png, filename="cat.png")
out["upload_text"] = call(worker.read_upload, data=base64.b64encode("caf\\u00e9\\r\\nau lait".encode()).decode(),
                          filename="notes.txt")
out["unknown_char"] = call(worker.next_char, prompt="\\u2603")
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, code)
    assert got["setup"]["step"] == 0 and got["setup"]["vocab_size"] > 20
    assert got["setup"]["refs"]["uniform"] > got["setup"]["refs"]["unigram"] > got["setup"]["refs"]["bigram"]
    assert len(got["train"]["losses"]) == 3 and got["train"]["step"] == 3
    assert len(got["sample"]["text"]) == 30
    probs = [p for _, p in got["next"]["probs"]]
    assert len(probs) == 5 and probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-9
    # Bad input: a message, and the trained model is still there and trainable.
    assert "one distinct character" in got["bad_text"]["error"]
    assert got["after_bad"]["step"] == 4
    assert got["load"]["step"] == 3 and got["load"]["losses"] == got["train"]["losses"]
    assert "junk.npz" in got["load_junk"]["error"]
    assert "not a text file" in got["upload_binary"]["error"]
    assert got["upload_text"]["text"] == "caf\u00e9\nau lait"
    assert "error" in got["unknown_char"] and "\u2603" in got["unknown_char"]["error"]


# The 2-D products of a default transformer step, forward x @ W and backward g @ W.T and x.T @ g (see test_kernels).
SHAPES = [[(1024, k), (k, m)] for k, m in [(48, 144), (48, 48), (48, 192), (192, 48), (48, 65)]]


def test_openblas_sgemm_in_pyodide_matches_einsum_and_trains_the_same(tmp_path):
    code = """
import json, numpy as np, charlm, charlm.texts, worker
from charlm import kernels, Tensor
await worker.openblas_loading  # the worker's own background load: the library is there, so it switches
out = {"after_load": json.loads(worker.kernel()), "info": json.loads(worker.info())["kernel"]}
rng = np.random.default_rng(0)
errors = []
for (n, k), (_, m) in SHAPES:
    x = rng.standard_normal((n, k)).astype(np.float32)
    w = rng.standard_normal((k, m)).astype(np.float32)
    g = rng.standard_normal((n, m)).astype(np.float32)
    for a, b in [(x, w), (g, w.T), (x.T, g)]:  # forward, and both backward products (transposed views)
        for a_, b_ in [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                       (np.repeat(a, 2, axis=1)[:, ::2], b), (a, np.repeat(b, 2, axis=0)[::2])]:  # strided too
            ref = np.einsum("ij,jk->ik", a_.astype(np.float64), b_.astype(np.float64))
            got = kernels.mm(a_, b_)
            acc = np.ones_like(got)
            kernels.mm_add(acc, a_, b_)
            errors.append([float(np.abs(got - ref).max() / np.abs(ref).max()),
                           float(np.abs(acc - 1 - ref).max() / np.abs(ref).max()), got.dtype.name])
out["errors"] = errors

def grad_check():
    # float64 central differences through the browser kernels (float64 goes to numpy even with OpenBLAS on)
    r = np.random.default_rng(1)
    a, w = r.uniform(-2, 2, (2, 3, 4)), r.uniform(-2, 2, (4, 5))
    def f(a, w):
        return ((Tensor(a) @ Tensor(w)).gelu().tanh() * Tensor(np.arange(30.0).reshape(2, 3, 5))).sum()
    ta, tw = Tensor(a), Tensor(w)
    ((ta @ tw).gelu().tanh() * Tensor(np.arange(30.0).reshape(2, 3, 5))).sum().backward()
    worst = 0.0
    for arr, t in ((a, ta), (w, tw)):
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + 1e-6
            plus = f(a, w).item()
            arr[i] = old - 1e-6
            minus = f(a, w).item()
            arr[i] = old
            worst = max(worst, abs((plus - minus) / 2e-6 - t.grad[i]) / (abs(t.grad[i]) + 1e-6))
    return worst

def step_grads():
    text = charlm.texts.load("fables")
    data = charlm.Corpus(text, context=32)
    model = charlm.build_model("transformer", vocab_size=len(data.vocab), context=32, seed=0)
    inputs, targets = data.batch(32, "train", np.random.default_rng(0))
    loss = charlm.cross_entropy(model(inputs), targets)
    loss.backward()
    return loss.item(), [p.grad for p in model.parameters()]

text = charlm.texts.load("fables")
out["blas_losses"] = charlm.Trainer(text, model="transformer", seed=1).run(4)
out["blas_grad_check"] = grad_check()
blas_loss, blas_grads = step_grads()
kernels.use_numpy()
out["numpy_kernel"] = kernels.kernel()
out["einsum_losses"] = charlm.Trainer(text, model="transformer", seed=1).run(4)
out["einsum_grad_check"] = grad_check()
einsum_loss, einsum_grads = step_grads()
out["step_losses"] = [blas_loss, einsum_loss]
out["grad_diff"] = max(float(np.abs(b - e).max() / (np.abs(e).max() + 1e-12)) for b, e in zip(blas_grads, einsum_grads))
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, f"SHAPES = {SHAPES!r}\n" + code, packages=("numpy", "openblas"))
    assert got["after_load"] == {"kernel": "OpenBLAS sgemm", "settled": True} and got["info"] == "OpenBLAS sgemm"
    assert got["numpy_kernel"] == "numpy einsum (no BLAS)"
    assert len(got["errors"]) == len(SHAPES) * 3 * 5
    for fresh, added, dtype in got["errors"]:
        assert fresh < 1e-5 and added < 1e-5 and dtype == "float32"
    assert got["blas_grad_check"] < 1e-5 and got["einsum_grad_check"] < 1e-5
    assert got["step_losses"][0] == pytest.approx(got["step_losses"][1], rel=1e-5)
    assert got["grad_diff"] < 1e-3
    expected = charlm.Trainer(charlm.texts.load("fables"), model="transformer", seed=1).run(4)
    assert got["blas_losses"] == pytest.approx(got["einsum_losses"], rel=1e-4)
    assert got["blas_losses"] == pytest.approx(expected, rel=1e-4)


def test_without_the_openblas_library_the_worker_stays_on_einsum_and_says_so(tmp_path):
    code = """
import json, charlm, charlm.texts
from charlm import kernels
kernels.OPENBLAS_PATH = "/usr/lib/no-such-libopenblas.so"  # as if the package had not installed it
import worker
before = json.loads(worker.kernel())["kernel"]
await worker.openblas_loading
out = {"before": before, "after": json.loads(worker.kernel())["kernel"], "info": json.loads(worker.info())["kernel"]}
out["losses"] = charlm.Trainer(charlm.texts.load("fables"), model="transformer", seed=1).run(2)
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, code)
    assert got["before"] == "numpy einsum (no BLAS)"
    assert got["after"].startswith("numpy einsum (no BLAS); OpenBLAS could not be loaded")
    assert got["info"] == got["after"]
    expected = charlm.Trainer(charlm.texts.load("fables"), model="transformer", seed=1).run(2)
    assert got["losses"] == pytest.approx(expected, rel=1e-4)


def test_view_functions_in_pyodide(tmp_path):
    code = """
import json, worker
def call(fn, **args):
    return json.loads(fn(json.dumps(args)))
out = {}
call(worker.setup, model="transformer", preset="small", context=16, lr=0.005, batch_size=8, seed=0, corpus="fables")
out["snap0"] = call(worker.snapshot)
out["train"] = call(worker.train, max_steps=10)
out["snap10"] = call(worker.snapshot)
out["surprise"] = call(worker.surprise, chars=48)
out["surprise0"] = call(worker.surprise, chars=48, snapshot=0)
out["attention"] = call(worker.attention, prompt="The fox", full=True)
out["map"] = call(worker.char_map)
out["copied"] = call(worker.copied, text="zzz a young fox who lived zzz")
out["then"] = call(worker.snapshot_view, snapshot=0, prompt="The ", temperature=1.0, length=20)
out["staged"] = call(worker.step_through, window=1)
call(worker.setup, model="mlp", preset="small", context=16, lr=0.01, batch_size=8, seed=0, corpus="fables")
out["mlp_attention"] = call(worker.attention, prompt="The fox")
out["mlp_map"] = call(worker.char_map)
json.dumps(out)
"""
    got = run_in_pyodide(tmp_path, code)
    assert got["snap0"]["steps"] == [0] and got["snap10"]["steps"] == [0, 10]
    s = got["surprise"]
    assert s["step"] == 10 and len(s["windows"]) == 3 and len(s["windows"][0]["text"]) == 16
    w = s["windows"][0]
    assert len(w["top"]) == 16 * 5 and len(w["top_p"]) == 16 * 5 and all(0 <= p <= 10000 for p in w["top_p"])
    assert got["surprise0"]["step"] == 0
    flat = sorted((x for w in s["windows"] for x in w["surprise"]), reverse=True)
    assert [x for _, x in s["worst"]] == flat[:3]
    assert got["surprise0"]["mean"] == pytest.approx(got["surprise0"]["plot_val_loss"], rel=1e-5)
    assert s["mean"] is None and s["latest_val"][0] == 0  # step 10 has no validation loss to compare with
    assert s["shown_mean"] > 0 and got["surprise0"]["shown_mean"] != s["shown_mean"]
    a = got["attention"]
    assert a["has_attention"] and a["chars"] == list("The fox") and len(a["last"]) == 2 and len(a["last"][0]) == 4
    assert all(sum(head) == pytest.approx(1, abs=1e-3) for layer in a["last"] for head in layer)
    assert len(a["full"][0][0]) == 7
    assert got["map"]["has_map"] and len(got["map"]["points"]) == len(got["map"]["chars"])
    c = got["copied"]
    assert c["runs"] == [[3, 26]] and c["fraction"] == pytest.approx(23 / 29)  # " a young fox who lived "
    assert got["then"]["step"] == 0 and len(got["then"]["text"]) == 20 and len(got["then"]["probs"]) == 10
    st = got["staged"]
    assert st["step"] == 11 and st["loss"]["loss"] == pytest.approx(st["update"]["loss_before"], rel=1e-5)
    assert not got["mlp_attention"]["has_attention"] and got["mlp_map"]["has_map"]
