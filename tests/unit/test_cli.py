"""`python -m charlm`: train and save, sample from the saved file, list texts, and one clear line on bad input."""

import os
import subprocess
import sys
from pathlib import Path

import charlm
import crafted

REPO = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "charlm", *args], capture_output=True, text=True, env=env,
                          cwd=cwd or REPO, timeout=120)


def test_train_save_then_sample(tmp_path):
    text = tmp_path / "story.txt"
    text.write_text("the cat sat on the mat. the dog sat on the log. " * 30, encoding="utf-8")
    saved = tmp_path / "model.npz"
    result = run("train", "--text", str(text), "--model", "mlp", "--steps", "30", "--batch", "8", "--context", "16",
                 "--sample-every", "10", "--sample-length", "40", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    assert "step 30/30" in result.stderr and "chars/s" in result.stderr and "ETA" in result.stderr
    assert result.stdout.count("--- sample at step") == 3  # steps 10, 20 and the end
    assert saved.exists()

    trainer = charlm.Trainer.from_bytes(saved.read_bytes())
    assert trainer.step == 30 and trainer.config["model"] == "mlp" and trainer.config["batch_size"] == 8

    sample = run("sample", "--load", str(saved), "--prompt", "the ", "--length", "50", "--seed", "1")
    assert sample.returncode == 0, sample.stderr
    assert sample.stdout.startswith("the ") and len(sample.stdout.rstrip("\n")) == 54
    assert set(sample.stdout[4:].rstrip("\n")) <= set(trainer.data.vocab.chars)
    again = run("sample", "--load", str(saved), "--prompt", "the ", "--length", "50", "--seed", "1")
    assert again.stdout == sample.stdout


def test_train_on_a_built_in_corpus_and_list_them():
    result = run("train", "--corpus", "fables", "--model", "bigram", "--steps", "5", "--sample-length", "0")
    assert result.returncode == 0, result.stderr
    assert "trained 5 steps" in result.stderr
    listing = run("corpora")
    assert listing.returncode == 0 and "fables" in listing.stdout and "lesson" in listing.stdout


def test_bad_input_is_one_line_on_stderr_and_exit_status_2(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("too short", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\u00e9 au lait".encode("latin-1"))
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(crafted.bomb())
    huge_batch = tmp_path / "huge.npz"
    huge_batch.write_bytes(crafted.rewrite(crafted.session(), lambda m: m["trainer"]["config"].update(
        batch_size=10 ** 9) or m))
    cases = [
        (("train", "--text", str(tmp_path / "missing.txt")), "no such file"),
        (("train", "--text", str(short)), "at least"),
        (("train", "--text", str(binary)), "is not a text file"),
        (("train", "--text", str(latin1)), "is not UTF-8 text (byte 3 cannot be read)"),
        (("train", "--context", "1"), "context must be a whole number from 2 to 256"),
        (("sample", "--load", str(bomb)), "more than its settings need"),
        (("sample", "--load", str(huge_batch)), "batch size must be a whole number from 1 to 256"),
        (("sample", "--load", str(short), "--temperature", "9"), "--temperature must be a positive number"),
        (("train", "--lr", "0", "--steps", "1"), "learning rate must be a positive number"),
        (("train", "--model", "rnn"), "unknown model"),
        (("train", "--corpus", "nope"), "unknown corpus"),
        (("train", "--steps", "many"), "invalid int value"),
        (("sample", "--load", str(short)), "not a charlm checkpoint"),
        (("sample",), "--load"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)


def test_training_that_blows_up_saves_the_last_good_weights_and_says_which_lr_to_try(tmp_path):
    saved = tmp_path / "m.npz"
    result = run("train", "--model", "bigram", "--lr", "1e3", "--steps", "5", "--sample-length", "0",
                 "--save", str(saved))
    assert result.returncode == 1, result.stderr
    err = result.stderr
    assert "The loss shot up to" in err and "The learning rate 1,000 is too large: try --lr 0.1 or lower." in err
    assert "press Train" not in err and "Traceback" not in err and "Error" not in err
    step = charlm.Trainer.from_bytes(saved.read_bytes()).step
    assert f"went back to step {step}, the last good one: its weights are kept." in err
    assert f"saved the last good weights to {saved} (step {step})" in err
