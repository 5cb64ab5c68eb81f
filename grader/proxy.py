"""The grader's side of the boundary: a proxy module whose functions run in the worker.

``StudentModule.affine_forward(x, W, b)`` encodes the arguments, sends them to the worker, waits
(with a deadline) for the reply and decodes it. Replies are only ever decoded by
:mod:`grader.codec`, so nothing the worker sends can run code here. Values the worker could not
encode come back as :class:`Handle`s, usable only as arguments to later calls. A crash, a hang or
a garbled reply kills the worker; the next call starts a fresh one, so one bad function costs
only its own tests.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import types
from typing import Any, Callable, NamedTuple

import numpy as np

from grader import codec, redact
from grader.errors import (BoundaryError, ConfinementFailed, GlobalRandomUsed, StudentCrash, StudentError,
                           StudentTimeout, WorkerLost)
from grader.loading import REF_PREFIX, parameter_names
from grader.sandbox import WorkerProcess, WorkerSpec, start_worker

STARTUP_SECONDS = 30.0  # the default limit on importing the student's module (course.yaml import_seconds)
IMPORT_TIMEOUT = "importing your module took longer than"  # (the batch summary looks for it)
HUNG_RETRY_SECONDS = 1.0
# The grader's own limit on a call to a function that already hung sits this far beyond the
# worker's leash (grader.worker._Leash), so the leash ends such a call first, and always the same
# way (the same feedback on every run); the grader's limit only stops code that defeats the leash.
LEASH_MARGIN_SECONDS = 0.5
CALLBACK_REPLY_BYTES = 32 * 1024 * 1024  # a test helper's result sent to the worker: far above any test's need
_RESET = codec.frame(codec.encode({"op": "reset"}))


class Handle:
    """An opaque reference to a value that stays in the worker (e.g. a cache holding closures)."""

    __slots__ = ("generation", "ident")

    def __init__(self, generation: int, ident: int):
        self.generation = generation
        self.ident = ident

    def __repr__(self) -> str:
        return "<opaque value kept in the worker>"


class CallReply(NamedTuple):
    value: Any
    mutated: list[str]  # names (or positions) of the arguments the call modified, when checked
    warnings: list[str]  # the warnings it emitted, when asked for


def _array_bytes(value: Any) -> int:
    """The bytes of every array in ``value`` (decoded from the worker: lists, tuples, dicts)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_array_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_array_bytes(v) for v in value.values())
    return 0


