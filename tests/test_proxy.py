"""Does the worker boundary carry calls faithfully and contain every kind of failure?"""

import os
import time
from pathlib import Path

import numpy as np
import pytest

import types

from grader.worker import _fingerprint
from grader.checks import (call_each, call_quietly, call_unchanged, describe, expect_raises, iterate,
                           numeric_grad, numeric_grad_call, small_shape)
from grader.errors import BoundaryError, GlobalRandomUsed, StudentCrash, StudentError, StudentTimeout
from grader import proxy
from grader.proxy import Handle, StudentModule, Worker
from grader.runner import HiddenTest, run_test
from grader.sandbox import WorkerSpec

TOY = '''
import numpy as np

COUNT = [0]

def affine(x, W):
    return x @ W, (lambda: x)          # the cache holds a closure: it must stay in the worker

def back(dout, cache):
    return dout * cache()

def inplace(x):
    x += 1
    return x

class Moments:
    def __init__(self):
        self.t = 0

def moments_state():
    return {"moments": Moments()}

def bump(state):
    state["moments"].t += 1
    return state["moments"].t

def with_namespace(x):
    return x, {"lib": np}              # a module in a cache: a namespace, not state

def reads(cache):
    return cache[1]["lib"].sum(cache[0])

def inplace_all(*arrays, c):
    for a in (*arrays, c):
        a[:] = 1

def draw(n, rng):
    return rng.random(n)

def draw_child(n, rng):
    return rng.spawn(1)[0].random(n)

def twice(f, x):
    return f(x) * 2

def spawn_in_callback(f, rng):
    f(rng)
    return rng.spawn(1)[0].random()

def use_rng_callback(init, rng):
    return init((2, 2), rng), rng.random()

def big_argument(f):
    return f(np.zeros(5_000_000))  # 40 MB to a helper that runs in the grader

def huge_shape(init, rng):
    return init((100_000, 100_000), rng)

def sysexit():
    raise SystemExit(0)

def interrupt():
    raise KeyboardInterrupt

class Sneaky(BaseException):
    pass

def sneaky():
    raise Sneaky("not an Exception")

def hard_exit():
    import os
    os._exit(0)

def spin():
    while True:
        pass

def hog():
    return np.ones((50_000, 50_000))

def counter():
    COUNT[0] += 1
    return COUNT[0]

def liar():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)
    return np.zeros(3).view(Liar)

def square(x):
    return float(np.sum(x ** 2))

def raises_value_error():
    raise ValueError("bad drop_prob")

def momentum(w, dw, state=None):
    state = state if state is not None else {"v": np.zeros_like(w), "t": 0}
    state["v"] *= 0.9                  # in place: earlier steps must keep their own values
    state["v"] += dw
    state["t"] += 1
    return w - 0.1 * state["v"], state

def stops(x, k):
    return (x + 1, k) if x < 3 else "done"

def fails_at(x, k):
    if x == k:
        raise ValueError("reached k")
    return x + 1

def loss_of_params(X, params, scale=1.0):
    return scale * float(np.sum((X @ params["W"] + params["b"]) ** 2))

def global_draw(n):
    return np.random.permutation(n)

def global_seed(x):
    np.random.seed(0)                  # a habit the course forbids, even without a draw
    return x

def via_mtrand(n):
    return np.random.mtrand._rand.random_sample(n)

def global_in_steps(x):
    return x + np.random.random()

np.seterr(all="ignore")                # silencing numpy does not hide a warning from call_quietly

def naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

def stable_sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))

def helper_stub(x):
    raise NotImplementedError

def calls_helper_stub(x):
    return helper_stub(x) + 1

def ask_helper_then_stop_reading(helper):
    import os
    cells = [c.cell_contents for c in helper.__closure__]     # the worker's own callback plumbing
    worker = next(c for c in cells if hasattr(c, "sock"))
    cb_id = next(c for c in cells if type(c) is int)
    worker.send({"op": "callback", "cb": cb_id, "args": [], "kwargs": {}})
    r, w = os.pipe()
    os.read(r, 1)                      # never reads the helper's 8 MB reply

def loops_if_negative(x):
    while x < 0:
        pass
    return 2 * x

def calls_loops(x):
    return loops_if_negative(x) + 1

def asks_forever(helper):
    while True:
        helper()

def catches_everything():
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
'''


@pytest.fixture
def student():
    worker = Worker(WorkerSpec(TOY, "toy", ("numpy", "math", "os")), call_seconds=2.0)
    yield StudentModule(worker)
    worker.close()


def test_values_cross_and_unencodable_ones_become_handles(student):
    x = np.arange(6.0).reshape(2, 3)
    out, cache = student.affine(x, np.ones((3, 2)))
    assert np.array_equal(out, x @ np.ones((3, 2)))
    assert isinstance(cache, Handle)
    assert np.array_equal(student.back(np.full((2, 3), 2.0), cache), 2 * x)


def test_feedback_names_what_a_handle_may_be_not_its_class(student):
    """A value the codec refused (an object array from np.frompyfunc, say) comes back as a Handle:
    feedback names the likely causes, not the grader's internal class."""
    _, cache = student.affine(np.ones((2, 3)), np.ones((3, 2)))
    shown = describe(cache)
    assert "Handle" not in shown and "cannot read back" in shown and "dtype object" in shown


