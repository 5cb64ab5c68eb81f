"""The worker: the only process that runs student code.

Started by :mod:`grader.sandbox` as ``python -I -m grader.worker FD MODULE_PATH MODULE_NAME ALLOWED``
in a scratch directory with a scrubbed environment and resource limits. It imports the student's
module, then serves calls over the socket FD: decode plain data, call the function, encode the
result. Values that cannot be encoded stay here behind integer handles. Everything in this process
is under the student's control, so the grader trusts nothing it says beyond "this is the value
your function returned": a lying worker can only cost its own student points.

Imports are limited to the standard library, numpy, grader.codec and grader.steps so the worker starts fast and
carries nothing of the grader's secrets (there are none in the package: references and hidden
tests live in the course repository, outside the worker's reach).
"""

from __future__ import annotations

import builtins
import ctypes
import importlib.util
import io
import itertools
import json
import marshal
import os
import select
import signal
import socket
import sys
import threading
import traceback
import types

import numpy as np

from grader import codec
from grader.steps import call_recording_warnings, run_steps

_MAX_MESSAGE_TEXT = 400
# The grader leaves the module's code, marshalled, at MODULE_PATH with this suffix (see
# sandbox._write_bytecode); without it, or when it does not fit, the source is compiled here.
BYTECODE_SUFFIX = ".code"
_MAX_WARNINGS = 3


class _GlobalRandom:
    """Tells whether a call touched numpy's global RandomState (``np.random.seed``, ``np.random.rand``,
    ``np.random.permutation``, ...), which the course forbids: randomness comes from ``rng``.

    It compares the MT19937 state (624 key words and the position) before and after a call,
    read straight from the bit generator's memory: 0.5 us, where ``get_state()`` copies it into
    a new dict and array in ~20 us, on every call. Any seeding or draw changes those bytes,
    whatever path the student's code took to the global generator.
    """

    _BYTES = 624 * 4 + 4  # struct mt19937_state {uint32_t key[624]; int pos;}

    def __init__(self):
        self._bit_generator = np.random.mtrand._rand._bit_generator  # keeps the memory alive
        self._view = (ctypes.c_char * self._BYTES).from_address(self._bit_generator.ctypes.state_address)

    def snapshot(self) -> bytes:
        return bytes(self._view)


class LeashExpired(BaseException):
    """Raised into student code when a function on a short leash (see :class:`_Leash`) runs out of it."""


class _Leash:
    """Short leashes on the student functions that already ran out of time on an earlier test.

    The grader gives such a function a short limit when a test calls it, but other student
    functions call it too (two_layer_backward calling a relu_backward that loops forever), and each
    of those would otherwise run into its own full limit once. So the grader names those functions
    (the ``leash`` message), and the module's attribute is replaced by a wrapper that arms a
    wall-clock alarm for the outermost leashed call: when it goes off, :class:`LeashExpired` unwinds
    the student's code and the grader reports a timeout of the function it called. The alarm is
    deferred while the worker talks to the grader for a test helper (a frame half sent or half read
    would garble the stream). Only functions that already timed out are wrapped, and a call that
    finishes within the leash behaves exactly as before; code that catches the exception only gets
    the grader's own limit, which still applies.
    """

    def __init__(self):
        self.seconds = 1.0
        self.active: str | None = None  # the leashed function whose alarm is armed
        self.io = 0  # > 0 while talking to the grader: the alarm waits
        self.pending = False
        self.wrapped: set[str] = set()
        self._handler_set = False

    def apply(self, module, names, seconds) -> None:
        if module is None or not isinstance(names, list):
            return
        if type(seconds) in (int, float) and 0 < seconds <= 3600:
            self.seconds = float(seconds)
        if not self._handler_set:
            signal.signal(signal.SIGALRM, self._alarm)
            self._handler_set = True
        for name in names:
            if not isinstance(name, str) or name in self.wrapped:
                continue
            fn = module.__dict__.get(name)
            if callable(fn):
                module.__dict__[name] = self._wrap(name, fn)
                self.wrapped.add(name)

    def _wrap(self, name: str, fn):
        leash = self

        def leashed(*args, **kwargs):
            if leash.active is not None:  # inside a leashed call already: its alarm covers this one
                return fn(*args, **kwargs)
            leash.active, leash.pending = name, False
            signal.setitimer(signal.ITIMER_REAL, leash.seconds)
            try:
                return fn(*args, **kwargs)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                leash.active = None

        leashed.__name__ = leashed.__qualname__ = name
        leashed.__wrapped__ = fn
        return leashed

    def _alarm(self, signum, frame) -> None:
        if self.active is None:
            return
        if self.io:
            self.pending = True
            return
        raise LeashExpired(self.active)

    # ``with leash:`` around the worker's exchanges with the grader inside a call
    def __enter__(self) -> None:
        self.io += 1

    def __exit__(self, *exc) -> None:
        self.io -= 1
        if not self.io and self.pending and self.active is not None and exc[0] is None:
            self.pending = False
            raise LeashExpired(self.active)


