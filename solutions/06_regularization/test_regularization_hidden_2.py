"""Hidden tests for 06_regularization, part 2: batch, layer, group and instance normalization.

Forward passes are compared with the reference. Backward passes are graded against centred
differences (any correct backward formula passes) and exact shapes. Where the student's forward
agrees with the reference, its gradient is the correct layer's: the differences of the reference
forward, computed once per grading process (no student calls). Where the student's forward gives
wrong outputs (graded by its own tests), the backward, which still reads its own forward's cache,
passes when it is the gradient of either the correct forward or the student's (differenced in the
worker): a forward bug is not charged again to the backward unless it corrupts the cache, and the
feedback then says to fix the forward first.
"""

import contextlib

import numpy as np

from grader.checks import (assert_close, assert_equal, assert_shape, call_each, call_unchanged, expect_raises,
                           graded, iterate, memoized, unpack)
from grader.errors import GlobalRandomUsed, StudentError

SEEDS = (0, 1, 2)
FWD = dict(rtol=1e-7, atol=1e-10)   # closed-form forward: admits any float reordering
NUM = dict(rtol=1e-5, atol=1e-6)    # backward against centred differences (h = 1e-6)


def _label(what, kw):
    """Names the case without revealing numbers: "out (eps set)", "out (training mode; momentum and eps set)"."""
    if not kw:
        return what
    names = f"{' and '.join(kw)} set"
    return f"{what[:-1]}; {names})" if what.endswith(")") else f"{what} ({names})"


def _affine_params(rng, d):
    return rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d), rng.normal(size=d)


def _state(rng, d):
    return {"running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 3.0, size=d)}


@contextlib.contextmanager
def _empty_state_hint():
    """A KeyError from batchnorm_forward on a call with an empty state gets the reason in its feedback (the
    exception's own message, the key, is withheld)."""
    try:
        yield
    except StudentError as err:
        if not err.is_a("KeyError") or isinstance(err, GlobalRandomUsed):
            raise
        raise AssertionError(f"{err} (on a call with an empty state {{}}: an empty dict means running mean 0 "
                             "and running var 1)") from None


def _bn_outputs(result):
    out, new_state, cache = unpack(result, 3, "batchnorm_forward")
    assert isinstance(new_state, dict) and "running_mean" in new_state and "running_var" in new_state, \
        "batchnorm_forward must return new_state as a dict with 'running_mean' and 'running_var'"
    return out, new_state, cache


def _numeric_grads(name, forward, args, dout, kwargs=None, h=1e-6):
    """Centred-difference gradients of ``sum(forward(*args, **kwargs)[0] * dout)`` with respect to
    ``args[0]``, ``args[1]`` and ``args[2]`` (x, gamma, beta).

    What ``checks.numeric_grad_call`` does for one argument, for all three at once: every perturbed
    forward call goes to the worker in ONE round trip (only ``out`` comes back, not the cache), and
    the differences are computed here.
    """
    kwargs = dict(kwargs or {})
    calls = []
    for i in range(3):
        base = np.array(args[i], dtype=np.float64)
        for idx in np.ndindex(base.shape):
            for step in (h, -h):
                z = base.copy()
                z[idx] += step
                calls.append((tuple(args[:i]) + (z,) + tuple(args[i + 1:]), kwargs))
    values = []
    for out in call_each(forward, calls, output=0):
        assert_shape(f"{name} output", out, dout.shape)
        values.append(float(np.sum(np.asarray(out, dtype=np.float64) * dout)))
    values = np.array(values).reshape(-1, 2)
    diffs = (values[:, 0] - values[:, 1]) / (2 * h)
    sizes = np.cumsum([0] + [np.size(a) for a in args[:3]])
    return [diffs[sizes[i]:sizes[i + 1]].reshape(np.shape(args[i])) for i in range(3)]


@memoized  # fixed inputs: computed once per grading process, not once per student
def _reference_numerics(ref, fwd, args, dout, kwargs):
    """(the reference forward's output at ``args``, its centred-difference gradients there)."""
    forward = getattr(ref, fwd)
    return forward(*args, **kwargs)[0], _numeric_grads(fwd, forward, args, dout, kwargs)


def _agrees(out, out_ref):
    """The forward's output matches the reference's within FWD, with the same shape."""
    try:
        a = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != np.shape(out_ref):
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(a - out_ref) <= FWD["atol"] + FWD["rtol"] * np.abs(out_ref)))


