"""05's layer_activation_stats: feedback on wrong stats says which column is wrong, or why both are."""

import pytest

from tests.conftest import grade, make_submission, reference_source


STATS_FEEDBACK = {  # 05's layer_activation_stats: which column is wrong, or why both are
    "ddof1": ("h.mean(), h.std(ddof=1)", "stats[:, 1] (each layer's output stds"),
    "swapped": ("h.std(), h.mean()", "the two columns are swapped"),
    "order": (None, "check the draw order"),
}


@pytest.mark.parametrize("case", sorted(STATS_FEEDBACK))
def test_layer_activation_stats_feedback_says_what_is_wrong(course, tmp_path, case):
    """Feedback on wrong stats tells the means from the stds, and points to the layer outputs (draw
    order, chaining, activation) only when both differ and are not merely swapped."""
    aid = "05_initialization"
    moments, phrase = STATS_FEEDBACK[case]
    x_line = "    h = rng.standard_normal((batch_size, width))\n"
    body = (("    Ws = [init((width, width), rng) for _ in range(depth)]\n" + x_line) if moments is None else x_line)
    extra = f'''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    f = {{"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
         "linear": lambda z: z}}[activation]
{body}    rows = []
    for layer in range(depth):
        h = f(h @ ({"Ws[layer]" if moments is None else "init((width, width), rng)"}))
        rows.append(({moments or "h.mean(), h.std()"}))
    return np.array(rows)
'''
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    test = next(t for t in a.tests if t.name == "test_layer_activation_stats_matches_reference")
    assert test.status == "failed" and phrase in test.feedback, test.feedback