class _Worker:
    def __init__(self, sock: socket.socket, module_path: str, module_name: str, allowed: list[str]):
        self.sock = sock
        self.module_path = module_path
        self.module_name = module_name
        self.allowed = allowed
        self.module = None
        self.reader = codec.Reader(sock)
        self.handles: dict[int, object] = {}
        self._ids = itertools.count(1)
        self.global_random = _GlobalRandom()
        self.leash = _Leash()
        self.pid = os.getpid()

    # -- sending and receiving --------------------------------------------------------------
    def only_the_worker(self) -> None:
        """A process the student's code forked (at import, or in a call) returns into this loop as
        well: it must neither answer nor read the grader's requests. Two processes on one socket
        sent two 'ready' messages and took each other's requests, so a submission that forked got a
        different score on every run. Such a copy leaves at once, quietly."""
        if os.getpid() != self.pid:
            os._exit(0)

    def send(self, message: dict) -> None:
        self.transmit(codec.encode(message, fallback=self._keep))

    def transmit(self, payload: bytes) -> None:
        self.only_the_worker()
        codec.send(self.sock, payload)

    def recv(self) -> dict:
        self.only_the_worker()
        data = self.reader.read()
        msg = codec.decode(data, resolve=self._resolve)
        if not isinstance(msg, dict):
            raise codec.CodecError("malformed request")
        return msg

    def _keep(self, value: object) -> codec.Tagged:
        """Fallback of the encoder: keep a non-plain value here and send a handle instead."""
        hid = next(self._ids)
        self.handles[hid] = value
        return codec.Tagged("handle", hid)

    def _resolve(self, ref: codec.Tagged):
        if ref.tag == "handle":
            try:
                return self.handles[ref.ident]
            except KeyError:
                raise codec.CodecError("stale handle (the value was released)") from None
        if ref.tag == "student_fn":
            fn = getattr(self.module, str(ref.ident), None)
            if not callable(fn):
                raise codec.CodecError(f"your module has no function {ref.ident!r}")
            return fn
        if ref.tag == "callback":
            return self._callback(ref.ident)
        raise codec.CodecError("unexpected reference")

    def _callback(self, cb_id):
        """A function that runs a test-defined helper in the grader and returns its result."""
        worker = self

        def callback(*args, **kwargs):
            with worker.leash:
                worker.send({"op": "callback", "cb": cb_id, "args": list(args), "kwargs": kwargs})
                reply = worker.recv()
            if reply.get("op") != "callback_result":
                raise RuntimeError("protocol error while calling a test helper")
            for key, report in (reply.get("rngs") or {}).items():
                target = args[int(key)] if key.isdigit() else kwargs.get(key)
                if isinstance(target, np.random.Generator):
                    codec.sync_generator(target, report)
            if not reply.get("ok"):
                raise RuntimeError(f"the test's helper function failed: {reply.get('error')}")
            return reply.get("value")

        callback.__name__ = f"test_helper_{cb_id}"
        return callback

    # -- import guard ---------------------------------------------------------------------------
    def _allowed(self, name: str, fromlist) -> bool:
        """``import a.b`` needs a.b allowed; ``from a import b`` needs a or every a.b allowed."""
        def ok(full: str) -> bool:  # __future__, as grader.submission.check_source allows it
            return full == "__future__" or any(full == a or full.startswith(a + ".") for a in self.allowed)

        if ok(name):
            return True
        names = [f for f in (fromlist or ()) if f != "*"]
        return bool(names) and all(ok(f"{name}.{f}") for f in names)

    def _install_import_guard(self) -> None:
        real_import = builtins.__import__
        student_module = self.module_name
        worker = self

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            # Judge by the calling frame, not the globals argument a caller may forge or omit.
            importer = sys._getframe(1).f_globals.get("__name__")
            if importer == student_module:
                if level:
                    raise ImportError("relative imports are not allowed in a submission")
                if not worker._allowed(name, fromlist):
                    raise ImportError(f"importing {name!r} is not allowed in this course; "
                                      f"allowed: {', '.join(worker.allowed)}")
            return real_import(name, globals, locals, fromlist, level)

        builtins.__import__ = guarded_import

    # -- serving --------------------------------------------------------------------------------
    def load(self) -> dict | None:
        self._install_import_guard()
        try:
            spec = importlib.util.spec_from_file_location(self.module_name, self.module_path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.module_name] = module
            code = _precompiled(self.module_path)
            if code is None:
                spec.loader.exec_module(module)
            else:
                exec(code, module.__dict__)  # what exec_module does with the code it compiles
        except BaseException as err:  # noqa: B036 - SystemExit at import is a student error too
            return _describe(err, self.module_path)
        self.module = module
        return None

    def serve(self) -> None:
        error = self.load()
        functions = sorted(k for k, v in vars(self.module).items() if callable(v)) if self.module else []
        self.send({"op": "ready", "error": error, "functions": functions, "pid": os.getpid()})
        while True:
            self.only_the_worker()
            try:
                data = self.reader.read()
            except EOFError:
                return
            self.handle(data)

    def handle(self, data: bytes) -> None:
        try:
            msg = codec.decode(data, resolve=self._resolve)
        except codec.CodecError as err:
            self.send({"op": "result", "id": None, "ok": False,
                       "error": {"type": "CodecError", "mro": ["CodecError"], "message": str(err), "where": ""}})
            return
        op = msg.get("op")
        if op == "reset":
            self.handles.clear()
        elif op == "exit":
            sys.stdout.flush()
            os._exit(0)
        elif op == "call":
            self.call(msg)
        elif op == "map":
            self.call_many(msg)
        elif op == "iterate":
            self.iterate(msg)
        elif op == "leash":
            self.leash.apply(self.module, msg.get("functions"), msg.get("seconds"))

    def call(self, msg: dict) -> None:
        call_id = msg.get("id")
        name = msg.get("fn")
        args = msg.get("args") or []
        kwargs = msg.get("kwargs") or {}
        check = bool(msg.get("check"))
        fn = getattr(self.module, name, None) if self.module is not None and isinstance(name, str) else None
        if not callable(fn):
            self.send({"op": "result", "id": call_id, "ok": False,
                       "error": {"type": "AttributeError", "mro": ["AttributeError", "Exception"],
                                 "message": f"your module has no function {name!r}", "where": ""}})
            return
        labelled = [(str(i), a) for i, a in enumerate(args)] + list(kwargs.items())
        before = {k: _fingerprint(v) for k, v in labelled} if check else {}
        global_before = self.global_random.snapshot()
        caught: list = []
        try:
            if msg.get("quiet"):
                value, caught = call_recording_warnings(fn, args, kwargs)
            else:
                value = fn(*args, **kwargs)
        except BaseException as err:  # noqa: B036 - SystemExit/KeyboardInterrupt only cost this call
            self.send({"op": "result", "id": call_id, "ok": False, "error": _describe(err, self.module_path)})
            return
        mutated = [k for k, v in labelled if check and _fingerprint(v) != before[k]]
        rngs = {k: codec.generator_report(v) for k, v in labelled if isinstance(v, np.random.Generator)}
        reply = {"op": "result", "id": call_id, "ok": True, "value": value, "mutated": mutated, "rngs": rngs,
                 "global_random": self.global_random.snapshot() != global_before,
                 "warnings": [_describe_warning(w, self.module_path) for w in caught[:_MAX_WARNINGS]]}
        try:
            payload = codec.encode(reply, fallback=self._keep)
        except BaseException as err:  # noqa: B036 - a hostile return value's hooks may raise anything
            payload = codec.encode({"op": "result", "id": call_id, "ok": False, "error": {
                "type": "ReturnValueError", "mro": ["ReturnValueError"], "where": "",
                "message": f"the returned value cannot be graded: {_safe_str(err)}"}})
        self.transmit(payload)

    def call_many(self, msg: dict) -> None:
        call_id = msg.get("id")
        name = msg.get("fn")
        fn = getattr(self.module, name, None) if self.module is not None and isinstance(name, str) else None
        calls = msg.get("calls")
        values = []
        global_before = self.global_random.snapshot()
        try:
            if not callable(fn):
                raise AttributeError(f"your module has no function {name!r}")
            for args, kwargs in calls:
                values.append(fn(*args, **kwargs))
        except BaseException as err:  # noqa: B036
            self.send({"op": "result", "id": call_id, "ok": False, "error": _describe(err, self.module_path)})
            return
        k = msg.get("output")
        selected = type(k) is int and all(isinstance(v, (tuple, list)) and -len(v) <= k < len(v) for v in values)
        if selected:
            values = [v[k] for v in values]  # only what the test reads crosses back (not caches)
        self.send({"op": "result", "id": call_id, "ok": True, "value": values, "selected": selected,
                   "global_random": self.global_random.snapshot() != global_before})

    def iterate(self, msg: dict) -> None:
        """The step loop of :func:`grader.steps.run_steps` (``checks.iterate``), each output encoded
        as soon as it is returned."""
        call_id = msg.get("id")
        name = msg.get("fn")
        fn = getattr(self.module, name, None) if self.module is not None and isinstance(name, str) else None
        args, kwargs = list(msg.get("args") or []), dict(msg.get("kwargs") or {})
        labelled = [(str(i), a) for i, a in enumerate(args)] + list(kwargs.items())
        global_before = self.global_random.snapshot()
        try:
            if not callable(fn):
                raise AttributeError(f"your module has no function {name!r}")
            outputs = run_steps(fn, args, kwargs, msg.get("steps") or [], msg.get("carry") or [],
                                lambda out: codec.encode(out, fallback=self._keep))
        except BaseException as err:  # noqa: B036
            self.send({"op": "result", "id": call_id, "ok": False, "error": _describe(err, self.module_path)})
            return
        rngs = {k: codec.generator_report(v) for k, v in labelled if isinstance(v, np.random.Generator)}
        self.send({"op": "result", "id": call_id, "ok": True, "value": outputs, "rngs": rngs,
                   "global_random": self.global_random.snapshot() != global_before})