def _all_close(grads, numeric):
    """Whether assert_close would pass every gradient against ``numeric`` (NUM), without raising."""
    try:
        pairs = [(np.asarray(g, dtype=np.float64), n) for g, n in zip(grads, numeric)]
    except (TypeError, ValueError):
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        return all(g.shape == n.shape and bool(np.all(np.isfinite(g)))  # inf <= inf would pass below
                   and bool(np.all(np.abs(g - n) <= NUM["atol"] + NUM["rtol"] * (np.abs(g) + np.abs(n))))
                   for g, n in pairs)


def _check_backward(layer, grads, student, ref, args, dout, out, kwargs=None):
    """grads from the student's ``<layer>_backward`` vs numerical gradients of the correct
    ``<layer>_forward`` or, where the student's forward's output ``out`` (at ``args``) is wrong, of
    either forward.

    ``<layer>_forward(*args, **kwargs)`` returns a tuple starting with the output, and ``args`` start
    with (x, gamma, beta).
    """
    kwargs = dict(kwargs or {})
    fwd = f"{layer}_forward"
    grads = unpack(grads, 3, f"{layer}_backward")
    for label, g, arg in zip(("dx", "dgamma", "dbeta"), grads, args):
        assert_shape(label, g, np.shape(arg))
    out_ref, correct = _reference_numerics(ref, fwd, args, dout, kwargs)
    if _agrees(out, out_ref):
        # the student's forward is the correct layer here, so the correct layer's gradient is the
        # gradient of their forward: no need to difference it in the worker
        for label, g, g_num in zip(("dx", "dgamma", "dbeta"), grads, correct):
            assert_close(f"{label} (vs numerical gradient of the forward)", g, g_num, **NUM)
        return
    # A wrong forward: the gradient of the correct layer is right, and so is the gradient of the
    # student's own forward (a backward consistent with it), unless that forward's output does not
    # change with each of x, gamma and beta: a gradient of zeros for the inputs it ignores would then
    # pass without any math (a forward of zeros + beta, and dbeta = dout's sum, passed every norm).
    if _all_close(grads, correct):
        return
    try:
        own = _numeric_grads(fwd, getattr(student, fwd), args, dout, kwargs)
        if _all_close(grads, own) and all(np.any(np.abs(n) > NUM["atol"]) for n in own):
            return
    except (AssertionError, StudentError):
        pass  # the forward fails on the perturbed inputs: only the correct gradient is left
    for label, g, g_num in zip(("dx", "dgamma", "dbeta"), grads, correct):
        assert_close(f"{label} (your {fwd} gives wrong outputs, and this matches the numerical gradient of "
                     f"neither the correct forward nor yours: fix {fwd} first, the values it caches may be "
                     "wrong too)", g, g_num, **NUM)


# ----------------------------------------------------------------------------------------------
# batch norm
# ----------------------------------------------------------------------------------------------

@graded("batchnorm_forward", weight=1)
def test_batchnorm_forward_train_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=rng.normal(size=5) * 3, scale=rng.uniform(0.5, 4.0, size=5), size=(16, 5))
        gamma, beta = _affine_params(rng, 5)
        state = _state(rng, 5)
        for kw in ({}, {"momentum": 0.7, "eps": 1e-3}):
            out, new_state, _ = _bn_outputs(call_unchanged(student.batchnorm_forward, x, gamma, beta, state,
                                                           train=True, **kw))
            r_out, r_state, _ = ref.batchnorm_forward(x, gamma, beta, state, train=True, **kw)
            assert_close(_label("out (training mode)", kw), out, r_out, **FWD)
            assert_close(_label("new_state['running_mean']", kw), new_state["running_mean"],
                         r_state["running_mean"], **FWD)
            assert_close(_label("new_state['running_var'] (biased batch variance)", kw), new_state["running_var"],
                         r_state["running_var"], **FWD)
    # training mode from an empty state: defaults written into the caller's dict would leak into its next
    # call, and the non-empty states above cannot show that
    with _empty_state_hint():
        result = call_unchanged(student.batchnorm_forward, x, gamma, beta, {}, train=True)
    out, new_state, _ = _bn_outputs(result)
    r_out, r_state, _ = ref.batchnorm_forward(x, gamma, beta, {}, train=True)
    assert_close("out (training mode, empty state)", out, r_out, **FWD)
    for key in ("running_mean", "running_var"):
        assert_close(f"new_state['{key}'] (training mode, empty state: running mean 0, running var 1)",
                     new_state[key], r_state[key], **FWD)