def test_a_reset_releases_the_previous_tests_handles_with_the_next_request(student):
    """Between tests the runner resets the worker; the reset travels with the next request, and
    that request already finds the earlier values gone."""
    x = np.arange(6.0).reshape(2, 3)
    _, cache = student.affine(x, np.ones((3, 2)))
    student._worker.reset()
    with pytest.raises(StudentCrash):  # the worker answers a released handle as a garbled request
        student.back(np.ones((2, 3)), cache)
    _, cache = student.affine(x, np.ones((3, 2)))  # a fresh worker serves the calls after it
    assert np.array_equal(student.back(np.full((2, 3), 2.0), cache), 2 * x)


def test_each_worker_starts_with_fresh_global_random_states():
    """Workers fork from one zygote, so without a reseed each would draw the same numbers from
    np.random and random (a student's import-time draw would look deterministic)."""
    source = ("import random\nimport numpy as np\nDRAWN = (np.random.random_sample(4), random.random())\n\n"
              "def drawn():\n    return DRAWN\n")
    draws = []
    for _ in range(2):
        worker = Worker(WorkerSpec(source, "draws", ("numpy", "random")), call_seconds=2.0)
        try:
            draws.append(StudentModule(worker).drawn())
        finally:
            worker.close()
    (a, x), (b, y) = draws
    assert a.shape == (4,) and not np.array_equal(a, b) and x != y


def test_mutation_of_inputs_is_reported(student):
    with pytest.raises(AssertionError, match="modified its input"):
        call_unchanged(student.inplace, np.zeros(3))
    x = np.zeros(3)
    student.inplace(x)
    assert np.array_equal(x, np.zeros(3)), "the grader's copy never changes"
    # an object the worker keeps behind a handle: changing its attributes is a change too
    with pytest.raises(AssertionError, match="modified its input"):
        call_unchanged(student.bump, student.moments_state())
    assert call_unchanged(student.reads, student.with_namespace(np.ones(2))) == 2.0


def test_fingerprint_sees_a_module_by_identity_and_the_rest_by_value():
    # numpy's whole namespace would not encode (the fingerprint was None: no check at all) and took 30 ms
    cache = {"lib": np, "x": np.zeros(2)}
    before = _fingerprint(cache)
    assert before is not None and len(before) < 200
    cache["x"][0] = 1.0
    assert _fingerprint(cache) != before


def test_mutation_feedback_names_the_argument_as_the_reference_does(student):
    """The reference (here a stand-in module) lends its parameter names; without one, or past
    them, the argument is counted from 1; keyword arguments keep their own name. In-process,
    the function's own signature names it."""
    ref = types.SimpleNamespace(inplace=lambda weights: weights, inplace_all=lambda a: a)
    named = StudentModule(student._worker, ref)
    with pytest.raises(AssertionError, match=r"^inplace modified its input 'weights';"):
        call_unchanged(named.inplace, np.zeros(3))
    with pytest.raises(AssertionError, match=r"^inplace modified its input argument 1;"):
        call_unchanged(student.inplace, np.zeros(3))
    with pytest.raises(AssertionError, match=r"^inplace_all modified its input 'a', argument 2 and 'c';"):
        call_unchanged(named.inplace_all, np.zeros(1), np.zeros(2), np.ones(1), c=np.zeros(2))

    def local(x, cache):
        cache.append(x)

    with pytest.raises(AssertionError, match=r"^local modified its input 'cache';"):
        call_unchanged(local, 1.0, [])


def test_generators_advance_exactly_as_in_process(student):
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    assert np.array_equal(student.draw(4, rng), twin.random(4))
    assert rng.random() == twin.random()


def test_spawning_from_a_generator_advances_the_callers_as_in_process(student):
    # rng.spawn(1)[0] leaves the bit generator's state alone and counts a child in its seed sequence:
    # the caller's generator must count it too, or its next call would spawn the same child again.
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    first, second = student.draw_child(3, rng), student.draw_child(3, rng)
    assert np.array_equal(first, twin.spawn(1)[0].random(3)) and np.array_equal(second, twin.spawn(1)[0].random(3))
    assert rng.bit_generator.seed_seq.n_children_spawned == 2
    assert rng.bit_generator.state == twin.bit_generator.state and rng.random() == twin.random()
    # and back: a test helper's spawns reach the student's copy
    rng, twin = np.random.default_rng(4), np.random.default_rng(4)
    assert student.spawn_in_callback(lambda r: r.spawn(2), rng) == twin.spawn(3)[2].random()
    assert rng.bit_generator.seed_seq.n_children_spawned == 3


def test_test_callbacks_run_in_the_grader_and_sync_generators(student):
    assert np.array_equal(student.twice(lambda v: v + 1, np.arange(3.0)), [2.0, 4.0, 6.0])
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    w, after = student.use_rng_callback(lambda shape, r: r.standard_normal(shape), rng)
    assert np.array_equal(w, twin.standard_normal((2, 2))) and after == twin.random()


