"""charlm's transformer written again in TensorFlow.js, called from Python (Pyodide) through the `js` FFI.

The benchmark's peer: the same model as charlm.models.Transformer (pre-norm GPT blocks, learned position
embeddings, tanh GELU, layer norm eps 1e-5, a linear head without bias), started from charlm's own initial weights
(so the initialisation is identical by construction), trained with Adam (tfjs's Adam applies the same bias
corrections as charlm.optim.Adam; charlm's Trainer uses no weight decay) after clipping the global gradient norm at
1.0 as charlm.optim.clip_grad_norm does.

tfjs-wasm's `gather` has no gradient and its `oneHot(..., "float32")` is broken, so the token embedding is
oneHot(int32 ids).toFloat() @ wte: one extra (B*T, V) @ (V, C) product charlm does not pay (it indexes rows).
"""

import math

import js
from pyodide.ffi import to_js


def shape(*dims):
    """A JavaScript array of ints: tfjs checks Array.isArray, which a proxied Python list is not."""
    return to_js(list(dims))


class TfjsTransformer:
    """Parameters as tf.Variables named like charlm's, a forward pass and one training step."""

    def __init__(self, tf, model, lr, grad_clip=1.0, betas=(0.9, 0.999), eps=1e-8):
        self.tf = tf
        self.V, self.T = model.vocab_size, model.context
        self.n_head = model.blocks[0].attn.n_head
        self.C = model.wte.shape[1]
        self.grad_clip = grad_clip
        # Parameter order and names: charlm's own (Module.named_parameters when it has one, else attribute walk).
        self.names, self.vars = [], {}
        for name, array in named_arrays(model):
            self.names.append(name)
            self.vars[name] = tf.variable(tf.tensor(to_js(array.ravel().tolist()), shape(*array.shape), "float32"),
                                          True, "peer/" + name)
        self.optimizer = tf.train.adam(lr, betas[0], betas[1], eps)
        T = self.T
        lower = tf.linalg.bandPart(tf.ones(shape(T, T)), -1, 0)                 # (T, T) 1 on and below the diagonal
        self.mask = tf.keep(tf.mul(tf.sub(1, lower), -1e9))                     # charlm's MASK_VALUE where masked
        self.var_list = to_js([self.vars[n] for n in self.names])

    # ---- the model ----
    def p(self, name):
        return self.vars[name]

    def layer_norm(self, x, prefix):
        tf = self.tf
        moments = tf.moments(x, -1, True)
        xhat = tf.mul(tf.sub(x, moments.mean), tf.rsqrt(tf.add(moments.variance, 1e-5)))
        return tf.add(tf.mul(xhat, self.p(prefix + ".weight")), self.p(prefix + ".bias"))

    def linear(self, x2, prefix, bias=True):
        y = self.tf.matMul(x2, self.p(prefix + ".weight"))
        return self.tf.add(y, self.p(prefix + ".bias")) if bias else y

    def gelu(self, x):
        tf = self.tf
        inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), math.sqrt(2 / math.pi))
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1))

    def forward(self, ids):
        """ids: int32 tensor (B, T) -> logits (B*T, V)."""
        tf = self.tf
        B, T = ids.shape[0], ids.shape[1]
        C, nh = self.C, self.n_head
        hs = C // nh
        onehot = tf.oneHot(tf.reshape(ids, shape(B * T)), self.V).toFloat()     # (B*T, V)
        x = tf.matMul(onehot, self.p("wte"))                                    # (B*T, C)
        x = tf.add(tf.reshape(x, shape(B, T, C)), tf.slice(self.p("wpe"), shape(0, 0), shape(T, C)))  # (B, T, C)
        i = 0
        while f"blocks.{i}.ln_1.weight" in self.vars:
            pre = f"blocks.{i}."
            h = tf.reshape(self.layer_norm(x, pre + "ln_1"), shape(B * T, C))    # (B*T, C)
            qkv = self.linear(h, pre + "attn.c_attn")                            # (B*T, 3C)
            q, k, v = (tf.transpose(tf.reshape(part, shape(B, T, nh, hs)), shape(0, 2, 1, 3))  # (B, nh, T, hs)
                       for part in tf.split(qkv, 3, 1))
            att = tf.add(tf.mul(tf.matMul(q, k, False, True), 1 / math.sqrt(hs)), self.mask)  # (B, nh, T, T)
            y = tf.matMul(tf.softmax(att), v)                                    # (B, nh, T, hs)
            y = tf.reshape(tf.transpose(y, shape(0, 2, 1, 3)), shape(B * T, C))  # (B*T, C)
            x = tf.add(x, tf.reshape(self.linear(y, pre + "attn.c_proj"), shape(B, T, C)))
            h = tf.reshape(self.layer_norm(x, pre + "ln_2"), shape(B * T, C))
            h = self.linear(self.gelu(self.linear(h, pre + "mlp.c_fc")), pre + "mlp.c_proj")  # (B*T, C)
            x = tf.add(x, tf.reshape(h, shape(B, T, C)))
            i += 1
        h = tf.reshape(self.layer_norm(x, "ln_f"), shape(B * T, C))
        return self.linear(h, "lm_head", bias=False)                             # (B*T, V)

    def loss(self, inputs, targets):
        """Mean cross-entropy in nats per character (a scalar tensor)."""
        tf = self.tf
        logits = self.forward(inputs)
        labels = tf.oneHot(tf.reshape(targets, shape(-1)), self.V).toFloat()
        return tf.losses.softmaxCrossEntropy(labels, logits)

    # ---- training ----
    def step(self, inputs, targets):
        """One Adam step on a batch (int32 tensors (B, T)); returns the loss as a Python float."""
        tf = self.tf

        def body():
            res = tf.variableGrads(lambda: self.loss(inputs, targets), self.var_list)
            grads = [getattr(res.grads, "peer/" + n) for n in self.names]
            norm = tf.sqrt(tf.addN(to_js([tf.sum(tf.square(g)) for g in grads])))
            # charlm scales by max_norm / (norm + 1e-6) only when norm > max_norm: the minimum does the same.
            scale = tf.minimum(1, tf.div(self.grad_clip, tf.add(norm, 1e-6)))
            clipped = js.Object.new()
            for n, g in zip(self.names, grads, strict=True):
                setattr(clipped, "peer/" + n, tf.mul(g, scale))
            self.optimizer.applyGradients(clipped)
            return res.value

        value = tf.tidy(body)
        loss = float(value.dataSync()[0])
        value.dispose()
        return loss

    def evaluate(self, ids, starts, batch=32):
        """Mean loss over the windows starting at `starts` of the int list/array `ids` (charlm's evaluate)."""
        tf, T = self.tf, self.T
        total, count = 0.0, 0
        for i in range(0, len(starts), batch):
            chunk = starts[i:i + batch]
            rows = [ids[s:s + T + 1] for s in chunk]
            inputs = int_tensor(tf, [r[:-1] for r in rows])
            targets = int_tensor(tf, [r[1:] for r in rows])
            value = tf.tidy(lambda: self.loss(inputs, targets))  # noqa: B023 (called at once)
            total += float(value.dataSync()[0]) * len(chunk) * T
            count += len(chunk) * T
            for t in (value, inputs, targets):
                t.dispose()
        return total / count


def int_tensor(tf, rows):
    """An int32 tensor (len(rows), len(rows[0])) from a list of lists of ints."""
    flat = [int(v) for r in rows for v in r]
    return tf.tensor(js.Int32Array.new(to_js(flat)), shape(len(rows), len(rows[0])), "int32")


def named_arrays(model):
    """(name, numpy array) for every parameter of a charlm Transformer, in a fixed order, with charlm's names."""
    out = [("wte", model.wte.data), ("wpe", model.wpe.data)]
    for i, block in enumerate(model.blocks):
        pre = f"blocks.{i}."
        layers = (("ln_1", block.ln_1), ("attn.c_attn", block.attn.c_attn), ("attn.c_proj", block.attn.c_proj),
                  ("ln_2", block.ln_2), ("mlp.c_fc", block.mlp.c_fc), ("mlp.c_proj", block.mlp.c_proj))
        for part, layer in layers:
            out.append((pre + part + ".weight", layer.weight.data))
            out.append((pre + part + ".bias", layer.bias.data))
    out += [("ln_f.weight", model.ln_f.weight.data), ("ln_f.bias", model.ln_f.bias.data),
            ("lm_head.weight", model.lm_head.weight.data)]
    return out
