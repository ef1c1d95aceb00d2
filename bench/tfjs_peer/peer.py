"""The benchmark's peer page (Pyodide, main thread): charlm's default transformer trained in TensorFlow.js's wasm
backend, on the same text, split, batches' shapes and initial weights as the lesson page's trainer.

bench/browser.py serves this folder with the pinned tfjs from node_modules/ and drives the page through
`window.charlmPeer`, whose methods are the Python functions below (each returns a JSON string):
  - setup(text) builds the model (charlm's initial weights, seed 0) and the data, afresh;
  - train(seconds, eval_every=0) trains for that long and returns steps, seconds, chars/s, the last loss and the
    validation losses measured on the way;
  - evaluate() returns the validation loss on charlm's own evaluation windows;
  - step_ms(batch_size, steps) times single steps (at batch 1: the fixed cost of driving tfjs from Python);
  - matmul_peak(repeats) times the step's 2-D matrix products alone, in tfjs and in charlm (numpy in Pyodide).
The query string names the text: ?text=letters (a built-in text, the default) or ?text=/data/<file>.
"""

import asyncio
import json
import time

import js
import numpy as np
from pyodide.ffi import create_proxy, to_js
from pyodide.http import pyfetch
from tfjs_model import TfjsTransformer, int_tensor, named_arrays, shape

import charlm
import charlm.texts
from charlm.evaluation import eval_windows

TFJS = "/node_modules/@tensorflow/tfjs/dist/tf.min.js"
TFJS_WASM = "/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"
WASM_DIR = "/node_modules/@tensorflow/tfjs-backend-wasm/dist/"


def say(text, state=None):
    js.document.getElementById("status").textContent = text
    if state:
        js.document.body.dataset.peer = state


async def load_script(src):
    """Add a <script src> for a pinned library and wait until it has run."""
    done = asyncio.get_running_loop().create_future()
    node = js.document.createElement("script")
    node.src = src
    node.onload = create_proxy(lambda _e: done.set_result(True))
    node.onerror = create_proxy(lambda _e: done.set_exception(RuntimeError(f"could not load {src}")))
    js.document.head.append(node)
    await done


