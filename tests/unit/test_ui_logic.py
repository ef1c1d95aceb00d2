"""The page's pure main-thread logic (settings, plot arithmetic, CSV and summaries, the generated script)."""

import csv
import io
import math

import pytest

from app import loss_plot_math as plot
from app import loss_text as losses
from app import progress, settings
from app import run_script as script

# ---- settings -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "abc", "-0.1", "0", "nan", "inf", "1e999"])
def test_learning_rate_must_be_a_positive_number(text):
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        settings.read_lr(text)


def test_learning_rate_accepts_decimal_comma_and_exponents():
    assert settings.read_lr("0,01") == 0.01
    assert settings.read_lr(" 3e-3 ") == 0.003


def test_whole_number_settings_name_the_setting_and_range():
    assert settings.read_int("batch", "32") == 32
    with pytest.raises(ValueError, match=r"batch size must be a whole number from 1 to 256 \(got \"0\"\)"):
        settings.read_int("batch", "0", "batch size")
    with pytest.raises(ValueError, match="context"):
        settings.read_int("context", "2.5")


def test_query_string_keeps_valid_settings_and_explains_the_rest():
    got, problems = settings.parse_query("?model=mlp&lr=0.01&batch=abc&embed=1&colour=red&corpus=my%20text",
                                         corpora=["my text"])
    assert got == {"model": "mlp", "lr": 0.01, "embed": True, "corpus": "my text"}
    assert len(problems) == 2
    assert any(p.startswith("batch:") for p in problems) and any("colour" in p for p in problems)


def test_query_rejects_unknown_model_and_corpus():
    got, problems = settings.parse_query("model=lstm&corpus=nope", corpora=["a", "b"],
                                         models=["bigram", "mlp", "transformer"])
    assert got == {}
    assert "bigram, mlp, transformer" in problems[0] and "a, b" in problems[1]


def test_unquote_decodes_utf8_and_refuses_broken_escapes():
    assert settings.unquote("caf%C3%A9+au%20lait") == "café au lait"
    with pytest.raises(ValueError, match="two hex digits"):
        settings.unquote("100%")


# ---- plot arithmetic ------------------------------------------------------------------------------------------

def test_units_convert_nats_to_bits_and_perplexity():
    assert plot.convert(math.log(2), "bits") == pytest.approx(1.0)
    assert plot.convert(math.log(65), "perplexity") == pytest.approx(65.0)
    assert plot.convert(2.5, "nats") == 2.5
    assert math.isfinite(plot.convert(1e6, "perplexity"))


@pytest.mark.parametrize("lo, hi", [(0, 4.3), (0, 1.0), (0, 0.07), (0, 250), (0, 12345)])
def test_ticks_are_round_and_cover_the_range(lo, hi):
    t = plot.ticks(lo, hi, 5)
    assert 3 <= len(t) <= 11
    assert t[0] >= lo and t[-1] <= hi + 1e-9 and hi - t[-1] <= (t[1] - t[0]) + 1e-9
    step = t[1] - t[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)


def test_y_range_reaches_the_uniform_guess_and_ignores_non_finite():
    lo, hi = plot.y_range([2.0, float("nan"), 1.5], refs=[4.17, 3.0])
    assert lo == 0 and 4.17 < hi < 4.6


def test_x_range_grows_in_round_jumps():
    assert plot.x_range(3) == (0, 10)
    lo, hi = plot.x_range(137)
    assert hi >= 138 and hi % 10 == 0


def test_smoothing_is_bias_corrected():
    assert plot.smooth([4.0, 4.0, 4.0]) == pytest.approx([4.0, 4.0, 4.0])
    s = plot.smooth([4.0] + [2.0] * 200)
    assert s[0] == pytest.approx(4.0) and s[-1] == pytest.approx(2.0, abs=1e-3)


def test_thinning_keeps_spikes_and_the_last_point():
    points = [(i, 1.0) for i in range(10000)]
    points[5000] = (5000, 9.0)
    thin = plot.thin(points, 200)
    assert len(thin) <= 220
    assert (5000, 9.0) in thin and thin[-1] == points[-1]


def test_epoch_marks_fall_where_a_pass_over_the_text_ends():
    marks = plot.epoch_marks(tokens_per_step=512, train_chars=10240, last_step=65)
    assert marks == [(1, 20.0), (2, 40.0), (3, 60.0)]


def test_scale_maps_corners_and_clamps():
    s = plot.Scale((50, 10, 400, 200), (0, 100), (0, 5))
    assert (s.x(0), s.x(100)) == (50, 450)
    assert (s.y(0), s.y(5)) == (210, 10)
    assert s.y(99) == 10


