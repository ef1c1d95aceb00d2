"""Benchmark of charlm's kernels in the browser's Python (Pyodide under node), side by side with CPython.

    python bench/bench_kernels.py                 # needs node and the assembled runtime (python3 serve.py --setup)
    python bench/bench_kernels.py --rounds 9

Prints, from one run:
1. start-up: how long loading the `openblas` package takes after numpy (what listing it in the worker's packages
   would add before Train is ready) against loading it in the background;
2. every 2-D product of a default transformer step (B=32, T=32, n_embd=48, 4 heads, the built-in text's vocabulary),
   forward x @ W and backward g @ W.T and x.T @ g: einsum against OpenBLAS sgemm, in ms and GFLOP/s, next to
   sgemm's own rate on a large square product (its peak here);
3. the batched attention products (B*nh small matrices): numpy matmul, einsum and a loop of sgemm calls;
4. whole training steps of the default transformer: einsum vs OpenBLAS, old (zero-filled) vs new (assigned-first)
   gradients, old vs new GELU, and CPython's step on the same machine; medians of interleaved rounds.
Times are CPU time of the measuring process (node's for Pyodide), not wall time: on a shared machine other work
moves wall time by several times, CPU time far less. Figures only: it never fails on a time (compare numbers
measured side by side).
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYODIDE = REPO / "www" / "vendor" / "pyodide"

HARNESS = """
const [indexURL, zipPath, codePath] = process.argv.slice(1);
const fs = await import("fs");
const { loadPyodide } = await import(indexURL + "/pyodide.mjs");
// The process's CPU time (ms), for Python as js.cpu_ms(): on a shared machine it moves far less than wall time.
globalThis.cpu_ms = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = performance.now();
const py = await loadPyodide({ indexURL: indexURL + "/", stdout: () => {}, stderr: () => {} });
await py.loadPackage("numpy", { messageCallback: () => {} });
const t1 = performance.now();
await py.loadPackage("openblas", { messageCallback: () => {} });
const t2 = performance.now();
py.globals.set("STARTUP", py.toPy({ boot_and_numpy_ms: t1 - t0, openblas_ms: t2 - t1 }));
py.unpackArchive(new Uint8Array(fs.readFileSync(zipPath)), "zip", { extractDir: "/home/pyodide" });
try {
  process.stdout.write(String(py.runPython(fs.readFileSync(codePath, "utf8"))));
} catch (e) {
  process.stderr.write(String(e));
  process.exit(1);
}
"""

# The measuring code, run in Pyodide and (the whole-step part) in CPython.
MEASURE = r'''
import json, statistics, sys, time
import charlm, charlm.texts  # before numpy: one BLAS thread in CPython (idle BLAS threads spin, and cost CPU time)
import numpy as np
from charlm import kernels, tensor
from charlm.tensor import Tensor

ROUNDS, STEPS, IN_PYODIDE = {rounds}, {steps}, sys.platform == "emscripten"

if IN_PYODIDE:
    import js

    def clock():
        """CPU ms of this process (node's, which runs Pyodide)."""
        return js.cpu_ms()
else:
    def clock():
        """CPU ms of this process."""
        return time.process_time() * 1000


def best_ms(fn, repeat=7, number=3):
    """The median over `repeat` runs of the mean CPU time of `number` calls, in ms."""
    fn()
    times = []
    for _ in range(repeat):
        t = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t) / number)
    return statistics.median(times)


