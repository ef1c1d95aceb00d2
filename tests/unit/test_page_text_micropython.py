"""The summary sentence, the label layout and the page address in the page's real MicroPython (under node): the
same probe prints the same lines there as in CPython, so no CPython-only feature hides in them."""

import pytest
from test_micropython import APP, MICROPYTHON, NODE, run_cpython, run_micropython

pytestmark = pytest.mark.skipif(
    NODE is None or not MICROPYTHON.exists(),
    reason="needs node and the MicroPython runtime (run `npm install` in the repository root)")

MODULES = ("__init__.py", "loss_plot_math.py", "loss_text.py", "settings.py")

PROBE = """
from app import loss_text, loss_plot_math, settings
for unit in ("nats", "bits", "perplexity"):
    print(loss_text.summary([4.0, 3.0, 2.5], [(2, 2.6)], 4.17, unit))
    print(loss_text.summary([4.0, 9.0, 300.0], [], 4.17, unit))
    print(loss_text.table_caption(unit))
print(loss_text.summary([2.0, 2.0], [], None))
print(loss_plot_math.layout_labels([100, 101, 102], 15, 10, 300))
print(loss_plot_math.layout_labels([298, 299, 40], 15, 10, 300))
q = settings.to_query({"model": "mlp", "preset": "small", "corpus": "fables", "lr": 0.0125, "batch": 16,
                       "context": 8, "seed": 7, "temperature": 1.3}, embed=True)
print(q)
print(sorted(settings.parse_query(q)[0].items()))
print(settings.quote("a b/\\u00e9"))
"""


def test_the_probe_prints_the_same_in_micropython_as_in_cpython(tmp_path):
    micro = run_micropython(PROBE, {"app/" + name: (APP / name).read_text(encoding="utf-8") for name in MODULES})
    assert not any(line.startswith(("STDERR", "JS ERROR")) for line in micro["out"]), micro["out"]
    assert len(micro["out"]) > 10 and micro["out"] == run_cpython(PROBE, {}, tmp_path)