def test_helpers_refuse_arguments_that_would_make_the_grader_allocate_without_bound(student):
    ran = []
    with pytest.raises(StudentError, match="helper function failed: BoundaryError"):
        student.big_argument(lambda v: ran.append(v.shape))
    assert ran == [], "an argument of more than 32 MB never reaches the helper"
    init = lambda shape, r: r.standard_normal(small_shape(shape))  # noqa: E731 - as 05's test-defined inits
    with pytest.raises(StudentError, match="helper function failed: ValueError"):
        student.huge_shape(init, np.random.default_rng(0))
    assert np.shape(student.use_rng_callback(init, np.random.default_rng(0))[0]) == (2, 2)
    for bad in [(3, -1), (2.5,), 7, (1,) * 9, (10 ** 4, 10 ** 3)]:
        with pytest.raises(ValueError):
            small_shape(bad)
    assert small_shape([np.int64(3), 4]) == (3, 4)


def test_reference_functions_are_never_passed_to_students(student):
    def fake_ref(x):
        return x

    fake_ref.__module__ = "_grader_ref_backprop_0"
    with pytest.raises(BoundaryError, match="reference"):
        student.twice(fake_ref, 1.0)


@pytest.mark.parametrize("fn, exc", [("sysexit", "SystemExit"), ("interrupt", "KeyboardInterrupt"),
                                     ("sneaky", "BaseException")])  # its own class shows as its builtin base
def test_base_exceptions_only_fail_the_call(student, fn, exc):
    with pytest.raises(StudentError) as err:
        getattr(student, fn)()
    assert err.value.type_name == exc
    assert student.counter() >= 1, "the worker is still serving"


def test_hard_exit_costs_the_call_and_the_worker_restarts(student):
    student.counter()
    with pytest.raises(StudentCrash, match="crashed the worker"):
        student.hard_exit()
    assert student.counter() == 1, "a fresh worker (state reset) serves the next call"
    assert student._worker.restarts == 1


def test_infinite_loop_times_out_and_is_killed(student):
    pid = student._worker.process.pid if student._worker.process else None
    student.counter()
    pid = student._worker.process.pid
    t = time.monotonic()
    with pytest.raises(StudentTimeout):
        student.spin()
    assert time.monotonic() - t < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert student.counter() == 1


def test_memory_hog_hits_the_limit(student):
    with pytest.raises((StudentError, StudentCrash)) as err:
        student.hog()
    assert "MemoryError" in str(err.value) or "crashed" in str(err.value)
    assert student.counter() >= 1


def test_lying_ndarray_subclass_arrives_as_plain_array(student):
    out = student.liar()
    assert type(out) is np.ndarray
    assert not np.array_equal(out, np.ones(3))


def test_expect_raises_sees_the_students_exception_class(student):
    expect_raises("ValueError", student.raises_value_error)
    with pytest.raises(AssertionError, match="should raise TypeError"):
        expect_raises("TypeError", student.raises_value_error)


def test_batched_numeric_gradient_matches_the_loop(student):
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert np.allclose(numeric_grad_call(student.square, (x,)), 2 * x, atol=1e-6)


@pytest.fixture
def local():
    """The same toy module imported in-process: what plain pytest gives a hidden test."""
    module = types.ModuleType("toy_local")
    exec(TOY, module.__dict__)
    return module


def _same_outputs(a, b) -> None:
    assert len(a) == len(b)
    for (wa, sa), (wb, sb) in zip(a, b):
        assert np.array_equal(wa, wb) and np.array_equal(sa["v"], sb["v"]) and sa["t"] == sb["t"]


def test_iterate_matches_a_plain_loop_in_one_round_trip(student, local):
    grads = [np.full(3, float(t)) for t in range(1, 6)]
    plan = dict(args=(np.zeros(3), None, None), steps=[{1: g} for g in grads], carry={0: 0, 2: 1})
    remote = iterate(student.momentum, **plan)
    _same_outputs(remote, iterate(local.momentum, **plan))
    w, state = np.zeros(3), None
    for t, g in enumerate(grads):  # the loop a student would write, step by step
        w, state = local.momentum(w, g, state)
        assert np.array_equal(remote[t][0], w) and remote[t][1]["t"] == t + 1
        assert np.array_equal(remote[t][1]["v"], state["v"]), "each step is kept as it was, not as later mutated"


def test_iterate_stops_when_an_output_cannot_be_carried(student, local):
    for fn in (student.stops, local.stops):
        outs = iterate(fn, (0, 7), [{}] * 10, {0: 0})
        assert outs == [(1, 7), (2, 7), (3, 7), "done"]


def test_iterate_reports_the_students_exception(student):
    with pytest.raises(StudentError, match=r"^fails_at raised ValueError: its message is not shown, as it could carry "
                                           r"the hidden inputs \(line \d+, in fails_at\)$"):
        iterate(student.fails_at, (0, 4), [{}] * 10, {0: None})
    with pytest.raises(ValueError, match="positions 2 are not in args"):
        iterate(student.fails_at, (0, 4), [{2: 1}], {})
    with pytest.raises(ValueError, match="Generator cannot be a step value"):
        iterate(student.draw, (2, None), [{1: np.random.default_rng(0)}], {})