@graded("batchnorm_forward", weight=1)
def test_batchnorm_forward_running_stats_over_steps(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        gamma, beta = _affine_params(rng, 4)
        xs = [rng.normal(loc=2.0, scale=3.0, size=(12, 4)) for _ in range(6)]
        # six training steps in the worker, each fed the state the previous step returned
        with _empty_state_hint():
            outs = iterate(student.batchnorm_forward, (xs[0], gamma, beta, {}), [{0: x} for x in xs], {3: 1},
                           kwargs={"train": True, "momentum": 0.8})
        r_state = {}  # empty state: running mean 0, running var 1
        for step, x in enumerate(xs):
            assert step < len(outs), "batchnorm_forward must return (out, new_state, cache)"
            _, state, _ = _bn_outputs(outs[step])
            _, r_state, _ = ref.batchnorm_forward(x, gamma, beta, r_state, train=True, momentum=0.8)
            for key in ("running_mean", "running_var"):
                assert_close(f"new_state['{key}'] after {step + 1} training steps fed back in",
                             state[key], r_state[key], **FWD)
        x = rng.normal(loc=2.0, scale=3.0, size=(7, 4))
        out, _, _ = _bn_outputs(student.batchnorm_forward(x, gamma, beta, state, train=False, momentum=0.8))
        assert_close("out (inference after training steps)", out,
                     ref.batchnorm_forward(x, gamma, beta, r_state, train=False)[0], **FWD)


@graded("batchnorm_forward", weight=1)
def test_batchnorm_forward_inference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=1.0, scale=2.0, size=(9, 6))
        gamma, beta = _affine_params(rng, 6)
        state = _state(rng, 6)
        out, new_state, _ = _bn_outputs(call_unchanged(student.batchnorm_forward, x, gamma, beta, state,
                                                       train=False))
        assert_close("out (inference uses running statistics, then gamma and beta)", out,
                     ref.batchnorm_forward(x, gamma, beta, state, train=False)[0], **FWD)
        for key in ("running_mean", "running_var"):
            assert_equal(f"new_state['{key}'] (inference must not change the running statistics)",
                         new_state[key], state[key])
        with _empty_state_hint():
            result = call_unchanged(student.batchnorm_forward, x, gamma, beta, {}, train=False, eps=1e-2)
        out, _, _ = unpack(result, 3, "batchnorm_forward")
        assert_close("out (inference with an empty state: running mean 0, running var 1; eps set)", out,
                     ref.batchnorm_forward(x, gamma, beta, {}, train=False, eps=1e-2)[0], **FWD)


@graded("batchnorm_backward", weight=3)
def test_batchnorm_backward_numerical(student, ref):
    # a wrong backward formula shows on any generic input: small, non-square inputs keep the
    # 2 * (x.size + 2 * D) perturbed forward calls (one round trip) cheap
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=1.0, scale=2.0, size=(4, 3))
        gamma, beta = _affine_params(rng, 3)
        dout = rng.normal(size=x.shape)
        # an explicit state, not {}: in training mode the state does not change out, and a forward that
        # cannot start from an empty state (its own tests charge that) must not cost the backward too
        state = {"running_mean": np.zeros(3), "running_var": np.ones(3)}
        out, _, cache = _bn_outputs(student.batchnorm_forward(x.copy(), gamma, beta, state, train=True))
        grads = call_unchanged(student.batchnorm_backward, dout, cache)
        _check_backward("batchnorm", grads, student, ref, (x, gamma, beta, state), dout, out, {"train": True})


# ----------------------------------------------------------------------------------------------
# layer norm
# ----------------------------------------------------------------------------------------------

@graded("layernorm_forward", weight=1)
def test_layernorm_forward_matches_reference(student, ref):
    for seed, kw in zip(SEEDS, ({}, {"eps": 1e-2}, {})):
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=rng.normal(size=(10, 1)) * 3, scale=rng.uniform(0.5, 3.0, size=(10, 1)), size=(10, 7))
        gamma, beta = _affine_params(rng, 7)
        out, _ = unpack(call_unchanged(student.layernorm_forward, x, gamma, beta, **kw), 2, "layernorm_forward")
        assert_close(_label("out", kw), out, ref.layernorm_forward(x, gamma, beta, **kw)[0], **FWD)


