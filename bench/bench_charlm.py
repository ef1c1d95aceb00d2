"""Benchmark of charlm's models at their default sizes: training speed in this Python, and the loss reached.

    python bench/bench_charlm.py           # tinyshakespeare beside the repo if present, else a built-in text
    python bench/bench_charlm.py story.txt --chars 15000 --steps 300

For each model: steps/s and characters/s (median of --repeats timed runs of --timed-steps steps), then the training
and validation loss after --steps steps from a fresh model, next to the text's reference losses; then the size of a
saved session and the time to save it, to load it (every part checked against charlm's limits first), and to refuse
a zip bomb (1 GB of weights packed into about 1 MB) from its declared sizes. Prints figures only:
it never fails on a time (the machine may be busy; compare numbers measured side by side in one run).
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import charlm  # noqa: E402  (before numpy: charlm picks the BLAS thread count when it loads numpy first)

DEFAULT_TEXT = REPO.parent / "shared" / "data" / "tinyshakespeare.txt"


def load_text(args):
    """The benchmark text and a short name for it."""
    if args.text:
        path = Path(args.text)
    elif DEFAULT_TEXT.exists():
        path = DEFAULT_TEXT
    else:
        import charlm.texts
        text = charlm.texts.load(args.corpus)
        return (text[:args.chars] if args.chars else text), f"built-in '{args.corpus}'"
    text = path.read_text(encoding="utf-8")
    return (text[:args.chars] if args.chars else text), path.name


def speed(text, model, args):
    """Median steps/s over several timed runs (the first steps are a warm-up and not timed)."""
    trainer = charlm.Trainer(text, model=model, eval_every=0)
    trainer.run(3)
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        trainer.run(args.timed_steps)
        rates.append(args.timed_steps / (time.perf_counter() - start))
    return statistics.median(rates), trainer


def learning(text, model, args):
    """Training loss (mean of the last 20 steps) and validation loss after args.steps steps, and the time taken."""
    trainer = charlm.Trainer(text, model=model, eval_every=0)
    start = time.perf_counter()
    trainer.run(args.steps)
    seconds = time.perf_counter() - start
    return float(np.mean(trainer.losses[-20:])), trainer.evaluate("val"), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", help="a UTF-8 text file (default: tinyshakespeare beside the repo, "
                                                "else a built-in text)")
    parser.add_argument("--corpus", default="fables", help="built-in text when there is no file (default: fables)")
    parser.add_argument("--chars", type=int, help="use only the first N characters of the text")
    parser.add_argument("--steps", type=int, default=300, help="training steps for the loss columns (default: 300)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per model (default: 5)")
    parser.add_argument("--timed-steps", type=int, default=20, help="steps per timed run (default: 20)")
    parser.add_argument("--models", default=",".join(charlm.MODELS), help="comma-separated (default: all)")
    args = parser.parse_args()

    text, name = load_text(args)
    refs = charlm.reference_losses(text)
    print(f"charlm {charlm.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"text: {name}, {len(text):,} characters, {len(set(text))} distinct; reference losses (nats/char): "
          f"uniform {refs['uniform']:.3f}, unigram {refs['unigram']:.3f}, bigram {refs['bigram']:.3f}")
    print()
    header = (f"{'model':<12} {'preset':<7} {'params':>8} {'B x T':>7} {'lr':>6} {'steps/s':>8} {'chars/s':>10} "
              f"{'train@' + str(args.steps):>10} {'val@' + str(args.steps):>8} {'time':>7}")
    print(header)
    print("-" * len(header))
    for model in args.models.split(","):
        rate, trainer = speed(text, model, args)
        train_loss, val_loss, seconds = learning(text, model, args)
        cfg = trainer.config
        print(f"{model:<12} {cfg['preset']:<7} {trainer.model.num_parameters():>8,} "
              f"{str(cfg['batch_size']) + 'x' + str(cfg['context']):>7} {cfg['lr']:>6g} {rate:>8.1f} "
              f"{rate * trainer.tokens_per_step:>10,.0f} {train_loss:>10.3f} {val_loss:>8.3f} {seconds:>6.1f}s",
              flush=True)
    print()
    checkpoints(text, args)


def bomb():
    """A real session whose weight table is replaced by 1 GB of zero bytes: about 1 MB once deflated."""
    import zipfile
    trainer = charlm.Trainer("the cat sat on the mat. " * 40, model="bigram", batch_size=4, context=8, eval_every=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(trainer.to_bytes())) as src, zipfile.ZipFile(buffer, "w") as out:
        for info in src.infolist():
            if info.filename != "param/table.npy":
                out.writestr(info, src.read(info))
        big = zipfile.ZipInfo("param/table.npy")
        big.compress_type = zipfile.ZIP_DEFLATED
        with out.open(big, "w", force_zip64=True) as f:
            for _ in range(1024):
                f.write(bytes(1 << 20))
    return buffer.getvalue()


def best_ms(fn, repeats, *args):
    """The fastest of `repeats` calls of fn(*args), in milliseconds (a refusal counts: it is what is being timed)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            fn(*args)
        except ValueError:
            pass
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def checkpoints(text, args):
    """Saved-session size, save and load times per model, and how fast a zip bomb is refused."""
    print(f"{'model':<12} {'file':>9} {'save':>9} {'load':>9}")
    for model in args.models.split(","):
        trainer = charlm.Trainer(text, model=model, eval_every=0)
        trainer.run(3)
        data = trainer.to_bytes()
        save = best_ms(trainer.to_bytes, args.repeats)
        load = best_ms(charlm.Trainer.from_bytes, args.repeats, data)
        print(f"{model:<12} {len(data) / 1e3:>7,.0f}KB {save:>7.1f}ms {load:>7.1f}ms", flush=True)
    data = bomb()
    refuse = best_ms(charlm.Trainer.from_bytes, args.repeats, data)
    print(f"zip bomb: {len(data) / 1e6:.1f} MB inflating to 1,074 MB, refused in {refuse:.2f} ms")


if __name__ == "__main__":
    main()