def test_iterate_draws_every_step_from_the_same_generator(student, local):
    # as a training loop would: step t continues the stream where step t - 1 stopped, and the
    # Generator passed in ends where the last step left it, in the worker as in-process
    stream = np.random.default_rng(5).random(12)
    for fn in (student.draw, local.draw):
        for args, kwargs in (((3, np.random.default_rng(5)), {}), ((3,), {"rng": np.random.default_rng(5)})):
            outs = iterate(fn, args, [{}] * 4, {}, kwargs)
            assert [list(o) for o in outs] == [list(stream[3 * t:3 * t + 3]) for t in range(4)]
            rng = args[1] if len(args) > 1 else kwargs["rng"]
            assert rng.random() == np.random.default_rng(5).random(13)[12], "the caller's Generator is advanced"


def test_call_each_gives_every_call_a_copy_of_its_generator(student, local):
    rngs = [np.random.default_rng(s) for s in range(4)]
    calls = [((3, r), {}) for r in rngs] + [((3,), {"rng": rngs[0]})]
    remote, here = call_each(student.draw, calls), call_each(local.draw, calls)
    expected = [np.random.default_rng(s).random(3) for s in range(4)]
    for got in (remote, here):
        assert all(np.array_equal(g, e) for g, e in zip(got, expected + expected[:1]))
    assert rngs[0].random() == np.random.default_rng(0).random(), "the originals are not advanced"


def test_call_each_can_bring_back_one_item_of_each_result(student, local):
    calls = [((np.full((2, 3), float(i)), np.ones((3, 2))), {}) for i in range(3)]
    for fn in (student.affine, local.affine):
        outs = call_each(fn, calls, output=0)
        assert [o.tolist() for o in outs] == [np.full((2, 2), 3.0 * i).tolist() for i in range(3)]
    for fn in (student.stops, local.stops):  # (x + 1, k) for x < 3, else "done"
        assert call_each(fn, [((0, 5), {}), ((1, 5), {})], output=1) == [5, 5]
        with pytest.raises(AssertionError, match="stops must return a tuple whose item 1 is checked here, got an object of type str"):
            call_each(fn, [((0, 5), {}), ((4, 5), {})], output=1)