def old_backward(self):
    """Tensor.backward as it was: zero-fill every gradient of the graph first, then add into all of them."""
    topo, seen = [], set()
    stack = [(self, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:
            topo.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((p, False) for p in v._parents if id(p) not in seen)
    for v in topo:
        if v.grad is None:
            v.grad = np.zeros_like(v.data)
    self.grad += 1
    for v in reversed(topo):
        if v._backward is not None:
            v._backward()
    for v in topo:
        if v._parents:
            v._backward, v._parents = None, ()


def old_gelu(x):
    c = kernels.GELU_C.astype(x.dtype)
    t = kernels.tanh(c * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1 + t), t


def old_gelu_grad(g, x, t):
    c = kernels.GELU_C.astype(x.dtype)
    d_inner = c * (1 + 3 * 0.044715 * x * x)
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)


NEW = {{"backward": Tensor.backward, "gelu": kernels.gelu, "gelu_grad": kernels.gelu_grad}}


def configure(blas, grads, gelu):
    kernels.use_openblas() if blas else kernels.use_numpy()
    Tensor.backward = NEW["backward"] if grads == "new" else old_backward
    kernels.gelu, kernels.gelu_grad = (NEW["gelu"], NEW["gelu_grad"]) if gelu == "new" else (old_gelu, old_gelu_grad)


def step_times(configs):
    """Median ms per training step of the default transformer for each config, rounds interleaved."""
    text = charlm.texts.load("fables")
    times = {{c: [] for c in configs}}
    trainers = {{}}
    for c in configs:
        configure(*c)
        trainers[c] = charlm.Trainer(text, model="transformer", seed=0, eval_every=0)
        trainers[c].run(2)
    for _ in range(ROUNDS):
        for c in configs:
            configure(*c)
            t = clock()
            trainers[c].run(STEPS)
            times[c].append((clock() - t) / STEPS)
    configure(IN_PYODIDE, "new", "new")
    return {{"/".join(map(str, c)): statistics.median(v) for c, v in times.items()}}


out = {{"kernel": kernels.kernel()}}
if IN_PYODIDE:
    out["startup"] = dict(STARTUP)
    vocab = len(charlm.Corpus(charlm.texts.load("fables"), context=32).vocab)
    B, T, C, nh = 32, 32, 48, 4
    N, rng = B * T, np.random.default_rng(0)
    products = []
    for name, k, m in [("c_attn", C, 3 * C), ("attn c_proj", C, C), ("c_fc", C, 4 * C), ("mlp c_proj", 4 * C, C),
                       ("lm_head", C, vocab)]:
        x = rng.standard_normal((N, k)).astype(np.float32)
        w = rng.standard_normal((k, m)).astype(np.float32)
        g = rng.standard_normal((N, m)).astype(np.float32)
        for kind, a, b in [("x @ W", x, w), ("g @ W.T", g, w.T), ("x.T @ g", x.T, g)]:
            shape = f"{{a.shape[0]}}x{{a.shape[1]}} @ {{b.shape[0]}}x{{b.shape[1]}}"
            row = {{"name": name, "kind": kind, "shape": shape, "flop": 2 * a.shape[0] * a.shape[1] * b.shape[1]}}
            kernels.use_numpy()
            row["einsum_ms"] = best_ms(lambda: kernels.mm(a, b))
            kernels.use_openblas()
            row["sgemm_ms"] = best_ms(lambda: kernels.mm(a, b))
            row["max_diff"] = float(np.abs(kernels.mm(a, b) - np.einsum("ij,jk->ik", a, b)).max())
            products.append(row)
    out["products"] = products
    peak = 0.0
    for n in (64, 128, 256, 384):
        sq = rng.standard_normal((n, n)).astype(np.float32)
        peak = max(peak, 2 * n ** 3 / best_ms(lambda: kernels.mm(sq, sq), repeat=5, number=2) / 1e6)
    out["peak_gflops"] = peak
    h = rng.standard_normal((B, T, 4 * C)).astype(np.float32)
    gh = rng.standard_normal((B, T, 4 * C)).astype(np.float32)
    out["gelu"] = {{"old_fwd": best_ms(lambda: old_gelu(h)), "new_fwd": best_ms(lambda: NEW["gelu"](h)),
                   "old_fwd_bwd": best_ms(lambda: old_gelu_grad(gh, h, old_gelu(h)[1])),
                   "new_fwd_bwd": best_ms(lambda: NEW["gelu_grad"](gh, h, NEW["gelu"](h)[1])),
                   "max_diff": float(np.abs(old_gelu(h)[0] - NEW["gelu"](h)[0]).max()),
                   "max_grad_diff": float(np.abs(old_gelu_grad(gh, h, old_gelu(h)[1])
                                                 - NEW["gelu_grad"](gh, h, NEW["gelu"](h)[1])).max())}}
    hs = C // nh
    q = rng.standard_normal((B, nh, T, hs)).astype(np.float32)
    kT = np.ascontiguousarray(rng.standard_normal((B, nh, T, hs)).astype(np.float32).transpose(0, 1, 3, 2))
    att = rng.standard_normal((B, nh, T, T)).astype(np.float32)
    sg = kernels._sgemm

    def loop(a, b):
        o = np.zeros(a.shape[:-1] + b.shape[-1:], np.float32)
        a3, b3, o3 = a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:]), o.reshape(-1, *o.shape[-2:])
        for i in range(a3.shape[0]):
            sg(a3[i], b3[i], out=o3[i])  # added into the zeros, in place
        return o
    out["attention"] = [{{"shape": s, "matmul_ms": best_ms(lambda: a @ b), "einsum_ms": best_ms(lambda: np.einsum(
        "...ij,...jk->...ik", a, b)), "sgemm_loop_ms": best_ms(lambda: loop(a, b))}}
        for s, a, b in [("q @ k.T (B,nh,T,hs)@(B,nh,hs,T)", q, kT), ("att @ v (B,nh,T,T)@(B,nh,T,hs)", att, q)]]
    configs = [(blas, g, ge) for blas in (False, True) for g in ("old", "new") for ge in ("old", "new")]
else:
    configs = [(False, "old", "new"), (False, "new", "new")]
out["steps"] = step_times(configs)
result = json.dumps(out)
if not IN_PYODIDE:
    print(result)
