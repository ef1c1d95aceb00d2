"""The learning views' pure logic (www/app/views_logic.py), as the page runs it."""

import math
import random

import pytest

from app import views_logic as v
from charlm.inspection import snapshot_steps


def test_snapshot_schedule_matches_charlm():
    kept = snapshot_steps(100000)
    assert [s for s in range(100001) if v.is_snapshot_step(s)] == kept


def test_shade_levels():
    assert v.shade(0) == 0 and v.shade(-1) == 0
    assert v.shade(v.SHADE_TOP_NATS) == v.SHADES - 1 and v.shade(50) == v.SHADES - 1
    assert [v.shade(x) for x in (0.1, 1, 2, 3, 4, 5)] == sorted(v.shade(x) for x in (0.1, 1, 2, 3, 4, 5))


def test_units_and_detail_line():
    assert v.surprise_unit("bits") == "bits" and v.surprise_unit("perplexity") == "nats"
    assert v.in_unit(math.log(2), "bits") == pytest.approx(1)
    line = v.describe_char(" ", math.log(4), [(" ", 0.25), ("e", 0.2)], "bits")
    assert line.startswith("space: the model gave it 25%, a surprise of 2.00 bits")
    assert "'e' 20%" in line


def test_surprise_summary_names_both_means():
    res = {"step": 50, "windows": [{"text": "ab", "surprise": [1.0, 3.0]}], "shown_mean": 2.0,
           "mean": 2.5, "count": 4096, "plot_val_loss": 2.5}
    text = v.surprise_summary(res, "nats")
    assert "these 2 validation characters: 2.000 nats" in text and "4096 validation predictions" in text
    assert "the plot shows 2.500 nats for this step" in text


def test_attention_sentence_names_the_three_most_attended():
    chars, w = list("The"), [0.2, 0.5, 0.3]
    assert v.top_attended(chars, w) == [(1, "h", 0.5), (2, "e", 0.3), (0, "T", 0.2)]
    s = v.attention_sentence(0, 2, chars, w)
    assert s.startswith("Layer 1, head 3") and "'h' at position 2 (50%)" in s


def test_run_labels_name_what_differs():
    a = {"model": "bigram", "preset": "small", "lr": 0.1, "batch_size": 32, "corpus": "fables", "seed": 0}
    b = dict(a, model="transformer", lr=0.005)
    c = dict(a, corpus=None)
    assert v.run_labels([a, b]) == ["bigram, lr 0.1", "transformer, lr 0.005"]
    assert v.run_labels([a, c]) == ["text fables", "text own"]
    assert v.run_labels([a, dict(a)]) == ["run 1", "run 2"]


def test_kept_csv_has_a_column_pair_per_kept_run():
    kept = [{"losses": [3.0, 2.0, 1.5], "val_losses": [(0, 3.1), (2, 1.6)]}]
    csv = v.kept_csv([4.0], [(0, 4.1)], kept, ["mlp"])
    lines = csv.splitlines()
    assert lines[0] == 'step,train_loss,val_loss,"mlp train","mlp val"'
    assert lines[1] == "0,4.000000,4.100000,3.000000,3.100000"
    assert lines[3] == "2,,,1.500000,1.600000"
    assert len(lines) == 4


def test_split_copied_and_sentence():
    assert v.split_copied("abcdef", [(1, 3), (4, 6)]) == [("a", False), ("bc", True), ("d", False), ("ef", True)]
    assert v.split_copied("café", []) == [("café", False)]
    assert v.split_copied("", []) == []
    assert v.copied_sentence(0.314, 10, [(0, 5)]).startswith("31% of this sample is copied from the training text "
                                                            "in runs of 10+ characters")
    assert v.copied_sentence(0, 10, []).startswith("None of this sample")


def test_surprise_summary_without_the_full_mean_names_the_plots_latest():
    res = {"step": 57, "windows": [{"text": "ab", "surprise": [1.0, 3.0]}], "shown_mean": 2.0, "mean": None,
           "count": 1408, "plot_val_loss": None, "latest_val": [50, 2.25]}
    text = v.surprise_summary(res, "nats")
    assert "these 2 validation characters: 2.000 nats." in text
    assert "was 2.250 nats at step 50" in text and "1408 predictions" in text


def test_character_map_labels_never_cover_each_other_when_there_is_room():
    rng = random.Random(3)
    box, width, height = (10, 16), 320, 260
    # clusters of near-identical embeddings, as a model that treats letters alike draws them
    points = [(160 + rng.uniform(-3, 3), 130 + rng.uniform(-3, 3)) for _ in range(12)]
    points += [(rng.uniform(0, width), rng.uniform(0, height)) for _ in range(30)]
    spots = v.place_labels(points, box, width, height)
    assert len(spots) == len(points)
    for i, (x, y) in enumerate(spots):
        assert box[0] / 2 <= x <= width - box[0] / 2 or spots[i] == points[i]
        for px, py in spots[:i]:
            assert abs(x - px) >= box[0] or abs(y - py) >= box[1], (i, (x, y), (px, py))
    # a label moves only when its own place is taken, and then no further than three label sizes
    assert spots[0] == points[0]
    assert all(abs(x - a) <= 3 * box[0] and abs(y - b) <= 3 * box[1] for (x, y), (a, b) in zip(spots, points))


def test_a_crowded_character_map_keeps_the_labels_it_cannot_place_on_their_points():
    points = [(5.0, 5.0)] * 40  # more labels than free places near a corner
    spots = v.place_labels(points, (10, 16), 30, 30)
    assert spots[0] == (5.0, 5.0) and spots[-1] == (5.0, 5.0)


def test_every_weight_group_of_every_model_is_named_in_words():
    from charlm import build_model
    from charlm.inspection import weight_groups
    for kind in ("bigram", "mlp", "transformer"):
        for key in weight_groups(build_model(kind, vocab_size=20, context=8, seed=0)):
            label = v.weight_group_label(key)
            assert label.startswith(key + " (") and label.endswith(")") and len(label) > len(key) + 5, label
    assert v.weight_group_label("blocks.1") == "blocks.1 (transformer block 2)"
    assert v.weight_group_label("something_new") == "something_new"