@graded("layernorm_backward", weight=2)
def test_layernorm_backward_numerical(student, ref):
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=-1.0, scale=2.0, size=(3, 4))
        gamma, beta = _affine_params(rng, 4)
        dout = rng.normal(size=x.shape)
        out, cache = unpack(student.layernorm_forward(x.copy(), gamma, beta), 2, "layernorm_forward")
        grads = call_unchanged(student.layernorm_backward, dout, cache)
        _check_backward("layernorm", grads, student, ref, (x, gamma, beta), dout, out)


# ----------------------------------------------------------------------------------------------
# group norm and instance norm
# ----------------------------------------------------------------------------------------------

@graded("groupnorm_forward", weight=2)
def test_groupnorm_forward_matches_reference(student, ref):
    for seed, (C, groups) in zip((0, 1, 2, 0), ((4, 1), (4, 2), (4, 4), (6, 3))):
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=rng.normal(size=(1, C, 1, 1)) * 2, scale=2.0, size=(3, C, 3, 2))
        gamma, beta = _affine_params(rng, C)
        out, _ = unpack(call_unchanged(student.groupnorm_forward, x, gamma, beta, groups),
                        2, "groupnorm_forward")
        assert_close("out (a valid number of groups)", out,
                     ref.groupnorm_forward(x, gamma, beta, groups)[0], **FWD)
    out, _ = unpack(student.groupnorm_forward(x, gamma, beta, 2, eps=1e-2), 2, "groupnorm_forward")
    assert_close("out (eps set)", out, ref.groupnorm_forward(x, gamma, beta, 2, eps=1e-2)[0], **FWD)


@graded("groupnorm_forward", weight=1)
def test_groupnorm_forward_rejects_indivisible_groups(student):
    rng = np.random.default_rng(0)
    for C, groups, hw in ((6, 4, (2, 2)), (4, 3, (3, 1))):
        x = rng.normal(size=(2, C) + hw)
        out, _ = unpack(student.groupnorm_forward(x, np.ones(C), np.zeros(C), 2), 2, "groupnorm_forward")
        assert_shape("out (valid groups must not raise)", out, x.shape)
        expect_raises("ValueError", student.groupnorm_forward, x, np.ones(C), np.zeros(C), groups)


@graded("groupnorm_backward", weight=2)
def test_groupnorm_backward_numerical(student, ref):
    # C = 6 in 3 groups of 2 channels: catches groups and channels-per-group swapped (3 vs 2),
    # interleaved groups, per-channel (instance) or per-sample (layer) statistics; 1 group catches
    # the same swap the other way round and size-1 group axes
    rng = np.random.default_rng(5)
    for groups in (3, 1):
        x = rng.normal(loc=0.5, scale=2.0, size=(2, 6, 1, 2))
        gamma, beta = _affine_params(rng, 6)
        dout = rng.normal(size=x.shape)
        out, cache = unpack(student.groupnorm_forward(x.copy(), gamma, beta, groups), 2, "groupnorm_forward")
        grads = call_unchanged(student.groupnorm_backward, dout, cache)
        _check_backward("groupnorm", grads, student, ref, (x, gamma, beta, groups), dout, out)


@graded("instancenorm_forward", weight=1)
def test_instancenorm_forward_equals_groupnorm_with_c_groups(student, ref):
    for seed, kw in zip(SEEDS, ({}, {"eps": 1e-2}, {})):
        rng = np.random.default_rng(seed)
        x = rng.normal(loc=rng.normal(size=(2, 3, 1, 1)) * 2, scale=2.0, size=(2, 3, 4, 3))
        gamma, beta = _affine_params(rng, 3)
        out, _ = unpack(call_unchanged(student.instancenorm_forward, x, gamma, beta, **kw),
                        2, "instancenorm_forward")
        assert_close(_label("out (instance norm = group norm with one group per channel)", kw), out,
                     ref.groupnorm_forward(x, gamma, beta, 3, **kw)[0], **FWD)


@graded("instancenorm_backward", weight=1)
def test_instancenorm_backward_numerical(student, ref):
    rng = np.random.default_rng(8)
    x = rng.normal(loc=-0.5, scale=2.0, size=(2, 3, 2, 2))
    gamma, beta = _affine_params(rng, 3)
    dout = rng.normal(size=x.shape)
    out, cache = unpack(student.instancenorm_forward(x.copy(), gamma, beta), 2, "instancenorm_forward")
    grads = call_unchanged(student.instancenorm_backward, dout, cache)
    _check_backward("instancenorm", grads, student, ref, (x, gamma, beta), dout, out)
