"""The learning views' pure logic (www/app/views_logic.py) in the page's real MicroPython, under node: the same
answers as CPython, so what the tests check is what the page computes."""

import json

import pytest
from test_micropython import APP, MICROPYTHON, NODE, run_cpython, run_micropython

pytestmark = pytest.mark.skipif(NODE is None or not MICROPYTHON.exists(),
                                reason="needs node and the MicroPython runtime (run `npm install`)")

PROBE = r'''
import json
import views_logic as v
res = {"step": 3, "windows": [{"text": "ab c", "surprise": [0.1, 2.5, 7.0, 1.0]}], "shown_mean": 2.65,
       "mean": 2.5, "count": 1408, "plot_val_loss": None}
a = {"model": "bigram", "preset": "small", "lr": 0.1, "batch_size": 32, "corpus": "fables", "seed": 0}
b = dict(a)
b["model"] = "mlp"
b["lr"] = 0.01
out = [
    [v.shade(x) for x in (0, 0.5, 1, 2.9, 6, 9)],
    [s for s in range(0, 3100) if v.is_snapshot_step(s)],
    v.surprise_summary(res, "bits"),
    v.describe_char("\n", 1.5, [("e", 0.31), (" ", 0.0004)], "nats"),
    v.attention_sentence(1, 0, list("The "), [0.1, 0.2, 0.3, 0.4]),
    v.run_labels([a, b]),
    v.kept_csv([3.0, 2.5], [(0, 3.1)], [{"losses": [4.0], "val_losses": [(0, 4.1)]}], ['mlp "small"']),
    v.split_copied("caf\u00e9 cr\u00e8me", [(2, 6)]),
    v.copied_sentence(0.314, 10, [(0, 3), (5, 9)]),
    [v.weight_group_label(k) for k in ("wte", "blocks.0", "blocks.12", "lm_head", "embedding", "odd")],
    v.place_labels([(50.0, 40.0), (51.0, 41.0), (49.5, 40.5), (300.0, 5.0), (300.0, 5.0)], (10, 16), 310, 200),
]
print(json.dumps(out))
'''


def test_views_logic_gives_the_same_answers_in_micropython_and_cpython(tmp_path):
    files = {"views_logic.py": (APP / "views_logic.py").read_text(encoding="utf-8")}
    mp = run_micropython(PROBE, files)
    assert not any(line.startswith(("STDERR", "JS ERROR")) for line in mp["out"]), mp["out"]
    cp = run_cpython(PROBE, files, tmp_path)
    got, expected = json.loads(mp["out"][-1]), json.loads(cp[-1])
    assert got == expected
    assert expected[1] == [0, 10, 30, 100, 300, 1000, 3000]