def test_numeric_gradient_with_respect_to_a_dict_entry(student, local):
    rng = np.random.default_rng(1)
    X, params = rng.standard_normal((4, 3)), {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    for key in ("W", "b"):
        slow = numeric_grad(lambda v: local.loss_of_params(X, {**params, key: v}, scale=2.0), params[key])
        for fn in (student.loss_of_params, local.loss_of_params):
            fast = numeric_grad_call(fn, (X, params), (1, key), kwargs={"scale": 2.0})
            assert fast.shape == params[key].shape and np.allclose(fast, slow, atol=1e-8)
    fast = numeric_grad_call(student.loss_of_params, (X,), ("params", "b"), kwargs={"params": params})
    assert np.allclose(fast, numeric_grad(lambda v: local.loss_of_params(X, {**params, "b": v}), params["b"]))


@pytest.mark.parametrize("call", [
    lambda s: s.global_draw(5),
    lambda s: s.global_seed(np.zeros(2)),
    lambda s: s.via_mtrand(3),
    lambda s: call_each(s.global_draw, [((4,), {}), ((4,), {})]),
    lambda s: iterate(s.global_in_steps, (0.0,), [{}] * 3, {0: 0}),
], ids=["draw", "seed only", "through mtrand", "call_each", "iterate"])
def test_use_of_numpys_global_random_state_fails_the_call(student, call):
    with pytest.raises(GlobalRandomUsed, match="global_|via_mtrand") as info:
        call(student)
    assert "take every random number from the rng argument" in str(info.value)
    assert np.array_equal(student.square(np.ones(2)), 2.0), "the worker goes on serving"
    rng = np.random.default_rng(3)
    assert np.array_equal(student.draw(2, rng), np.random.default_rng(3).random(2)), "drawing from rng is fine"


def test_call_quietly_fails_on_any_warning_in_the_worker_and_in_process(student, local):
    z = np.array([-1e4, 0.0, 1e4])
    for module in (student, local):
        with pytest.raises(AssertionError, match=r"naive_sigmoid emitted a warning \(RuntimeWarning: overflow "
                                                 r"encountered in exp"):
            call_quietly(module.naive_sigmoid, z)
        assert np.array_equal(call_quietly(module.stable_sigmoid, z), [0.0, 0.5, 1.0])
    with pytest.raises(AssertionError, match=r"\(line \d+\)"):  # the worker names the student's line
        call_quietly(student.naive_sigmoid, z)
    assert np.array_equal(student.naive_sigmoid(z), [0.0, 0.5, 1.0]), "a plain call ignores warnings"


def test_not_implemented_helper_is_named_not_its_caller(student):
    def hidden(student):
        student.calls_helper_stub(1)

    test = HiddenTest("test_caller", "calls_helper_stub", 1.0, hidden, ("student",))
    assert run_test(test, student, None, None, 5.0) == (
        "error", "helper_stub is not implemented yet (it raised NotImplementedError when calls_helper_stub called it)")
    test = HiddenTest("test_stub", "helper_stub", 1.0, lambda student: student.helper_stub(1), ("student",))
    assert run_test(test, student, None, None, 5.0) == (
        "error", "helper_stub is not implemented yet (it raised NotImplementedError)")


def test_worker_that_stops_reading_cannot_block_the_grader(student):
    start = time.monotonic()
    with pytest.raises(StudentTimeout, match="stopped reading"):
        student.ask_helper_then_stop_reading(lambda: np.zeros((1000, 1000)))
    assert time.monotonic() - start < 10
    assert student.square(np.ones(3)) == 3.0, "a fresh worker serves the next call"


def test_a_student_exit_status_cannot_pass_for_a_confinement_failure():
    """Exit status 111 and the zygote's line in the log mean the worker could not be confined, which
    stops all grading; a submission that fakes both at import must cost only its own grade."""
    # written straight to the log: what print() writes is discarded
    src = "import os\nos.write(1, b'grader: could not confine the worker: ValueError: fake\\n')\nos._exit(111)\n"
    worker = Worker(WorkerSpec(src, "m", ("numpy", "os")))
    try:
        with pytest.raises(StudentCrash, match="could not confine it"):
            worker.ensure_ready()
        assert worker.unconfined == "ValueError: fake", "the status and line were seen, and judged faked"
    finally:
        worker.close()


LEAKY = """
import warnings
import numpy as np

def _code(x):  # the hidden input's digits, spelt in letters
    return "".join("abcdefghij"[int(d)] for d in str(int(x[0] * 1e6)))

def by_message(x):
    raise ValueError(f"{x[0]!r} {_code(x)}")

def by_class(x):
    raise type("Leak_" + _code(x), (ValueError,), {})("x")

def by_key(x):
    return {}[_code(x)]

def by_reshape(x):
    return np.zeros(1).reshape(int(x[0] * 1e6))

def by_function_name(x):
    def inner():
        raise ValueError("x")
    inner.__code__ = inner.__code__.replace(co_name="f_" + _code(x))
    inner()

def by_warning(x):
    warnings.warn("overflow encountered in " + _code(x), RuntimeWarning)
    return x

def by_warning_class(x):
    warnings.warn("x", type("W_" + _code(x), (UserWarning,), {}))
    return x

def honest(x):
    return np.ones((2, 3)) @ x

def by_line_number(x):  # code compiled under this file's name, failing on the line the digits say
    exec(compile("\\n" * (int(x[0] * 1e6) - 1) + "raise ValueError('x')", __file__, "exec"))

def by_warning_line(x):
    warnings.warn_explicit("overflow encountered in exp", RuntimeWarning, __file__, int(x[0] * 1e6))
    return x
"""


def test_feedback_never_carries_what_the_students_code_chose_to_report():
    """Message, exception class, function name, warning text and class are all the student's to
    choose: a submission could spell the hidden input in any of them. Feedback shows builtin
    classes, fixed phrases for common errors, and the module's own function names only."""
    worker = Worker(WorkerSpec(LEAKY, "leaky", ("numpy", "warnings")), call_seconds=5.0)
    secret = np.array([0.123456789])
    feedback = {}
    try:
        student = StudentModule(worker)
        for fn in ("by_message", "by_class", "by_key", "by_reshape", "by_function_name", "honest", "by_line_number"):
            with pytest.raises(StudentError) as err:
                getattr(student, fn)(secret)
            feedback[fn] = str(err.value)
        for fn in ("by_warning", "by_warning_class", "by_warning_line"):
            with pytest.raises(AssertionError) as err:
                call_quietly(getattr(student, fn), secret)
            feedback[fn] = str(err.value)
    finally:
        worker.close()
    for fn, text in feedback.items():
        assert not any(leak in text for leak in ("123456", "bcdefg", "0.12")), (fn, text)
    assert feedback["by_message"].startswith("by_message raised ValueError: its message is not shown, as it could "
                                             "carry the hidden inputs (line 9, in by_message)")
    assert feedback["by_class"].startswith("by_class raised ValueError: its message is not shown")
    assert feedback["by_key"].startswith("by_key raised KeyError: its message is not shown")
    assert feedback["by_reshape"] == ("by_reshape raised ValueError: cannot reshape: the number of entries differs "
                                      "(line 18, in by_reshape)")
    assert "(line 22)" in feedback["by_function_name"]  # the line, not the name it gave itself
    assert feedback["honest"] == ("honest raised ValueError: matmul: the inner dimensions of the two operands differ "
                                  "(line 35, in honest)")
    assert "emitted a warning (RuntimeWarning: its message is not shown" in feedback["by_warning"]
    assert "emitted a warning (Warning: its message is not shown" in feedback["by_warning_class"]
    # a line that holds none of the module's code is dropped (the digits would be the hidden input)
    assert feedback["by_line_number"].startswith("by_line_number raised ValueError: its message is not shown, as it "
                                                 "could carry the hidden inputs") and "line" not in feedback[
                                                     "by_line_number"].partition("hidden inputs")[2], feedback
    assert "emitted a warning (RuntimeWarning: overflow encountered in exp)" in feedback["by_warning_line"]


def test_the_instructors_own_code_gets_its_exceptions_in_full():
    """grader validate grades the references: their messages carry nothing a student may not see."""
    worker = Worker(WorkerSpec(LEAKY, "leaky", ("numpy", "warnings")), call_seconds=5.0, full_errors=True)
    try:
        with pytest.raises(StudentError, match=r"^by_message raised ValueError: np\.float64\(0\.123456789\) bcdefg "
                                               r"\(line 9, in by_message\)$"):
            StudentModule(worker).by_message(np.array([0.123456789]))
    finally:
        worker.close()


def test_missing_function_is_an_attribute_error(student):
    with pytest.raises(StudentError, match="no function 'nope'"):
        student.nope()


def test_import_guard_blocks_disallowed_modules_at_run_time():
    worker = Worker(WorkerSpec("def f():\n    return __builtins__['__import__']('os') if isinstance(__builtins__, dict) "
                               "else __builtins__.__import__('os')\n", "m", ("numpy",)))
    try:
        with pytest.raises(StudentError, match="imports a module this course does not allow"):
            StudentModule(worker).f()
    finally:
        worker.close()


def test_worker_environment_is_scrubbed_and_cwd_is_scratch(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cret")
    src = "import os\ndef env():\n    return dict(os.environ), os.getcwd()\n"
    worker = Worker(WorkerSpec(src, "m", ("numpy", "os")))
    try:
        env, cwd = StudentModule(worker).env()
        proc = worker.process
        assert "GRADER_SECRET_TOKEN" not in env and "s3cret" not in repr(env)
        assert cwd == str(proc.scratch)
    finally:
        worker.close()
    assert not proc.scratch.exists(), "the scratch directory is removed at the end"


def test_a_hung_function_costs_the_student_functions_that_call_it_only_the_short_leash():
    worker = Worker(WorkerSpec(TOY, "toy", ("numpy", "math", "os")), call_seconds=3.0)
    student = StudentModule(worker)
    try:
        with pytest.raises(StudentTimeout):
            student.loops_if_negative(-1)  # the full limit, once
        assert student.calls_loops(3) == 7, "a call within the leash behaves as before"
        pid, restarts = worker.process.pid, worker.restarts
        t = time.monotonic()
        with pytest.raises(StudentTimeout, match="calls_loops did not finish: it called loops_if_negative, which "
                                                 "did not finish on an earlier test and was stopped after 1 s"):
            student.calls_loops(-1)
        assert time.monotonic() - t < 2.5, "the caller's hang is cut by the callee's leash, not its own full limit"
        assert worker.process.pid == pid and worker.restarts == restarts, "the worker survives a leash, state and all"
        with pytest.raises(StudentTimeout, match="calls_loops did not finish within 1 s, as on an earlier test"):
            student.calls_loops(-2)  # now on a leash of its own
        assert student.calls_loops(4) == 9 and student.counter() == 1
    finally:
        worker.close()


def test_the_leash_ends_a_hung_functions_next_call_first_even_when_it_is_the_whole_limit(monkeypatch):
    # With call_seconds = 1 s the leash (1 s) is the whole limit: the grader's own limit on the call was
    # capped at it, so the two went off together and either could end the call. Feedback then read
    # "as on an earlier test" or not from run to run (and differed between -j 1 and -j 2 in CI).
    from grader import sandbox

    limits = []
    real = sandbox.WorkerProcess.start_call
    monkeypatch.setattr(sandbox.WorkerProcess, "start_call", lambda self, limit: (limits.append(limit),
                                                                                  real(self, limit))[1])
    worker = Worker(WorkerSpec(TOY, "toy", ("numpy", "math", "os")), call_seconds=1.0)
    student = StudentModule(worker)
    try:
        with pytest.raises(StudentTimeout, match=r"loops_if_negative did not finish within 1 s \(infinite"):
            student.loops_if_negative(-1)
        with pytest.raises(StudentTimeout, match="loops_if_negative did not finish within 1 s, as on an earlier test"):
            student.loops_if_negative(-2)
        assert limits[0] == 1.0 and limits[-1] == 1.0 + proxy.LEASH_MARGIN_SECONDS, limits
    finally:
        worker.close()


@pytest.mark.parametrize("speed, wording", [
    # One busy thread: the CPU budget and the wall clock run out together, and the poll may see
    # either first. Feedback must read the same whichever it was (here the CPU side is made to
    # win by 50 ms): it alternated between two texts from run to run.
    (lambda cpu: cpu + 0.05, "loops_if_negative did not finish within 1 s (infinite loop, or far too slow?)"),
    # Several busy threads use the budget long before the wall-clock limit: that is worth naming.
    (lambda cpu: 3 * cpu, "loops_if_negative used more than 1 s of CPU time before 1 s had passed (several "
                          "threads busy at once?)"),
])
def test_a_timeout_names_the_cpu_limit_only_when_it_fired_well_before_the_wall_clock(monkeypatch, speed, wording):
    from grader import sandbox

    real = sandbox.WorkerProcess.cpu_seconds
    monkeypatch.setattr(sandbox.WorkerProcess, "cpu_seconds",
                        lambda self: None if (used := real(self)) is None else speed(used))
    worker = Worker(WorkerSpec(TOY, "toy", ("numpy", "math", "os")), call_seconds=1.0)
    try:
        with pytest.raises(StudentTimeout) as err:
            StudentModule(worker).loops_if_negative(-1)
        assert str(err.value) == wording
    finally:
        worker.close()


def test_the_leash_waits_while_the_worker_exchanges_a_test_helpers_large_reply():
    worker = Worker(WorkerSpec(TOY, "toy", ("numpy", "math", "os")), call_seconds=2.0)
    student = StudentModule(worker)

    def helper():
        return np.zeros(1_000_000)  # 8 MB: reading it takes most of each round trip

    try:
        for _ in range(2):  # the full limit, then the leash, which goes off during an exchange
            with pytest.raises(StudentTimeout):
                student.asks_forever(helper)
        pid = worker.process.pid
        assert student.counter() == 1 and student.square(3) == 9, "the stream between the two stayed in step"
        assert worker.process.pid == pid
    finally:
        worker.close()


@pytest.mark.parametrize("name", ["spin", "catches_everything"])
def test_a_function_that_hung_once_gets_a_short_leash(student, name):
    """catches_everything swallows the worker's leash: the grader's own limit, just behind it, ends it."""
    with pytest.raises(StudentTimeout):
        getattr(student, name)()
    t = time.monotonic()
    with pytest.raises(StudentTimeout):
        getattr(student, name)()
    assert time.monotonic() - t < 1.9, "the second hang is cut after a second or so, not the full limit"
    assert student.counter() == 1, "other functions keep the full limit and a fresh worker"


def test_a_worker_abandoned_while_it_was_starting_is_stopped_and_serves_no_call(monkeypatch):
    """Ctrl-C in threaded grading abandons the workers from the main thread. One whose thread was
    inside start_worker then (a restart after a crash or timeout: ~65 ms) had no process to stop
    yet: the call went ahead and held Ctrl-C for its whole limit."""
    from grader import proxy

    worker = Worker(WorkerSpec("def f():\n    return 1\n", "m", ("numpy",)), call_seconds=5.0)
    real = proxy.start_worker

    def abandoned_meanwhile(spec):
        process = real(spec)
        worker.abandon()  # as the main thread would, between the start and its assignment
        return process

    monkeypatch.setattr(proxy, "start_worker", abandoned_meanwhile)
    try:
        with pytest.raises(KeyboardInterrupt):
            StudentModule(worker).f()
        status = Path(f"/proc/{worker.process.pid}/status")
        assert not status.exists() or " (zombie)" in status.read_text(), "its process was stopped"
    finally:
        worker.close()


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
def test_a_worker_that_exits_while_a_child_it_forked_holds_its_socket_is_a_crash_not_a_timeout(monkeypatch,
                                                                                               launcher):
    """The child keeps the socket open, so no end of stream comes. Without a zygote to report the
    exit (spawned, or the zygote itself dead), the grader noticed it only at the call's limit and
    reported a timeout, 'infinite loop, or far too slow?', for a crash; when the zygote had died,
    for a test that must run again."""
    from grader import zygote

    if launcher == "spawn":
        monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    source = ("import numpy as np\n_os = np.lib._datasource.os\n\n\ndef f():\n"
              "    if _os.fork() == 0:\n        r, w = _os.pipe()\n        _os.read(r, 1)  # waits forever\n"
              "    _os._exit(3)\n")
    worker = Worker(WorkerSpec(source, "m", ("numpy",)), call_seconds=5.0)
    try:
        started = time.monotonic()
        with pytest.raises(StudentCrash, match="crashed the worker process"):
            StudentModule(worker).f()
        assert time.monotonic() - started < 2.0
    finally:
        worker.close()


FORKS = '''
import os

os.fork()                              # at import: the copy returns into the worker's loop too

def pid():
    return os.getpid()

def forks_then_adds(x):
    try:
        os.fork()                      # in a call: both copies return the value
    except OSError:                    # the worker's process limit may refuse it
        pass
    return x + 1
'''


def test_a_process_the_student_forked_never_answers_for_the_worker():
    """A copy of the worker made by the student's fork left the worker's loop at once: before, both
    copies sent 'ready' and read requests from one socket, and the score of a submission that forked
    changed from run to run."""
    worker = Worker(WorkerSpec(FORKS, "m", ("numpy", "os")))
    try:
        student = StudentModule(worker)
        first = student.pid()
        assert first == worker.process.pid
        for k in range(5):
            assert student.forks_then_adds(k) == k + 1
            for _ in range(5):
                assert student.pid() == first, "every answer comes from the worker itself"
        assert worker.restarts == 0
    finally:
        worker.close()


LEAKS_THROUGH_MUTATED = '''
import numpy as np

_sys = np.lib._datasource.os.sys

def ident(x, **kw):
    loc = _sys._getframe(1).f_locals          # the worker's own call(): its reply is the student's to shape
    leak = "LEAK " + repr(x.tolist())
    loc["labelled"].append((leak, None))
    loc["before"][leak] = b"differs"
    return x
'''


def test_a_mutation_report_names_only_arguments_the_grader_sent():
    """The worker's list of modified arguments is the student's to write: a label that is not one of
    the call's own positions or keywords reached feedback as it was, carrying the hidden inputs."""
    worker = Worker(WorkerSpec(LEAKS_THROUGH_MUTATED, "leaky", ("numpy",)), call_seconds=2.0)
    try:
        student = StudentModule(worker)
        hidden = np.array([0.123456, 7.5])
        try:
            call_unchanged(student.ident, hidden)
            shown = ""
        except AssertionError as err:
            shown = str(err)
        assert "0.123456" not in shown and "LEAK" not in shown
        reply = worker.call("ident", (hidden,), {"k": 1}, check=True)
        assert set(reply.mutated) <= {"0", "k"}
    finally:
        worker.close()


def test_feedback_on_a_returned_dict_does_not_spell_out_its_keys():
    """A dict's keys are the student's strings: listed in feedback, they carried the hidden inputs out
    (``{"reg=0.3 w0=[...]": 0}`` where a tuple was expected)."""
    shown = describe({"LEAK reg=0.3": 0, "w0=[0.1257]": 1})
    assert "LEAK" not in shown and "0.1257" not in shown and "2 keys" in shown


def test_an_error_of_the_tests_own_code_on_a_returned_value_shows_no_message_of_the_students():
    """np.asarray(out, dtype=float) in a hidden test, on a nested list of strings of the right shape,
    raised "could not convert string to float: '<the student's string>'", and feedback quoted it."""
    def hidden(student):
        np.asarray([["LEAK 0.123456", "0"]], dtype=np.float64)

    test = HiddenTest("test_x", "f", 1.0, hidden, ("student",))
    status, feedback = run_test(test, None, None, None, 5.0)
    assert status == "error" and "ValueError" in feedback
    assert "LEAK" not in feedback and "0.123456" not in feedback

    def shapes(student):
        np.ones((2, 3)) + np.ones((4, 5))

    test = HiddenTest("test_y", "f", 1.0, shapes, ("student",))
    assert "broadcast" in run_test(test, None, None, None, 5.0)[1], "a common error still gets its phrase"

    def wrong_kind(student):
        [1.0, 2.0].shape  # a list returned where an array is expected

    test = HiddenTest("test_z", "f", 1.0, wrong_kind, ("student",))
    assert "where an array is expected" in run_test(test, None, None, None, 5.0)[1]


STREAMS_A_HUGE_REPLY = '''
import numpy as np

_sys = np.lib._datasource.os.sys

def flood():
    sock = _sys._getframe(1).f_locals["self"].sock  # the worker's own socket: the reply is the student's to write
    n = 256 << 20
    sock.sendall(n.to_bytes(8, "little") + b"\\xc6" + (n - 5).to_bytes(4, "big"))
    chunk = bytes(1 << 20)
    while True:
        sock.sendall(chunk)

def many_axes():
    return np.zeros((1,) * 9)
'''


def test_a_reply_above_max_reply_or_with_too_many_axes_cannot_be_graded():
    """A worker that streams a 256 MiB reply costs the grader nothing: it is refused at its header
    (before, the grader buffered up to 512 MiB, then copied it). Too many axes: refused as well."""
    worker = Worker(WorkerSpec(STREAMS_A_HUGE_REPLY, "m", ("numpy",)), call_seconds=5.0)
    try:
        student = StudentModule(worker)
        for fn, says in ((student.flood, "above the 64 MiB limit"), (student.many_axes, "an array of 9 dimensions")):
            with pytest.raises(StudentCrash, match=f"returned a value that cannot be graded .*{says}"):
                fn()
    finally:
        worker.close()


def test_a_numpy_testing_failure_in_a_hidden_test_shows_no_expected_values():
    """np.testing.assert_allclose(out, expected) is how a NumPy instructor compares arrays; its message
    lists the DESIRED (reference) entries and the hidden inputs' outcome, and reached students verbatim."""
    def hidden(student):
        np.testing.assert_allclose(np.array([0.055, 0.9]), np.array([0.0366666, 0.9266666]))

    test = HiddenTest("test_x", "label_smoothing", 1.0, hidden, ("student",))
    status, feedback = run_test(test, None, None, None, 5.0)
    assert status == "failed" and "label_smoothing" in feedback
    assert "0.0366" not in feedback and "0.9266" not in feedback and "DESIRED" not in feedback

    class InstructorsOwnCode:  # grader validate grades the reference with full_errors: all of it is shown
        full_errors, test_deadline = True, None

        def reset(self):
            pass

    assert "DESIRED" in run_test(test, None, None, InstructorsOwnCode(), 5.0)[1]

    def own_message(student):
        raise AssertionError("probs: rows must sum to 1")

    test = HiddenTest("test_y", "f", 1.0, own_message, ("student",))
    assert run_test(test, None, None, None, 5.0) == ("failed", "probs: rows must sum to 1"), "the test's own words stay"