class Peer:
    def __init__(self, tf):
        self.tf = tf
        self.model = None

    async def setup(self, text):
        """Build charlm's default transformer, copy its weights into tfjs, and split the text as charlm does."""
        if self.model is not None:  # a fresh start: the old model's weights and Adam moments go
            self.model.optimizer.dispose()
            self.model.mask.dispose()
            self.tf.disposeVariables()
            self.model = None
        if text.startswith("/"):
            text = await (await pyfetch(text)).string()
        else:
            text = charlm.texts.load(text)
        d = charlm.DEFAULTS["transformer"]
        self.B, self.T = d["batch_size"], d["context"]
        self.data = charlm.data.Corpus(text, context=self.T)
        model = charlm.build_model("transformer", len(self.data.vocab), self.T, seed=0)
        self.charlm_model = model
        self.model = TfjsTransformer(self.tf, model, lr=d["lr"])
        self.rng = np.random.default_rng(0)
        self.train_ids = self.data.train
        self.val_ids = self.data.val.tolist()
        self.val_starts = eval_windows(len(self.val_ids), self.T).tolist()
        self.steps = 0
        params = sum(a.size for _, a in named_arrays(model))
        return {"params": int(params), "n_layer": len(model.blocks), "n_embd": int(model.wte.shape[1]),
                "charlm_params": int(model.num_parameters()), "vocab": len(self.data.vocab),
                "chars": len(text), "batch_size": self.B, "context": self.T, "lr": d["lr"],
                "backend": self.tf.getBackend(), "tfjs": str(self.tf.version.tfjs)}

    def batch(self):
        """charlm's Corpus.batch: B random windows (same rng calls), as int32 tensors."""
        inputs, targets = self.data.batch(self.B, "train", self.rng)
        return int_tensor(self.tf, inputs.tolist()), int_tensor(self.tf, targets.tolist())

    def train(self, seconds, eval_every=0):
        """Train for `seconds` of wall time (stopping after the step that crosses it). With eval_every, measure the
        validation loss every that many steps (counted from the model's first step) inside that time, as charlm's
        Trainer does, and return them as [step, loss, seconds into this call]."""
        start = time.perf_counter()
        steps, loss, vals = 0, None, []
        while True:
            inputs, targets = self.batch()
            loss = self.model.step(inputs, targets)
            inputs.dispose()
            targets.dispose()
            steps += 1
            if eval_every and (self.steps + steps) % eval_every == 0:
                vals.append([self.steps + steps, self.model.evaluate(self.val_ids, self.val_starts),
                             time.perf_counter() - start])
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        self.steps += steps
        return {"steps": steps, "seconds": elapsed, "chars_per_s": steps * self.B * self.T / elapsed, "loss": loss,
                "total_steps": self.steps, "val_losses": vals, "tensors": int(self.tf.memory().numTensors)}

    def evaluate(self):
        start = time.perf_counter()
        loss = self.model.evaluate(self.val_ids, self.val_starts)
        return {"val_loss": loss, "seconds": time.perf_counter() - start, "step": self.steps}

    def step_ms(self, batch_size, steps):
        """Median milliseconds of a training step at `batch_size` (it trains the model: call it between runs). At
        batch 1 this is mostly the fixed cost of a step: some 300 tfjs calls made from Python through the FFI."""
        rng, times = np.random.default_rng(1), []
        for _ in range(steps):
            inputs, targets = (int_tensor(self.tf, a.tolist()) for a in self.data.batch(batch_size, "train", rng))
            start = time.perf_counter()
            self.model.step(inputs, targets)
            times.append((time.perf_counter() - start) * 1000)
            inputs.dispose()
            targets.dispose()
        return {"batch_size": batch_size, "ms": sorted(times)[len(times) // 2]}

    def matmul_peak(self, repeats):
        """GFLOP/s of the step's 2-D products alone (forward X@W, backward dY@W^T and X^T@dY for every linear
        layer, at B*T rows), timed as one batch of products: in tfjs-wasm, and through charlm's Tensor @ in Pyodide."""
        tf, M = self.tf, self.B * self.T
        shapes = []
        for n_in, n_out in linear_shapes(self.charlm_model):
            shapes += [(M, n_in, n_out), (M, n_out, n_in), (n_in, M, n_out)]
        flops = sum(2 * m * k * n for m, k, n in shapes)
        rng = np.random.default_rng(1)
        arrays = [(rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32))
                  for m, k, n in shapes]
        tensors = [(tf.tensor(js.Float32Array.new(to_js(a.ravel().tolist())), shape(*a.shape)),
                    tf.tensor(js.Float32Array.new(to_js(b.ravel().tolist())), shape(*b.shape))) for a, b in arrays]

        def tfjs_once():
            for a, b in tensors:
                out = tf.matMul(a, b)
                out.dataSync()
                out.dispose()

        def charlm_once():
            for a, b in arrays:
                (charlm.Tensor(a) @ charlm.Tensor(b)).data.sum()

        result = {"flops": flops, "products": len(shapes)}
        for name, once in (("tfjs", tfjs_once), ("charlm", charlm_once)):
            once()  # warm-up: first calls allocate and compile
            best = min(timed(once) for _ in range(repeats))
            result[name + "_gflops"] = flops / best / 1e9
        for a, b in tensors:
            a.dispose()
            b.dispose()
        return result


def linear_shapes(model):
    """(n_in, n_out) of every linear layer of a charlm transformer (the head included)."""
    out = []
    for block in model.blocks:
        for layer in (block.attn.c_attn, block.attn.c_proj, block.mlp.c_fc, block.mlp.c_proj):
            out.append(layer.weight.shape)
    out.append(model.lm_head.weight.shape)
    return out


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def exported(fn):
    """A Python method callable from JavaScript: JSON string out, any failure as {"error": message}."""
    async def call(*args):
        try:
            res = fn(*args)
            if asyncio.iscoroutine(res):
                res = await res
            return json.dumps(res)
        except Exception as e:  # the benchmark prints the message and stops
            return json.dumps({"error": f"{type(e).__name__}: {e}"})
    return create_proxy(call)


async def main():
    say("Loading TensorFlow.js ...")
    await load_script(TFJS)
    await load_script(TFJS_WASM)
    tf = js.tf
    tf.wasm.setWasmPaths(WASM_DIR)
    if not await tf.setBackend("wasm"):
        say("TensorFlow.js refused the wasm backend.", "error")
        return
    await tf.ready()
    peer = Peer(tf)
    api = js.Object.new()
    for name in ("setup", "train", "evaluate", "step_ms", "matmul_peak"):
        setattr(api, name, exported(getattr(peer, name)))
    js.window.charlmPeer = api
    say(f"Ready: TensorFlow.js {tf.version.tfjs}, backend {tf.getBackend()}.", "ready")


asyncio.ensure_future(main())
