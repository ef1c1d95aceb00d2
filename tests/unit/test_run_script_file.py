"""A run on a long text of the learner's own: its script reads the text from a named file and checks its sha256,
instead of writing megabytes of string literals."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from app import run_script

ROOT = Path(__file__).resolve().parents[2]
TEXT = "the quick brown fox jumps over the lazy dog. \U0001F984\n" * 5000  # 235,000 characters


def script_for(text):
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    run = {"model": "bigram", "preset": "small", "context": 8, "batch_size": 4, "lr": 0.1, "seed": 0,
           "grad_clip": None, "text_file": f"charlm-text-{digest[:8]}.txt", "text_sha256": digest}
    return run, run_script.make_script(run, 0)


def run(tmp_path, script):
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=120)


def test_a_long_text_is_named_not_inlined(tmp_path):
    assert len(TEXT) > run_script.INLINE_TEXT_CHARS
    info, script = script_for(TEXT)
    assert info["text_file"] in script and info["text_sha256"] in script and len(script) < 5000
    compile(script, "run.py", "exec")


def test_the_script_reads_the_right_file_and_refuses_another(tmp_path):
    info, script = script_for(TEXT)
    (tmp_path / info["text_file"]).write_text(TEXT, encoding="utf-8", newline="")
    done = run(tmp_path, script)
    assert done.returncode == 0, done.stderr
    assert "validation loss:" in done.stdout
    (tmp_path / info["text_file"]).write_text(TEXT + "x", encoding="utf-8", newline="")
    done = run(tmp_path, script)
    assert done.returncode == 1 and "is not the text this run trained on" in done.stderr