def _precompiled(module_path: str) -> types.CodeType | None:
    """The module's code as the grader compiled it, if it left it and it is for this file."""
    try:
        with open(os.path.splitext(module_path)[0] + BYTECODE_SUFFIX, "rb") as fh:
            code = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) and code.co_filename == module_path else None


def _describe_warning(record, module_path: str) -> dict:
    try:
        category = str(record.category.__name__)
        where = f"line {record.lineno}" if record.filename == module_path else ""
        message = str(record.message)
    except BaseException:  # noqa: B036 - a student's own Warning class may misbehave
        category, where, message = "Warning", "", "<unprintable>"
    return {"category": category[:100], "message": message[:_MAX_MESSAGE_TEXT], "where": where}


def _fingerprint(value) -> bytes | None:
    """Bytes that change when an argument is modified in place (generators excluded: they advance)."""
    if isinstance(value, np.random.Generator) or callable(value):
        return None
    try:
        return codec.encode(value, fallback=_object_fingerprint)
    except Exception:
        return None


def _object_fingerprint(value) -> list:
    """An object the codec cannot send (kept behind a handle), by identity and its attributes: an
    optimizer state {"moments": obj} whose obj.t += 1 is a modified input too. A module (a namespace,
    not state) is seen by identity only."""
    attrs = None if isinstance(value, types.ModuleType) else getattr(value, "__dict__", None)
    return ["object", id(value), dict.copy(attrs) if isinstance(attrs, dict) else None]


