"""Command line: train a model, sample from a saved one, list the built-in texts.

    python -m charlm train --corpus fables --model transformer --steps 500 --save model.npz
    python -m charlm sample --load model.npz --prompt "The fox" --length 200 --temperature 0.8
    python -m charlm corpora

Bad input prints one line on stderr and exits with status 2. Training that blows up (see charlm.divergence) stops,
says what happened and which --lr to try, saves the last good weights when --save is given, and exits with status 1.
"""

import argparse
import sys
import time

import numpy as np

from .checkpoint import load_bytes
from .checks import LIMITS, limited, one_of, whole
from .data import decode_text, reference_losses
from .divergence import number
from .models import MODELS
from .sampling import generate
from .trainer import Trainer, TrainingDiverged

DIVERGED = 1
USAGE_ERROR = 2
MAX_CHECKPOINT_BYTES = 256 << 20  # a saved session of the largest model charlm trains is under 100 MB


class UsageError(Exception):
    """Bad input from the command line: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage plus the error; one clear line is enough
        command = " ".join(self.prog.split()[1:])
        raise UsageError(f"{message} (see: python -m charlm {command + ' ' if command else ''}--help)")


def build_parser():
    """The argument parser of `python -m charlm`."""
    parser = _Parser(prog="charlm", description="Train a tiny next-character language model in pure numpy.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a model on a text")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--text", metavar="FILE", help="a UTF-8 text file to learn from")
    source.add_argument("--corpus", metavar="ID", help="a built-in text (see: python -m charlm corpora); "
                                                       "default: the first one listed")
    train.add_argument("--model", default="transformer", help=f"one of {', '.join(MODELS)} (default: transformer)")
    train.add_argument("--preset", help="a size preset: small, medium or large (default: the model's default)")
    train.add_argument("--steps", type=int, default=500, help="training steps (default: 500)")
    train.add_argument("--lr", type=float, help="learning rate (default: the model's default)")
    train.add_argument("--batch", type=int, help="windows per step (default: the model's default)")
    train.add_argument("--context", type=int, help="characters per window (default: the model's default)")
    train.add_argument("--seed", type=int, default=0, help="random seed for weights and batches (default: 0)")
    train.add_argument("--optimizer", default="adam", choices=["adam", "sgd"], help="default: adam")
    train.add_argument("--eval-every", type=int, default=100, help="validation loss every N steps (default: 100)")
    train.add_argument("--sample-every", type=int, default=0, metavar="N",
                       help="print a sample every N steps (default: only at the end)")
    train.add_argument("--sample-length", type=int, default=200, help="characters per sample (default: 200)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (and its training state) to FILE")

    sample = commands.add_parser("sample", help="generate text with a saved model")
    sample.add_argument("--load", metavar="FILE", required=True, help="a file written by train --save")
    sample.add_argument("--prompt", default="", help="text to continue (default: none)")
    sample.add_argument("--length", type=int, default=200, help="characters to generate (default: 200)")
    sample.add_argument("--temperature", type=float, default=0.8, help="lower is more cautious (default: 0.8)")
    sample.add_argument("--top-k", type=int, help="sample only among the k most likely characters")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")

    commands.add_parser("corpora", help="list the built-in texts")
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        return {"train": train, "sample": sample, "corpora": corpora}[args.command](args)
    except UsageError as e:
        print(f"charlm: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except (ValueError, OSError) as e:  # bad input: a file, a setting, a checkpoint (TrainingDiverged included)
        print(f"charlm: error: {e}", file=sys.stderr)
        return USAGE_ERROR


def read_text(args):
    """The training text named by --text or --corpus (default: the first built-in text)."""
    if args.text is None:
        from . import texts  # imported lazily: only this command needs the built-in texts
        return texts.load(args.corpus or texts.names()[0])
    return decode_text(read_file(args.text, LIMITS["text_bytes"][1]), args.text)


def read_file(path, most):
    """The bytes of `path` (at most `most` + 1 of them: enough for the reader to say the file is too large)."""
    try:
        with open(path, "rb") as f:
            return f.read(most + 1)
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None


def train(args):
    """`train`: build a Trainer, run it with a progress line, print samples, optionally save."""
    whole(args.steps, "--steps", *LIMITS["steps"])
    whole(args.sample_every, "--sample-every", minimum=0)
    whole(args.sample_length, "--sample-length", minimum=0)
    one_of(args.model, "model", MODELS)
    text = read_text(args)
    trainer = Trainer(text, model=args.model, preset=args.preset, context=args.context, lr=args.lr,
                      batch_size=args.batch, seed=args.seed, optimizer=args.optimizer, eval_every=args.eval_every)
    refs = reference_losses(text)
    cfg = trainer.config
    print(f"{cfg['model']} ({cfg['preset']}, {trainer.model.num_parameters():,} parameters) on {len(text):,} "
          f"characters, {len(trainer.data.vocab)} distinct; batch {cfg['batch_size']} x context {cfg['context']}, "
          f"lr {cfg['lr']:g}. Chance level ln V = {refs['uniform']:.3f}, letter pairs = {refs['bigram']:.3f} "
          f"nats/char.", file=sys.stderr)
    progress = Progress(args.steps, trainer.tokens_per_step, sys.stderr)
    status, diverged = 0, None
    try:
        for i in range(args.steps):
            trainer.run(1)
            progress.update(trainer)
            if args.sample_every and trainer.step % args.sample_every == 0 and i + 1 < args.steps:
                progress.clear()
                print_sample(trainer, args)
    except KeyboardInterrupt:
        status = 130
    except TrainingDiverged as e:
        status, diverged = DIVERGED, e
    progress.finish(trainer)
    if diverged:
        print(f"charlm: {diverged.explanation}: try --lr {number(diverged.suggested_lr)} or lower.", file=sys.stderr)
    print_sample(trainer, args)
    if args.save:
        with open(args.save, "wb") as f:
            f.write(trainer.to_bytes())
        what = "the last good weights" if diverged else "the model"
        print(f"saved {what} to {args.save} (step {trainer.step})", file=sys.stderr)
    return status


def print_sample(trainer, args):
    """A sample on stdout, reproducible for a given seed and step."""
    if not args.sample_length:
        return
    rng = np.random.default_rng([args.seed, trainer.step])
    text = generate(trainer.model, trainer.data.vocab, "", args.sample_length, temperature=0.8, rng=rng)
    print(f"--- sample at step {trainer.step} ---\n{text}\n", flush=True)


class Progress:
    """One self-rewriting line on a terminal; plain lines about every 5% otherwise (logs, pipes, CI)."""

    def __init__(self, total, tokens_per_step, stream):
        self.total, self.tokens_per_step, self.stream = total, tokens_per_step, stream
        self.tty = stream.isatty()
        self.start = time.perf_counter()
        self.every = max(1, total // 20)
        self.shown = 0.0

    def line(self, trainer):
        done = trainer.step
        elapsed = time.perf_counter() - self.start
        rate = done * self.tokens_per_step / elapsed if elapsed > 0 else 0.0
        eta = elapsed / done * (self.total - done) if done else 0.0
        width = 20
        filled = int(width * done / self.total) if self.total else width
        val = f"  val {trainer.val_losses[-1][1]:.3f}" if trainer.val_losses else ""
        loss = float(np.mean(trainer.losses[-20:])) if trainer.losses else float("nan")
        return (f"step {done}/{self.total} [{'#' * filled}{'.' * (width - filled)}] loss {loss:.3f}{val}  "
                f"{rate:,.0f} chars/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}")

    def update(self, trainer):
        now = time.perf_counter()
        if self.tty:
            if now - self.shown > 0.1 or trainer.step == self.total:  # redraw at most 10 times a second
                self.stream.write("\r" + self.line(trainer) + "\033[K")
                self.stream.flush()
                self.shown = now
        elif trainer.step % self.every == 0:
            print(self.line(trainer), file=self.stream, flush=True)

    def clear(self):
        if self.tty:
            self.stream.write("\r\033[K")

    def finish(self, trainer):
        if self.tty:
            self.stream.write("\r" + self.line(trainer) + "\033[K\n")
        elif trainer.step % self.every:
            print(self.line(trainer), file=self.stream)
        elapsed = time.perf_counter() - self.start
        val = f", validation loss {trainer.val_losses[-1][1]:.3f}" if trainer.val_losses else ""
        print(f"trained {trainer.step} steps in {elapsed:.1f} s{val}", file=self.stream, flush=True)


def sample(args):
    """`sample`: load a checkpoint and print the prompt and its continuation."""
    whole(args.length, "--length", minimum=0)
    limited(args.temperature, "temperature", "--temperature")
    model, vocab, _ = load_bytes(read_file(args.load, MAX_CHECKPOINT_BYTES))
    text = generate(model, vocab, args.prompt, args.length, temperature=args.temperature, top_k=args.top_k,
                    rng=np.random.default_rng(args.seed))
    print(args.prompt + text)
    return 0


def corpora(args):
    """`corpora`: the built-in texts, one per line."""
    from . import texts
    for item in texts.describe():
        print(f"{item['id']:<10} {item['chars']:>7,} chars  {item['title']}: {item['description']}")
    return 0