# ---- CSV, summaries, table ------------------------------------------------------------------------------------

def test_csv_has_one_row_per_step_and_val_only_where_evaluated():
    text = losses.to_csv([4.1, 3.9, 3.7], [(0, 4.2), (2, 3.8)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["step", "train_loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert float(rows[2][1]) == pytest.approx(3.9) and rows[2][2] == ""
    assert float(rows[3][2]) == pytest.approx(3.8)


def test_summary_reads_as_a_sentence():
    assert losses.summary([], [], 4.17).startswith("No training steps yet.")
    s = losses.summary([4.0, 3.0, 2.0], [(2, 2.2)], 4.17)
    assert "After 3 steps" in s and "2.00" in s and "4.00" in s and "validation loss 2.20 at step 2" in s


def test_table_rows_average_between_milestones():
    rows = losses.table_rows([float(i) for i in range(101)], [(100, 7.0)])
    steps = [r[0] for r in rows]
    assert steps[0] == 0 and steps[-1] == 100 and len(rows) <= 12
    assert rows[1][1] == pytest.approx(sum(range(1, steps[1] + 1)) / steps[1])
    assert rows[-1][2] == 7.0


# ---- progress: milestones, time, speed ------------------------------------------------------------------------

def test_milestones_due_once_each():
    assert progress.due_milestones(0, set()) == [0]
    assert progress.due_milestones(120, {0}) == [30, 100]
    assert progress.due_milestones(120, {0, 30, 100}) == []


def test_time_reads_as_minutes_and_hours():
    assert progress.format_seconds(95.7) == "1:35"
    assert progress.format_seconds(3725) == "1:02:05"
    assert progress.format_count(1234567.9) == "1,234,567"


def test_clock_counts_wall_time_while_training_only():
    clock = progress.Clock()
    clock.start(10.0)
    clock.add(0.4, 1000)          # the worker computed 0.4 s of the first second
    assert clock.wall(11.0) == 1.0 and clock.chars_per_second(11.0) == 1000.0
    clock.stop(12.0)
    assert clock.wall(50.0) == 2.0  # paused: the clock stands still
    clock.start(60.0)
    assert clock.wall(61.0) == 3.0 and clock.compute == 0.4


# ---- the generated script -------------------------------------------------------------------------------------

RUN = {"model": "mlp", "preset": "small", "context": 8, "batch_size": 4, "lr": 0.01, "seed": 3, "grad_clip": 1.0}


def test_script_for_a_builtin_text_is_valid_python_with_the_four_lines():
    src = script.make_script({**RUN, "corpus": "lesson"}, 12)
    compile(src, "run.py", "exec")
    for line in ("for step in range(12):", "charlm.texts.load('lesson')", "np.random.default_rng(3)",
                 "lr=0.01, grad_clip=1.0"):
        assert line in src
    body = src.split("for step in range(12):\n", 1)[1].split("\n\n", 1)[0].splitlines()
    code = [line.split("#")[0].strip() for line in body]
    assert code[1:5] == ["logits = model(inputs)", "loss = cross_entropy(logits, targets)", "loss.backward()",
                         "optimizer.step()"], "the loop is the lesson's four lines, after drawing the batch"
    assert "pip install charlm " not in src and "charlm_lesson" in src


def test_script_embeds_the_learners_own_text_exactly():
    text = 'Quotes " and \' and \\ backslashes,\nunicode: café ☕, and a long line ' + "word " * 40 + "\n\nend"
    src = script.make_script({**RUN, "text": text}, 5)
    namespace = {}
    exec(src.split("data = ")[0].replace("import charlm", ""), namespace)
    assert namespace["text"] == text


def test_script_splits_a_long_single_line_text_and_keeps_it_exact():
    text = ("abcdefghij " * 30_000).strip() + "x" * 500  # 330 KB on one line, and a long run without spaces
    literal = script.text_literal(text)
    assert eval(literal) == text
    assert max(len(line) for line in literal.splitlines()) < 90


def test_script_replays_learning_rate_changes():
    src = script.make_script({**RUN, "corpus": "lesson"}, 50, lr_changes=[(20, 0.001), (70, 0.5)])
    assert "lr_changes = {20: 0.001}" in src and "optimizer.lr = lr_changes[step]" in src


def test_form_limits_come_from_charlm_and_the_fallback_agrees_with_it():
    import charlm.checks
    limits = settings.form_limits(charlm.checks.describe_limits())
    assert limits == settings.LIMITS, "the page's fallback limits (used before info() arrives) drifted from charlm's"
    assert limits["batch"] == tuple(charlm.checks.LIMITS["batch_size"])
    with pytest.raises(ValueError, match="from 1 to 256"):
        settings.read_int("batch", "257", "batch size", limits)


# ---- honest wording, units, label layout, the page address ----------------------------------------------------

def test_summary_never_says_down_from_when_the_loss_went_up():
    up = losses.summary([4.0, 5.0, 9.0, 30.0], [], 4.17)
    assert "down from" not in up and "up from 4.00" in up
    flat = losses.summary([2.0, 2.0], [], 4.17)
    assert "down from" not in flat and "up from" not in flat and "no lower than 2.00" in flat
    down = losses.summary([4.0, 3.0, 2.0], [], 4.17)
    assert "down from 4.00" in down


def test_summary_follows_the_chosen_unit():
    nats = [4.0, 3.0, 2.0]
    bits = losses.summary(nats, [(2, 2.2)], 4.17, "bits")
    assert f"{2.0 / math.log(2):.2f} bits per character" in bits and f"down from {4.0 / math.log(2):.2f}" in bits
    assert f"validation loss {2.2 / math.log(2):.2f}" in bits and "nats" not in bits
    ppl = losses.summary(nats, [], 4.17, "perplexity")
    assert f"the perplexity is {math.exp(2.0):.2f}" in ppl and f"uniform guess scores {math.exp(4.17):.2f}" in ppl
    assert "nats" not in ppl and "bits" not in ppl
    assert "bits per character" in losses.table_caption("bits") and "perplexity" in losses.table_caption("perplexity")
    assert "nats" in losses.summary([], [], 4.17, "nats")


@pytest.mark.parametrize("wanted", [[100, 100, 100], [100, 104, 108], [5, 6, 7], [298, 299, 300], [50, 200, 120],
                                    [150, 151, 30]])
def test_reference_labels_never_collide_and_stay_near_their_lines(wanted):
    gap, lo, hi = 15, 10, 300
    spots = plot.layout_labels(wanted, gap, lo, hi)
    kept = sorted(y for y in spots if y is not None)
    assert kept, "at least one label always fits"
    assert all(b - a >= gap - 1e-9 for a, b in zip(kept, kept[1:]))
    assert all(lo <= y <= hi for y in kept)
    for want, y in zip(wanted, spots):
        if y is not None:
            assert abs(y - want) <= gap


def test_labels_far_apart_stay_exactly_on_their_lines():
    assert plot.layout_labels([40, 120, 200], 15, 10, 300) == [40, 120, 200]


def test_colliding_labels_are_nudged_apart_when_there_is_room():
    spots = plot.layout_labels([100, 101], 15, 10, 300)
    assert None not in spots and abs(spots[0] - spots[1]) >= 15


def test_the_address_written_for_the_settings_reads_back_as_the_same_settings():
    values = {"model": "mlp", "preset": "small", "corpus": "fables", "lr": 0.0125, "batch": 16, "context": 8,
              "seed": 7, "temperature": 1.3}
    query = settings.to_query(values)
    assert query.startswith("?model=mlp&")
    back, problems = settings.parse_query(query, ["fables"], ["bigram", "mlp", "transformer"], ["small"])
    assert problems == [] and back == values
    back, _ = settings.parse_query(settings.to_query(values, embed=True))
    assert back["embed"] is True


def test_the_address_never_carries_the_learners_own_text():
    query = settings.to_query({"model": "bigram", "corpus": "custom", "text": "my diary", "lr": 0.1})
    assert "custom" not in query and "diary" not in query and "text" not in query
    assert settings.parse_query(query)[0] == {"model": "bigram", "lr": 0.1}


def test_quote_round_trips_through_unquote():
    for text in ("a b&c=d", "é/ü?", "0.001"):
        assert settings.unquote(settings.quote(text)) == text


def test_the_sound_series_are_the_plotted_curves_in_the_chosen_unit():
    losses = [4.0 - 0.01 * i for i in range(1000)]
    series = plot.sound_series(losses, [(0, 4.1), (500, 3.2)], "bits", max_points=100)
    train = series["training loss"]
    assert len(train) <= 110 and train[-1][0] == 999  # thinned, the last point kept
    smoothed = plot.smooth([plot.convert(v, "bits") for v in losses])
    assert train[-1][1] == pytest.approx(smoothed[-1])
    assert series["validation loss"] == [(0, pytest.approx(4.1 / math.log(2))), (500, pytest.approx(3.2 / math.log(2)))]
    assert "validation loss" not in plot.sound_series(losses, [], "nats")
    assert plot.unit_value(2.4567, "nats") == "2.46 nats" and plot.unit_value(11.14, "perplexity") == "perplexity 11.1"