def _safe_str(err: BaseException) -> str:
    try:
        text = str(err)
    except BaseException:  # noqa: B036
        text = "<unprintable>"
    return text if len(text) <= _MAX_MESSAGE_TEXT else text[:_MAX_MESSAGE_TEXT] + "..."


def _describe(err: BaseException, module_path: str) -> dict:
    """Plain-data description of an exception: class names, message, the student's line."""
    try:
        mro = [c.__name__ for c in type(err).__mro__]
    except BaseException:  # noqa: B036
        mro = ["Exception"]
    where = function = ""
    try:
        # The frames' own code and line, not traceback.extract_tb: that reads every file on the
        # traceback's source lines (0.4 ms in a fresh worker) for nothing shown here.
        frames = [(line, frame.f_code.co_name) for frame, line in traceback.walk_tb(err.__traceback__)
                  if frame.f_code.co_filename == module_path]
        if isinstance(err, SyntaxError) and err.lineno:
            where = f"line {err.lineno}"
        elif frames:
            where = f"line {frames[-1][0]}, in {frames[-1][1]}"
            function = frames[-1][1]
    except BaseException:  # noqa: B036
        pass
    return {"type": mro[0], "mro": mro, "message": _safe_str(err), "where": where, "function": function}


def _die_with_the_grader(fd: int) -> None:
    """Exit as soon as the grader's end of the socket is closed, even while the student's code
    runs (a loop never reads the socket again). A worker spawned by a grading process that was
    killed (Ctrl-C, an out-of-memory kill) has no zygote to kill it and no parent-death signal
    (its parent may be a short-lived thread), so it would otherwise spin up to the CPU backstop.
    Polling for the hang-up reads nothing, so the messages stay for the main thread. Signals
    are blocked here, so the leash's SIGALRM always interrupts the main thread."""
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    poller = select.poll()
    poller.register(fd, select.POLLRDHUP)  # POLLHUP, POLLERR and POLLNVAL are always reported
    poller.poll()  # no timeout: returns only with one of those
    os._exit(0)


class _Discard(io.TextIOBase):
    """sys.stdout and sys.stderr of student code: what it prints is never shown to anyone, and
    written to the log it would hit the worker's file-size limit (8 MB), after which every print,
    in any function, raised OSError "File too large" and cost those functions their tests."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def main(argv: list[str]) -> None:
    fd, module_path, module_name, allowed = int(argv[0]), argv[1], argv[2], json.loads(argv[3])
    sys.stdout = sys.stderr = _Discard()
    sock = socket.socket(fileno=fd)
    # A small stack: the thread's stack counts against the worker's address-space limit.
    threading.stack_size(1 << 18)
    threading.Thread(target=_die_with_the_grader, args=(fd,), name="grader-lifeline", daemon=True).start()
    threading.stack_size(0)
    _Worker(sock, module_path, module_name, allowed).serve()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
