"""charlm: a tiny next-character language model trainer in pure numpy.

A small autograd (`Tensor`), three models (bigram, MLP, transformer) behind one interface, optimisers, data,
sampling, checkpoints and a `Trainer` that the browser drives in chunks. The same code runs in CPython and in
Pyodide with nothing but numpy.

    data = charlm.Corpus(text, context=64)
    model = charlm.build_model("transformer", vocab_size=len(data.vocab), context=64, seed=0)
    opt = charlm.Adam(model.parameters(), lr=3e-3, grad_clip=1.0)
    rng = np.random.default_rng(0)
    inputs, targets = data.batch(16, "train", rng)   # (B, T), (B, T)
    logits = model(inputs)                           # (B, T, V)
    loss = charlm.cross_entropy(logits, targets)
    loss.backward()
    opt.step()                                       # clips, updates and clears the gradients
"""

__version__ = "0.1.0"

import os  # noqa: E402
import sys  # noqa: E402

if "numpy" not in sys.modules:
    # The models multiply small matrices, where BLAS threads cost more than they give: one thread is as fast on an
    # idle 2-core machine and ~10x faster on a busy one (measured). Only when charlm loads numpy first, and only
    # unless the user chose a thread count.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _keep_heap_slack(pad=64 << 20):
    """Ask glibc to keep up to `pad` bytes of freed heap instead of returning it to the system at once.

    Backward frees a whole step's activations together (see Tensor.backward); without slack glibc hands that memory
    back and the next step faults it in again, which halved CPython's training speed (measured: 35 vs 64 steps/s for
    the default transformer). A bounded knob, and a no-op anywhere but glibc (Pyodide, macOS, Windows, musl)."""
    if sys.platform != "linux" or "MALLOC_TOP_PAD_" in os.environ:
        return
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-2, pad)  # M_TOP_PAD
    except (OSError, AttributeError, ImportError):
        pass


_keep_heap_slack()

from .checkpoint import load_bytes, save_bytes  # noqa: E402
from .checks import LIMITS  # noqa: E402
from .data import Corpus, Vocab, decode_text, reference_losses  # noqa: E402
from .evaluation import evaluate  # noqa: E402
from .models import DEFAULTS, DESCRIPTIONS, MODELS, PRESETS, build_model  # noqa: E402
from .optim import SGD, Adam, clip_grad_norm  # noqa: E402
from .sampling import generate, next_char_probs  # noqa: E402
from .tensor import Tensor, causal_softmax, cross_entropy, layer_norm  # noqa: E402
from .trainer import Trainer, TrainingDiverged  # noqa: E402

MODELS = tuple(MODELS)  # the names; the classes stay in charlm.models.MODELS

__all__ = [
    "Adam", "Corpus", "DEFAULTS", "DESCRIPTIONS", "LIMITS", "MODELS", "PRESETS", "SGD", "Tensor", "Trainer",
    "TrainingDiverged", "Vocab", "__version__", "build_model", "causal_softmax", "clip_grad_norm", "cross_entropy",
    "decode_text", "evaluate", "generate", "layer_norm", "load_bytes", "next_char_probs",
    "reference_losses", "save_bytes",
]