result
'''


def bundle(path):
    with zipfile.ZipFile(path, "w") as z:
        for p in (REPO / "charlm").rglob("*"):
            if p.suffix in (".py", ".txt") and "__pycache__" not in p.parts:
                z.write(p, p.relative_to(REPO).as_posix())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per step configuration (median)")
    ap.add_argument("--steps", type=int, default=4, help="training steps per round")
    args = ap.parse_args()
    if not shutil.which("node") or not (PYODIDE / "pyodide.mjs").exists():
        sys.exit("needs node and the assembled runtime: run python3 serve.py --setup first")
    if not (PYODIDE / "openblas-0.3.26.zip").exists():
        sys.exit("the runtime has no openblas package: run python3 serve.py --setup first")
    code = MEASURE.format(rounds=args.rounds, steps=args.steps)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle(tmp / "charlm.zip")
        native = [cpython(tmp, code)]
        (tmp / "code.py").write_text("import sys\nsys.path.insert(0, '/home/pyodide')\n" + code, encoding="utf-8")
        run = subprocess.run(["node", "--input-type=module", "-e", HARNESS, str(PYODIDE), str(tmp / "charlm.zip"),
                              str(tmp / "code.py")], capture_output=True, text=True, timeout=3600)
        if run.returncode:
            sys.exit(run.stderr[-3000:])
        web = json.loads(run.stdout)
        native.append(cpython(tmp, code))  # CPython before and after the browser run: the load may drift
    report(web, native)


def cpython(tmp, code):
    """The measuring code's results in this CPython (a fresh process, as the browser's is)."""
    (tmp / "cpy.py").write_text(f"import sys\nsys.path.insert(0, {str(REPO)!r})\n" + code, encoding="utf-8")
    run = subprocess.run([sys.executable, str(tmp / "cpy.py")], capture_output=True, text=True, timeout=3600)
    if run.returncode:
        sys.exit(run.stderr[-3000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def report(web, native):
    s = web["startup"]
    print(f"Start-up in Pyodide: boot + numpy {s['boot_and_numpy_ms']:.0f} ms; then openblas {s['openblas_ms']:.0f} ms "
          f"(what listing it in the worker's packages would add before Train)")
    print(f"\n2-D products of one transformer step (CPU ms, GFLOP/s); sgemm's peak here (best of square 64..384): "
          f"{web['peak_gflops']:.2f} GFLOP/s")
    print(f"{'product':<13}{'kind':<9}{'shape':<22}{'einsum':>8}{'sgemm':>8}{'speed-up':>9}{'GF/s':>6}"
          f"{'% peak':>7}{'max diff':>10}")
    tot_e = tot_s = 0.0
    for r in web["products"]:
        gf = r["flop"] / r["sgemm_ms"] / 1e6
        tot_e, tot_s = tot_e + r["einsum_ms"], tot_s + r["sgemm_ms"]
        print(f"{r['name']:<13}{r['kind']:<9}{r['shape']:<22}{r['einsum_ms']:8.2f}{r['sgemm_ms']:8.2f}"
              f"{r['einsum_ms'] / r['sgemm_ms']:8.2f}x{gf:6.2f}{100 * gf / web['peak_gflops']:6.0f}%"
              f"{r['max_diff']:10.1e}")
    print(f"{'sum (one layer of each)':<44}{tot_e:8.2f}{tot_s:8.2f}{tot_e / tot_s:8.2f}x")
    print("\nBatched attention products (CPU ms): numpy matmul, einsum, a loop of sgemm calls")
    for r in web["attention"]:
        print(f"  {r['shape']:<34}{r['matmul_ms']:8.2f}{r['einsum_ms']:8.2f}{r['sgemm_loop_ms']:8.2f}")
    g = web["gelu"]
    print(f"\nGELU on (32, 32, 192) float32 (CPU ms): forward old {g['old_fwd']:.2f}, new {g['new_fwd']:.2f}; "
          f"forward + backward old {g['old_fwd_bwd']:.2f}, new {g['new_fwd_bwd']:.2f}; "
          f"max difference {g['max_diff']:.1e} (values), {g['max_grad_diff']:.1e} (gradients)")
    print("\nWhole training step of the default transformer (median CPU ms per step)")
    print(f"{'kernel':<10}{'gradients':<11}{'GELU':<6}{'ms':>8}")
    for key, ms in web["steps"].items():
        blas, grads, gelu = key.split("/")
        print(f"{'OpenBLAS' if blas == 'True' else 'einsum':<10}{grads:<11}{gelu:<6}{ms:8.1f}")
    cpy_old = statistics.median(n["steps"]["False/old/new"] for n in native)
    cpy = statistics.median(n["steps"]["False/new/new"] for n in native)
    runs = ", ".join(f"{n['steps']['False/new/new']:.1f}" for n in native)
    print(f"CPython ({native[0]['kernel']}): {cpy:.1f} ms per step (runs before/after: {runs}; "
          f"old gradients {cpy_old:.1f} ms)")
    base, best = web["steps"]["False/old/old"], web["steps"]["True/new/new"]
    print(f"\nbrowser speed as a fraction of CPython's: before {cpy_old / base:.2f}, now {cpy / best:.2f}; "
          f"browser step now / before: {best / base:.2f}")


if __name__ == "__main__":
    main()