class Worker:
    """A restartable connection to one student's worker for one module."""

    def __init__(self, spec: WorkerSpec, call_seconds: float = 10.0, full_errors: bool = False,
                 import_seconds: float | None = None):
        self.spec = spec
        self.call_seconds = call_seconds
        self.import_seconds = import_seconds  # None: STARTUP_SECONDS, read when the import starts
        self.test_deadline: float | None = None
        self.process: WorkerProcess | None = None
        self.generation = 0
        self.functions: list[str] = []
        self.import_error: dict | None = None
        self.restarts = 0
        self._callbacks: dict[int, Callable] = {}
        self._hung: set[str] = set()
        self._leash_sent: tuple[int, frozenset] = (0, frozenset())  # (worker generation, the functions it leashes)
        self._ids = itertools.count(1)
        self.requests = 0  # round trips asked for so far (grader validate reports a test's)
        self.unconfined: str | None = None  # why the last worker could not be confined, if that is how it ended
        self._probe = False
        self._reset_pending = False
        self._helper_failed: str | None = None
        self._lines: frozenset[int] | range | None = None  # see _code_lines
        self._code: types.CodeType | None = None  # the module's code, as the grader compiled it for a worker
        self.full_errors = full_errors  # the instructor's own code (grader validate): exceptions shown as raised
        self._abandoned = False  # see abandon

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the process without waiting for it (lets several workers boot in parallel)."""
        if self._abandoned:
            raise KeyboardInterrupt("grading was interrupted")
        if self.process is None:
            self.process = start_worker(self.spec)
            self._code = self._code or self.process.code
            if self.spec.tree is not None:  # compiled now: a large module's tree need not stay in memory
                self.spec = dataclasses.replace(self.spec, tree=None)
            self.generation += 1
            if self._abandoned:  # abandoned while it was starting: abandon saw no process to stop
                self.process.stop()
                raise KeyboardInterrupt("grading was interrupted")
            self._ready = False
            self._reset_pending = False  # a fresh worker holds nothing to release

    def ensure_ready(self) -> None:
        self.start()
        if self._ready:
            return
        limit = self.import_seconds or STARTUP_SECONDS
        try:
            msg = self._receive(time.monotonic() + limit, "importing your module")
        except StudentTimeout:
            raise StudentTimeout(f"{IMPORT_TIMEOUT} {limit:g} s") from None
        if msg.get("op") != "ready":
            self._discard()
            raise StudentCrash("the worker did not start properly")
        self.import_error = msg.get("error") if isinstance(msg.get("error"), dict) else None
        functions = msg.get("functions")
        self.functions = [f for f in functions if isinstance(f, str)] if isinstance(functions, list) else []
        self._ready = True

    def close(self) -> None:
        self._discard()

    def abandon(self) -> None:
        """From another thread, when grading is interrupted: end the call in progress now (the
        thread making it sees the worker gone at once, not at the call's time limit) and make
        every later call raise KeyboardInterrupt instead of starting a new worker. The owner still
        calls :meth:`close`, which removes the worker's files."""
        self._abandoned = True
        process = self.process
        if process is not None:
            process.stop()

    def forget(self) -> None:
        """Let go of the worker without killing it: a forked grading process already did."""
        if self.process is not None:
            self.process.forget()
            self.process = None

    def _discard(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None

    @property
    def protections(self) -> list[str]:
        return self.process.protections if self.process else []

    def reset(self) -> None:
        """Release the worker's handles (between tests) and forget callbacks.

        The worker hears it just before the next request, in the same send: it handles both on
        one wake-up (a wake-up costs a worker more CPU than releasing its handles), and no
        request can reach it between the two, so it behaves as if told at once."""
        self._callbacks.clear()
        self._reset_pending = self.process is not None and self._ready

    # -- calls ----------------------------------------------------------------------------------
    def call(self, fn: str, args: tuple, kwargs: dict, *, check: bool = False, quiet: bool = False) -> CallReply:
        """Call student function ``fn``; with ``check`` the reply names the arguments it modified,
        with ``quiet`` the warnings it emitted."""
        msg = self._request(fn, {"op": "call", "fn": fn, "args": list(args), "kwargs": kwargs, "check": check,
                                 "quiet": quiet})
        self._sync_generators(args, kwargs, msg.get("rngs"))
        mutated = msg.get("mutated") if isinstance(msg.get("mutated"), list) else []
        # The worker writes this list (and student code can write into it): only the labels of the
        # arguments sent may reach feedback, never a string of the student's making.
        sent = {str(i) for i in range(len(args))} | {k for k in kwargs if isinstance(k, str)}
        caught = msg.get("warnings") if isinstance(msg.get("warnings"), list) else []
        return CallReply(msg.get("value"), [m for m in mutated if isinstance(m, str) and m in sent],
                         [redact.warning_text(str(w.get("category", "")), str(w.get("message", "")),
                                              str(w.get("where", "")), frozenset(self.functions), self._code_lines())
                          for w in caught if isinstance(w, dict)])

    def call_many(self, fn: str, calls: list[tuple[tuple, dict]], output: int | None = None) -> list[Any]:
        """Call ``fn`` once per (args, kwargs) in one round trip; returns the values in order.

        Used by numerical-gradient checks: the perturbed inputs are chosen here and the finite
        differences computed here, so the worker only ever reports function values. A Generator
        in the arguments reaches each call as a copy of its current state and is not advanced
        here (as :func:`grader.checks.call_each` does in-process).
        """
        msg = self._request(fn, {"op": "map", "fn": fn, "calls": [[list(a), k] for a, k in calls], "output": output})
        values = msg.get("value")
        if not isinstance(values, list) or len(values) != len(calls):
            self._discard()
            raise StudentCrash(f"{fn}: the worker sent a malformed batch reply; it was restarted")
        return Selected(values) if output is not None and msg.get("selected") is True else values

    def iterate(self, fn: str, args: tuple, kwargs: dict, steps: list[list[tuple]],
                carry: list[tuple]) -> list[Any]:
        """Run ``fn`` step after step in the worker (see :func:`grader.checks.iterate`); one round
        trip returns every step's output, each as it was when that step returned. A Generator in
        ``args`` or ``kwargs`` serves every step, and the caller's is advanced as the steps
        advanced it (as in-process)."""
        if any(isinstance(v, np.random.Generator) for step in steps for _, v in step):
            raise BoundaryError("iterate cannot take random generators in steps; pass one in args, "
                                "which every step then draws from")
        msg = self._request(fn, {"op": "iterate", "fn": fn, "args": list(args), "kwargs": kwargs,
                                 "steps": [[[k, v] for k, v in step] for step in steps],
                                 "carry": [[k, i] for k, i in carry]})
        blobs = msg.get("value")
        if not isinstance(blobs, list) or len(blobs) > len(steps) or not all(isinstance(b, bytes) for b in blobs):
            self._discard()
            raise StudentCrash(f"{fn}: the worker sent a malformed reply; it was restarted")
        self._sync_generators(args, kwargs, msg.get("rngs"))
        try:
            return [codec.decode(b, resolve=self._incoming) for b in blobs]
        except codec.CodecError as err:
            self._discard()
            raise StudentCrash(f"{fn} returned a value that cannot be graded ({err})") from None

    def _request(self, fn: str, request: dict) -> dict:
        restarted = self.process is None and self.generation > 0
        self.ensure_ready()
        if restarted:
            self.restarts += 1
        if self.import_error is not None:
            raise StudentError(fn, self.import_error.get("type", "ImportError"), self.import_error.get("mro", []),
                               "your module failed to import")
        call_id = next(self._ids)
        self.requests += 1
        payload = codec.encode({**request, "id": call_id}, fallback=self._outgoing)
        self._helper_failed = None  # a test helper's failure during this call, as we saw it
        before, self._reset_pending = (_RESET if self._reset_pending else b""), False
        before += self._leash_message()
        now = time.monotonic()
        # A function that timed out once gets a short leash afterwards: one that hangs on every
        # input then costs about a second per further test instead of the full limit each time.
        # The worker holds the leash (see _leash_message); the grader's limit is the backstop, a
        # margin behind it even when the leash is the whole limit (call_seconds <= 1 s): capped at
        # call_seconds, the two raced, and the feedback's wording changed from run to run.
        limit = self._leash_seconds() + LEASH_MARGIN_SECONDS if fn in self._hung else self.call_seconds
        deadline = now + limit
        if self.test_deadline is not None and self.test_deadline < deadline:
            deadline = max(self.test_deadline, now + 0.05)
            limit = deadline - now
        self.process.start_call(limit)  # the same budget in CPU seconds, checked from /proc
        self._send(payload, deadline, fn, limit, before)
        while True:
            msg = self._receive(deadline, fn, limit)
            op = msg.get("op")
            if op == "callback":
                self._run_callback(msg, deadline, fn, limit)
                continue
            if op != "result" or msg.get("id") != call_id:
                self._discard()
                raise StudentCrash(f"{fn}: the worker sent an unexpected message; it was restarted")
            break
        if not msg.get("ok"):
            err = msg.get("error") if isinstance(msg.get("error"), dict) else {}
            callee = err.get("message")
            if err.get("type") == "LeashExpired" and isinstance(callee, str) and callee in self._hung:
                self._hung.add(fn)
                raise StudentTimeout(self._leash_expired(fn, callee))
            raise self._student_error(fn, err)
        if msg.get("global_random") is True:
            raise GlobalRandomUsed(fn, msg.get("value"))
        return msg

    def _leash_seconds(self) -> float:
        return min(self.call_seconds, HUNG_RETRY_SECONDS)

    def _leash_message(self) -> bytes:
        """The framed ``leash`` message naming the student functions that already timed out, when
        this worker has not been told of all of them: every call to one of them, from a test or
        from the student's own code, then gets only the short leash (see grader.worker._Leash)."""
        if not self._hung:  # the usual case, on every request
            return b""
        names = frozenset(n for n in self._hung if n in self.functions)
        if not names or self._leash_sent == (self.generation, names):
            return b""
        self._leash_sent = (self.generation, names)
        return codec.frame(codec.encode({"op": "leash", "functions": sorted(names), "seconds": self._leash_seconds()}))

    def _leash_expired(self, fn: str, callee: str) -> str:
        seconds = f"{self._leash_seconds():.3g} s"
        if callee == fn:
            return f"{fn} did not finish within {seconds}, as on an earlier test (infinite loop, or far too slow?)"
        return (f"{fn} did not finish: it called {callee}, which did not finish on an earlier test and was "
                f"stopped after {seconds} this time (infinite loop, or far too slow?)")

    def _student_error(self, fn: str, err: dict) -> StudentError:
        """The student's exception as feedback may show it: see :mod:`grader.redact` (its class,
        message and place are all the student's to choose, and could spell out the hidden inputs)."""
        mro = [m for m in err.get("mro", []) if isinstance(m, str)] if isinstance(err.get("mro"), list) else []
        text = str(err.get("message", ""))
        functions = frozenset(self.functions)
        raised_in = str(err.get("function") or "")
        raised_in = raised_in if raised_in in functions else ""  # a name the module had at import, or none
        if self.full_errors:
            where = str(err.get("where", ""))
            return StudentError(fn, str(err.get("type", "Exception")), mro, f"{text} ({where})" if where else text,
                                raised_in=raised_in)
        if text == f"your module has no function {fn!r}":  # the worker's words, about the name we asked for
            shown = text
        elif text.startswith("the test's helper function failed") and self._helper_failed is not None:
            shown = f"the test's helper function failed: {self._helper_failed}"  # we ran it: our own record
        else:
            shown = redact.hint(text) or redact.WITHHELD
        where = redact.place(str(err.get("where", "")), functions, self._code_lines())
        return StudentError(fn, redact.error_class(mro), mro, f"{shown} ({where})" if where else shown,
                            raised_in=raised_in)

    def _code_lines(self) -> frozenset[int] | range:
        """The lines of the student's module that feedback may name (compiled on the first need)."""
        if self._lines is None:
            self._lines = redact.code_lines(self.spec.source, self._code)
        return self._lines

    def _outgoing(self, value: Any) -> codec.Tagged:
        """Encoder fallback for arguments: handles, student functions and test callbacks."""
        if isinstance(value, Handle):
            if value.generation != self.generation:
                raise BoundaryError("a value kept in the worker was lost when the worker restarted")
            return codec.Tagged("handle", value.ident)
        if isinstance(value, StudentFunction):
            return codec.Tagged("student_fn", value.__name__)
        if callable(value):
            module = getattr(value, "__module__", "") or ""
            if module.startswith(REF_PREFIX):
                raise BoundaryError("refusing to pass a reference-solution function to student code")
            cb = next(self._ids)
            self._callbacks[cb] = value
            return codec.Tagged("callback", cb)
        raise BoundaryError(f"a test passed a {type(value).__name__}, which cannot cross to the worker")

    def _send(self, payload: bytes, deadline: float, what: str, limit: float, before: bytes = b"") -> None:
        """Send to the worker (after ``before``, messages already framed), giving up at
        ``deadline``: a worker that stops reading fills its socket's buffer, and a plain send
        would then block the grader forever."""
        sock = self.process.sock
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            codec.send(sock, payload, before)
            sock.settimeout(None)
        except TimeoutError:
            self._discard()
            self._hung.add(what)
            raise StudentTimeout(f"{what} did not finish within {limit:.3g} s (the worker stopped reading "
                                 "the grader's messages)") from None
        except OSError:
            self._crashed(what)

    def _run_callback(self, msg: dict, deadline: float, what: str, limit: float) -> None:
        """Run a test helper the student's code called, and send its result back. The student
        chooses the arguments, so the helper's time counts against the call's deadline and its
        result's size is capped: neither can make the grader work without bound."""
        fn = self._callbacks.get(msg.get("cb"))
        args = msg.get("args") if isinstance(msg.get("args"), list) else []
        kwargs = msg.get("kwargs") if isinstance(msg.get("kwargs"), dict) else {}
        try:
            if fn is None:
                raise BoundaryError("unknown test helper")
            if _array_bytes([args, kwargs]) > CALLBACK_REPLY_BYTES:
                raise BoundaryError("the test helper's arguments are too large")
            reply = {"op": "callback_result", "ok": True, "value": fn(*args, **kwargs)}
        except Exception as err:  # the helper is test code; its failure goes back as an error
            reply = {"op": "callback_result", "ok": False, "error": type(err).__name__}
            self._helper_failed = type(err).__name__
        labelled = [(str(i), a) for i, a in enumerate(args)] + list(kwargs.items())
        reply["rngs"] = {k: codec.generator_report(v) for k, v in labelled if isinstance(v, np.random.Generator)}
        if time.monotonic() > deadline:
            self._discard()
            self._hung.add(what)
            raise StudentTimeout(f"{what} did not finish within {limit:.3g} s (counting the test helpers it called)")
        try:
            payload = codec.encode(reply)
        except codec.CodecError:
            payload = None
        if payload is None or len(payload) > CALLBACK_REPLY_BYTES:
            payload = codec.encode({"op": "callback_result", "ok": False, "error": "ResultTooLarge"})
        self._send(payload, deadline, what, limit)

    @staticmethod
    def _sync_generators(args: tuple, kwargs: dict, rngs: Any) -> None:
        """Advance the caller's Generators exactly as the student's code advanced their copies."""
        if not isinstance(rngs, dict):
            return
        for key, report in rngs.items():
            target = args[int(key)] if isinstance(key, str) and key.isdigit() and int(key) < len(args) else kwargs.get(key)
            if isinstance(target, np.random.Generator):
                try:
                    codec.sync_generator(target, report)
                except codec.CodecError:
                    pass

    def _receive(self, deadline: float, what: str, limit: float | None = None) -> dict:
        proc = self.process

        def wait() -> None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not proc.wait_readable(remaining):
                raise TimeoutError

        try:
            data = proc.reader.read(wait)
            msg = codec.decode(data, resolve=self._incoming)
            if not isinstance(msg, dict):
                raise codec.CodecError("malformed reply")
            return msg
        except TimeoutError:
            self._discard()
            self._hung.add(what)
            # A loop on one thread uses CPU as fast as time passes, so either limit may fire first,
            # and feedback that alternated between two texts for the same code would differ from
            # run to run. The CPU limit is named only when it fired well before the wall-clock one
            # would have: several threads at work.
            if proc.cpu_exceeded and limit and proc.cpu_exceeded_after < 0.75 * limit:
                raise StudentTimeout(f"{what} used more than {limit:.3g} s of CPU time before {limit:.3g} s had "
                                     "passed (several threads busy at once?)") from None
            raise StudentTimeout(f"{what} did not finish within {limit or STARTUP_SECONDS:.3g} s "
                                 "(infinite loop, or far too slow?)") from None
        except (EOFError, ConnectionError, OSError):
            self._crashed(what)
        except codec.CodecError as err:
            self._discard()
            raise StudentCrash(f"{what} returned a value that cannot be graded ({err})") from None

    def _incoming(self, ref: codec.Tagged) -> Handle:
        if ref.tag != "handle":
            raise codec.CodecError("unexpected reference from the worker")
        return Handle(self.generation, ref.ident)

    def _crashed(self, what: str):
        proc = self.process
        desc = ""
        if proc is not None:
            try:
                proc.wait(timeout=2)
            except Exception:
                pass
            desc = proc.exit_description()
            self.unconfined = proc.confinement_error()
            # The status alone could be the student's os._exit(111) (and its reason printed to the log):
            # only a worker that runs no student code and fails too shows that this machine is at fault.
            if self.unconfined is not None and not self._probe and _cannot_confine(self.spec):
                self._discard()
                raise ConfinementFailed.because(self.unconfined) from None
            zygote = getattr(proc.launch, "zygote", None)
            if zygote is not None and proc.launch.fallback is None and zygote.failure is not None:
                self._discard()
                raise WorkerLost(f"{what}: the worker died with the grader's zygote ({zygote.failure}); "
                                 "it was restarted") from None
        self._discard()
        raise StudentCrash(f"{what} crashed the worker process ({desc}); it was restarted") from None


def _cannot_confine(spec: WorkerSpec) -> bool:
    """Whether a worker with an empty module (no student code) cannot be confined either."""
    probe = Worker(WorkerSpec("", spec.module, spec.allowed_imports, spec.memory_mb))
    probe._probe = True
    try:
        probe.ensure_ready()
    except (StudentCrash, StudentTimeout):
        return probe.unconfined is not None
    finally:
        probe.close()
    return False


class Selected(list):
    """Values of a batch from which the worker already took item ``output`` of each result."""

    selected = True


class StudentFunction:
    """A callable standing for one function of the student's module."""

    def __init__(self, worker: Worker, name: str, parameters: tuple[str, ...] = ()):
        self._worker = worker
        self.__name__ = name
        self.parameters = parameters  # the reference's, for feedback that names an argument

    def __call__(self, *args, **kwargs):
        return self._worker.call(self.__name__, args, kwargs).value

    def call_checked(self, args: tuple, kwargs: dict) -> tuple[Any, list[str]]:
        """Call and also report which arguments the function modified in place."""
        reply = self._worker.call(self.__name__, args, kwargs, check=True)
        return reply.value, reply.mutated

    def call_quietly(self, args: tuple, kwargs: dict) -> tuple[Any, list[str]]:
        """Call and also report the warnings the function emitted (see :func:`grader.checks.call_quietly`)."""
        reply = self._worker.call(self.__name__, args, kwargs, quiet=True)
        return reply.value, reply.warnings

    def map(self, calls: list[tuple[tuple, dict]], output: int | None = None) -> list[Any]:
        """Call once per (args, kwargs) pair, all in one round trip to the worker. With ``output``
        the worker sends back only that item of each result when every result has it (the reply
        is then a :class:`Selected` list), and every result whole otherwise."""
        return self._worker.call_many(self.__name__, calls, output)

    def iterate(self, args: tuple, kwargs: dict, steps: list[list[tuple]], carry: list[tuple]) -> list[Any]:
        """Call step after step inside the worker, feeding outputs forward, in one round trip."""
        return self._worker.iterate(self.__name__, args, kwargs, steps, carry)

    def __repr__(self) -> str:
        return f"<student function {self.__name__}>"


class StudentModule:
    """Stands for the student's module inside hidden tests: attribute access gives functions.

    ``ref``, the reference module, only lends its parameter names (fixed by the course spec) to
    feedback, e.g. "adam modified its input 'state'"; nothing of the student's crosses for it.
    """

    def __init__(self, worker: Worker, ref: Any = None):
        self._worker = worker
        self._ref = ref
        self._functions: dict[str, StudentFunction] = {}

    def __getattr__(self, name: str) -> StudentFunction:
        if name.startswith("__"):
            raise AttributeError(name)
        fn = self._functions.get(name)
        if fn is None:
            fn = self._functions[name] = StudentFunction(self._worker, name,
                                                         parameter_names(getattr(self._ref, name, None)))
        return fn
