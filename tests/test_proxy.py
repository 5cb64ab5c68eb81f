"""Does the worker boundary carry calls faithfully and contain every kind of failure?"""

import os
import time

import numpy as np
import pytest

from grader.checks import call_unchanged, expect_raises, numeric_grad_call
from grader.errors import BoundaryError, StudentCrash, StudentError, StudentTimeout
from grader.proxy import Handle, StudentModule, Worker
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

def draw(n, rng):
    return rng.random(n)

def twice(f, x):
    return f(x) * 2

def use_rng_callback(init, rng):
    return init((2, 2), rng), rng.random()

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


def test_mutation_of_inputs_is_reported(student):
    with pytest.raises(AssertionError, match="modified its input"):
        call_unchanged(student.inplace, np.zeros(3))
    x = np.zeros(3)
    student.inplace(x)
    assert np.array_equal(x, np.zeros(3)), "the grader's copy never changes"


def test_generators_advance_exactly_as_in_process(student):
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    assert np.array_equal(student.draw(4, rng), twin.random(4))
    assert rng.random() == twin.random()


def test_test_callbacks_run_in_the_grader_and_sync_generators(student):
    assert np.array_equal(student.twice(lambda v: v + 1, np.arange(3.0)), [2.0, 4.0, 6.0])
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    w, after = student.use_rng_callback(lambda shape, r: r.standard_normal(shape), rng)
    assert np.array_equal(w, twin.standard_normal((2, 2))) and after == twin.random()


def test_reference_functions_are_never_passed_to_students(student):
    def fake_ref(x):
        return x

    fake_ref.__module__ = "_grader_ref_backprop_0"
    with pytest.raises(BoundaryError, match="reference"):
        student.twice(fake_ref, 1.0)


@pytest.mark.parametrize("fn, exc", [("sysexit", "SystemExit"), ("interrupt", "KeyboardInterrupt"),
                                     ("sneaky", "Sneaky")])
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


def test_missing_function_is_an_attribute_error(student):
    with pytest.raises(StudentError, match="no function 'nope'"):
        student.nope()


def test_import_guard_blocks_disallowed_modules_at_run_time():
    worker = Worker(WorkerSpec("def f():\n    return __builtins__['__import__']('os') if isinstance(__builtins__, dict) "
                               "else __builtins__.__import__('os')\n", "m", ("numpy",)))
    try:
        with pytest.raises(StudentError, match="not allowed"):
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


def test_a_function_that_hung_once_gets_a_short_leash(student):
    with pytest.raises(StudentTimeout):
        student.spin()
    t = time.monotonic()
    with pytest.raises(StudentTimeout):
        student.spin()
    assert time.monotonic() - t < 1.9, "the second hang is cut after about a second, not the full limit"
    assert student.counter() == 1, "other functions keep the full limit and a fresh worker"
