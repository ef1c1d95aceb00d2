"""Text as numbers: the character vocabulary, the train/validation split, random batches, and reference losses."""

import math

import numpy as np

from .checks import LIMITS, whole

_SHOW_MAX = 80  # characters of an alphabet to show in an error message before cutting it short


def _codepoints(text):
    """The code points of `text` as a uint32 array, without a Python loop (surrogatepass keeps any str encodable)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


class Vocab:
    """The alphabet of a text: its distinct characters in sorted (code point) order, numbered 0..V-1."""

    def __init__(self, chars: "list[str] | str"):
        chars = list(chars)
        if not chars:
            raise ValueError("a vocabulary needs at least one character")
        if any(not isinstance(c, str) or len(c) != 1 for c in chars):
            raise ValueError("a vocabulary is made of single characters")
        if sorted(set(chars)) != chars:
            raise ValueError("vocabulary characters must be distinct and sorted; use Vocab.from_text(text)")
        self.chars = chars
        self._codes = _codepoints("".join(chars))                    # (V,) sorted, for searchsorted

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        """The vocabulary of every distinct character in `text` (any Unicode)."""
        if not isinstance(text, str):
            raise ValueError(f"the text must be a string, got {type(text).__name__}")
        if not text:
            raise ValueError("the text is empty: give some text to learn from")
        return cls(sorted(set(text)))

    def __len__(self):
        return len(self.chars)

    def __eq__(self, other):
        return isinstance(other, Vocab) and self.chars == other.chars

    def __repr__(self):
        return f"Vocab({len(self)} characters: {_show(self.chars)})"

    def encode(self, text: str) -> np.ndarray:
        """The ids of the characters of `text`, an int array; ValueError naming any character not in the alphabet."""
        if not isinstance(text, str):
            raise ValueError(f"can only encode a string, got {type(text).__name__}")
        cps = _codepoints(text)
        ids = np.searchsorted(self._codes, cps)
        ok = ids < len(self._codes)
        ok[ok] = self._codes[ids[ok]] == cps[ok]
        if not ok.all():
            unknown = sorted(set(chr(c) for c in cps[~ok]))
            raise ValueError(f"{', '.join(repr(c) for c in unknown[:20])}{' ...' if len(unknown) > 20 else ''} "
                             f"{'is' if len(unknown) == 1 else 'are'} not in the model's alphabet, which is the "
                             f"{len(self)} characters of its training text: {_show(self.chars)}")
        return ids.astype(np.intp)

    def decode(self, ids) -> str:
        """The string spelled by a sequence of ids."""
        ids = np.asarray(ids, dtype=np.intp).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must be in 0..{len(self) - 1}, got {ids.min()}..{ids.max()}")
        return self._codes[ids].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


class Corpus:
    """A text split into a training part (the first 1 - val_fraction) and a validation part (the rest).

    .text, .vocab (of the whole text), .train and .val (int id arrays), .context (the window length T).
    """

    def __init__(self, text: str, context: int, val_fraction: float = 0.1):
        vocab = Vocab.from_text(text)  # checks: a non-empty string
        if len(vocab) < 2:
            raise ValueError(f"the text uses only one distinct character ({vocab.chars[0]!r}); there is nothing to "
                             f"predict. Give a text with at least two different characters")
        context = whole(context, "context", minimum=1)
        if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) \
                or not 0 < val_fraction < 1:
            raise ValueError(f"val_fraction must be a number between 0 and 1 (e.g. 0.1), got {val_fraction!r}")
        need = min_text_length(context, val_fraction)
        if len(text) < need:
            raise ValueError(f"the text is {len(text)} characters long; with a context of {context} characters and "
                             f"{val_fraction:.0%} held out for validation it must be at least {need} characters. "
                             f"Give a longer text or a shorter context")
        ids = vocab.encode(text)
        n_train = _train_length(len(text), val_fraction)
        self.text, self.vocab, self.context, self.val_fraction = text, vocab, context, val_fraction
        self.train, self.val = ids[:n_train], ids[n_train:]

    def split(self, split: str) -> np.ndarray:
        """The id array of "train" or "val"."""
        if split == "train":
            return self.train
        if split == "val":
            return self.val
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")

    def batch(self, batch_size: int, split: str = "train",
              rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """batch_size random windows of the split: (inputs, targets), int arrays (B, T), targets shifted by one.

        The windows' starts are the only numbers drawn from `rng` (a np.random.Generator): rng.integers(0, n - T,
        size=B). A seeded rng therefore gives the same batches in any program that draws from it in the same order.
        """
        whole(batch_size, "batch size", minimum=1)
        if not isinstance(rng, np.random.Generator):
            raise ValueError("batch() needs rng=np.random.default_rng(seed), so that batches are reproducible")
        ids, T = self.split(split), self.context
        starts = rng.integers(0, len(ids) - T, size=batch_size)              # (B,)
        index = starts[:, None] + np.arange(T)                               # (B, T)
        return ids[index], ids[index + 1]                                    # (B, T), (B, T)


def min_text_length(context, val_fraction=0.1):
    """The shortest text whose training and validation parts both hold one window (context + 1 characters)."""
    n = math.ceil((context + 1) / min(val_fraction, 1 - val_fraction))
    while not _splits_fit(n, context, val_fraction):
        n += 1
    while n > context + 1 and _splits_fit(n - 1, context, val_fraction):
        n -= 1
    return n


def _splits_fit(n, context, val_fraction):
    n_train = _train_length(n, val_fraction)
    return n_train >= context + 1 and n - n_train >= context + 1


def _train_length(n, val_fraction):
    return int(round(n * (1 - val_fraction)))


def decode_text(raw: bytes, name: str = "the file") -> str:
    """The text of a file's bytes `raw`, or ValueError saying in plain words why it is not a text to learn from.

    UTF-8 (a byte-order mark is dropped); Windows and old Mac line ends become "\\n", so a file trains the same
    whatever system saved it. `name` is how the messages call the file. Larger than LIMITS["text_bytes"], a NUL byte
    in the first 64 KB (a picture, a PDF, a program), or a byte that is not UTF-8 are refused.
    """
    most = LIMITS["text_bytes"][1]
    if len(raw) > most:
        raise ValueError(f"\"{name}\" is {len(raw) / 1e6:.1f} MB; choose a text of at most {most / 1e6:.0f} MB "
                         f"(a few hundred KB is plenty)")
    if b"\0" in raw[:65536]:
        raise ValueError(f"\"{name}\" is not a text file (it contains binary data); choose a plain .txt file")
    try:
        text = bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"\"{name}\" is not UTF-8 text (byte {e.start} cannot be read); save it as UTF-8 plain "
                         f"text and try again") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def reference_losses(text: str) -> dict[str, float]:
    """Losses (nats per character) of three counting models of `text`, to compare a trained model against.

    "uniform": ln V, every character equally likely; "unigram": the entropy of the character frequencies (the best
    model that ignores context); "bigram": the conditional entropy of a character given the previous one (the best
    letter-pair-frequency model). Both measured on the whole text, so they are the best such models can do on it.
    """
    vocab = Vocab.from_text(text)
    ids = vocab.encode(text)
    V = len(vocab)
    counts = np.bincount(ids, minlength=V).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    unigram = float(-(p * np.log(p)).sum())
    if len(ids) < 2:
        bigram = unigram
    else:
        pairs = ids[:-1].astype(np.intp) * V + ids[1:]  # intp: bincount below refuses int64 on 32-bit wasm
        pair_codes, pair_counts = np.unique(pairs, return_counts=True)
        first_counts = np.bincount(pair_codes // V, weights=pair_counts, minlength=V)
        p_pair = pair_counts / pair_counts.sum()
        p_next = pair_counts / first_counts[pair_codes // V]
        bigram = float(-(p_pair * np.log(p_next)).sum())
    return {"uniform": float(np.log(V)), "unigram": unigram, "bigram": bigram}


def _show(chars):
    shown = "".join(chars[:_SHOW_MAX])
    return repr(shown) + (f" and {len(chars) - _SHOW_MAX} more" if len(chars) > _SHOW_MAX else "")
