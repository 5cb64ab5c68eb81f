"""Safe encoding of plain data across the grader/worker boundary.

Messages are MessagePack (decoded by msgpack's C unpacker, which builds only plain containers and
never runs code) with a few extension types, each validated on the way in:

* arrays: dtype string, shape and raw bytes; the dtype must be a plain numeric type (never object
  or structured dtypes) and the byte count must match the shape exactly;
* NumPy scalars, tuples, complex numbers, integers beyond 64 bits;
* ``numpy.random.Generator``: its bit generator's state, rebuilt and checked by numpy itself, and
  its seed sequence (so that ``rng.spawn`` gives the same children on both sides);
* references (:class:`Tagged`): handles to values kept in the worker, test callbacks, student
  functions.

So a hostile peer can at worst send wrong numbers. Values the encoder cannot represent are handed
to ``fallback`` (the worker keeps them behind opaque handles) or rejected. ``strict_types`` keeps
subclasses (an ndarray subclass with a lying ``__eq__``, a float subclass) from passing as plain
values: they go through the same conversion as everything else.

This module is imported by the worker too, so it depends only on the standard library, numpy and
msgpack.
"""

from __future__ import annotations

import struct
import threading
from typing import Any, Callable

import msgpack
import numpy as np

MAX_MESSAGE = 512 * 1024 * 1024  # bytes: far above any legitimate test value
# What the grader reads from a worker: the largest reply grading the whole course takes is ~0.5 MB.
# A worker can stream a message without ever holding it (it runs the student's code), and the
# grader holds the whole message before decoding it: up to MAX_MESSAGE, in every grading process.
MAX_REPLY = 64 * 1024 * 1024
# Dimensions of an array: no value in this course has more than 4. Each dimension of a shape that
# feedback shows ("expected shape (5, 4), got ...") is a number the student chose, so a shape is a
# channel out of the worker; an empty array's dimensions cost no memory, so they are bounded too
# (their non-zero product). This keeps a shape to about 30 bits (docs/security.md).
MAX_DIMS = 8
MAX_EMPTY_EXTENT = 1 << 20
# Values (containers, numbers, strings, arrays...) in one message. Each costs the decoder 30 to 120
# bytes of Python objects for as little as 1 byte of message, so a message of MAX_MESSAGE bytes of
# empty lists would cost about 30 GB; this bound keeps any message below about 120 MB of objects.
# A legitimate message holds a few thousand at most (arrays are one value each, whatever their size).
MAX_VALUES = 1_000_000
# Extension payloads (tuples, references, generators) nested in one another. Each level is one more
# msgpack.unpackb on the C stack (~32 KB of it), so a 2 KB tuple nested 250 deep would crash the
# grader with a segfault before Python's recursion limit could stop it. A legitimate value (a
# cache of caches) nests a handful.
MAX_DEPTH = 32
_ALLOWED_KINDS = set("biufc")
_BITGENS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "Philox": np.random.Philox,
            "SFC64": np.random.SFC64, "MT19937": np.random.MT19937}
_ND, _SCALAR, _TUPLE, _REF, _RNG, _BIGINT, _COMPLEX = range(1, 8)
_TAGS = ("handle", "callback", "student_fn")


class CodecError(Exception):
    """A value that cannot be encoded, or a message that is malformed."""


class Tagged:
    """A value the codec passes through as a tagged reference: handles, callbacks, student functions."""

    __slots__ = ("tag", "ident")

    def __init__(self, tag: str, ident: Any):
        self.tag = tag
        self.ident = ident

    def __repr__(self) -> str:
        return f"<{self.tag} {self.ident}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tagged) and (self.tag, self.ident) == (other.tag, other.ident)

    def __hash__(self) -> int:
        return hash((self.tag, self.ident))


# Arrays are the bulk of every message, so their path is kept short: the header's first bytes
# (dtype string length, ndim, dtype string) are cached per (dtype, ndim), and the shape's struct
# per ndim. Only dtypes that passed the checks are cached, so a cache hit is a checked dtype.
_SHAPE = [struct.Struct(f"<{k}Q") for k in range(65)]  # numpy allows up to 64 dimensions
_HEADS: dict[tuple[np.dtype, int], bytes] = {}
_MAX_CACHED = 256


def _ext(code: int, data: bytes) -> msgpack.ExtType:
    """``msgpack.ExtType(code, data)`` without its constructor's type checks (~2 us per value):
    every caller passes one of our codes and bytes."""
    return tuple.__new__(msgpack.ExtType, (code, data))


def _allowed(dt: np.dtype) -> bool:
    return dt.kind in _ALLOWED_KINDS and dt.fields is None and dt.subdtype is None


def _array_payload(arr: np.ndarray) -> bytes:
    """dtype string length, ndim, dtype string, shape (uint64 each), then the C-order bytes."""
    head = _HEADS.get((arr.dtype, arr.ndim))
    if head is None:
        dt = arr.dtype.str.encode()
        head = struct.pack("<BB", len(dt), arr.ndim) + dt
        if len(_HEADS) < _MAX_CACHED and _allowed(arr.dtype):
            _HEADS[(arr.dtype, arr.ndim)] = head
    return head + _SHAPE[arr.ndim].pack(*arr.shape) + arr.tobytes()  # tobytes is C order, even for views


_state = threading.local()


def _default(value: Any) -> msgpack.ExtType:
    """msgpack's hook for every value that is not a plain str/bytes/int/float/bool/None/list/dict."""
    if type(value) is np.ndarray:
        head = _HEADS.get((value.dtype, value.ndim))  # present only for an allowed dtype
        if head is not None:
            return _ext(_ND, head + _SHAPE[value.ndim].pack(*value.shape) + value.tobytes())
    if isinstance(value, np.ndarray):
        if _allowed(value.dtype):
            return _ext(_ND, _array_payload(value.view(np.ndarray)))
    elif isinstance(value, np.generic):
        if value.dtype.kind in _ALLOWED_KINDS:
            return _ext(_SCALAR, _array_payload(np.asarray(value).reshape(1)))
    elif type(value) is tuple or (isinstance(value, tuple) and hasattr(value, "_fields")):
        return _ext(_TUPLE, _pack(list(value)))
    elif isinstance(value, Tagged):
        return _ext(_REF, _pack([value.tag, value.ident]))
    elif type(value) is int:
        return _ext(_BIGINT, str(value).encode())
    elif type(value) is complex:
        return _ext(_COMPLEX, struct.pack("<dd", value.real, value.imag))
    elif isinstance(value, np.random.Generator):
        name = type(value.bit_generator).__name__
        if name not in _BITGENS:
            raise CodecError(f"unsupported bit generator {name}")
        return _ext(_RNG, _pack([value.bit_generator.state, _seed_state(value.bit_generator)]))
    elif isinstance(value, dict):  # a subclass (a plain dict never gets here): its items, by dict's own code
        return dict.copy(value)
    elif isinstance(value, list):
        return list.copy(value)
    fallback = _state.fallback
    if fallback is not None:
        return _default(fallback(value))
    raise CodecError(f"cannot send a value of type {type(value).__name__} across the process boundary")


def _pack(value: Any) -> bytes:
    # A Packer is costly to create (it allocates a buffer), so each thread keeps one per nesting
    # level (tuples and generator states are packed inside their parent).
    state = _state
    try:
        pool, level = state.pool, state.depth
    except AttributeError:
        pool, level = state.pool, state.depth = [], 0
    if level == len(pool):
        pool.append(msgpack.Packer(default=_default, strict_types=True, use_bin_type=True, datetime=False))
    packer = pool[level]
    state.depth = level + 1
    try:
        return packer.pack(value)
    except BaseException:
        packer.reset()
        raise
    finally:
        state.depth = level


def encode(message: Any, fallback: Callable[[Any], Tagged] | None = None) -> bytes:
    """Encode ``message`` into bytes (without the length prefix used on the socket)."""
    saved = getattr(_state, "fallback", None)
    _state.fallback = fallback
    try:
        return _pack(message)
    except CodecError:
        raise
    except (TypeError, ValueError, OverflowError, RecursionError) as err:
        raise CodecError(f"cannot encode the value: {err}") from None
    finally:
        _state.fallback = saved


_DTYPES: dict[bytes, np.dtype] = {}  # dtype strings already checked (the few a session uses)


def _dtype(spec: bytes) -> np.dtype:
    dt = _DTYPES.get(spec)
    if dt is not None:
        return dt
    try:
        dt = np.dtype(spec.decode("ascii"))
    except (TypeError, ValueError, UnicodeDecodeError):
        raise CodecError("malformed dtype") from None
    if not _allowed(dt):
        raise CodecError(f"dtype {dt} is not allowed")
    if len(_DTYPES) < _MAX_CACHED:
        _DTYPES[spec] = dt
    return dt


def _array(data: bytes) -> np.ndarray:
    if len(data) < 2:
        raise CodecError("malformed array")
    n, ndim = data[0], data[1]
    if ndim > MAX_DIMS:
        raise CodecError(f"an array of {ndim} dimensions (at most {MAX_DIMS})")
    dt = _dtype(data[2:2 + n])
    pos = 2 + n + 8 * ndim
    if len(data) < pos:
        raise CodecError("malformed array")
    shape = _SHAPE[ndim].unpack_from(data, 2 + n)
    count = 1
    for s in shape:
        count *= s
    if count * dt.itemsize != len(data) - pos:
        raise CodecError("array buffer does not match its shape")
    if not count:
        extent = 1
        for s in shape:
            extent *= s or 1
        if extent > MAX_EMPTY_EXTENT:
            raise CodecError(f"an empty array of shape with more than {MAX_EMPTY_EXTENT} entries besides its 0")
    arr = np.empty(shape, dtype=dt)  # a fresh, writable array of its own
    if count:
        memoryview(arr).cast("B")[:] = memoryview(data)[pos:]
    return arr


def decode(data: bytes | bytearray, resolve: Callable[[Tagged], Any] | None = None) -> Any:
    """Decode one message produced by :func:`encode`; ``resolve`` maps references to local values."""

    def ext_hook(code: int, data: bytes) -> Any:
        if code == _ND:
            return _array(data)
        if code == _SCALAR:
            arr = _array(data)
            if arr.shape != (1,):
                raise CodecError("malformed scalar")
            return arr[0]
        if code == _TUPLE:
            items = unpack(data)
            if type(items) is not list:
                raise CodecError("malformed tuple")
            return tuple(items)
        if code == _REF:
            ref = unpack(data)
            if type(ref) is not list or len(ref) != 2 or ref[0] not in _TAGS or type(ref[1]) not in (int, str):
                raise CodecError("malformed reference")
            tagged = Tagged(ref[0], ref[1])
            return resolve(tagged) if resolve is not None else tagged
        if code == _BIGINT:
            if len(data) > 4000:
                raise CodecError("integer too large")
            try:
                return int(data.decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                raise CodecError("malformed integer") from None
        if code == _COMPLEX:
            if len(data) != 16:
                raise CodecError("malformed complex")
            return complex(*struct.unpack("<dd", data))
        if code == _RNG:
            state = unpack(data)
            if type(state) is not list or len(state) != 2:
                raise CodecError("malformed generator")
            return make_generator(*state)
        raise CodecError(f"unknown extension type {code}")

    depth = 0

    def unpack(raw: bytes) -> Any:
        nonlocal depth
        if depth > MAX_DEPTH:
            raise CodecError(f"the value nests more than {MAX_DEPTH} tuples deep")
        depth += 1
        try:
            return msgpack.unpackb(raw, ext_hook=ext_hook, raw=False, strict_map_key=False,
                                   use_list=True)
        except CodecError:
            raise
        except (ValueError, TypeError, msgpack.UnpackException, RecursionError, struct.error) as err:
            raise CodecError(f"malformed message ({type(err).__name__})") from None
        finally:
            depth -= 1

    data = bytes(data) if isinstance(data, bytearray) else data
    if len(data) > MAX_VALUES:  # a message holds at most one value per byte: only a longer one can exceed it
        try:
            _count_values(memoryview(data))
        except RecursionError:
            raise CodecError("malformed message (nested too deeply)") from None
    return unpack(data)


# MessagePack headers: first byte -> (bytes of length field or fixed payload, kind). Kinds: "fixed"
# (payload of the given size), "bin"/"str" (length field, then that many bytes), "ext" (length
# field, type byte, payload), "array"/"map" (count field, then that many values or pairs).
_FIXED = {0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
          0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17}
_SIZED = {0xc4: (1, "bin"), 0xc5: (2, "bin"), 0xc6: (4, "bin"), 0xd9: (1, "bin"), 0xda: (2, "bin"),
          0xdb: (4, "bin"), 0xc7: (1, "ext"), 0xc8: (2, "ext"), 0xc9: (4, "ext"),
          0xdc: (2, "array"), 0xdd: (4, "array"), 0xde: (2, "map"), 0xdf: (4, "map")}
_NESTED = (_TUPLE, _REF, _RNG)  # extension types whose payload is itself MessagePack


def _count_values(data: memoryview, budget: list | None = None) -> None:
    """Walk ``data``'s MessagePack headers without building anything and raise CodecError when it
    holds more than MAX_VALUES values (counting those inside nested extension payloads). Malformed
    data is left for the real decoder to reject."""
    budget = [MAX_VALUES] if budget is None else budget
    pos, pending, end = 0, 1, len(data)
    while pending and pos < end:
        pending -= 1
        budget[0] -= 1
        if budget[0] < 0:
            raise CodecError(f"the message holds more than {MAX_VALUES:,} values")
        head = data[pos]
        pos += 1
        if head <= 0x7f or head >= 0xe0:
            continue
        if head <= 0x8f:
            pending += 2 * (head & 0x0f)
        elif head <= 0x9f:
            pending += head & 0x0f
        elif head <= 0xbf:
            pos += head & 0x1f
        elif head in _FIXED:
            if 0xd4 <= head <= 0xd8 and pos < end and data[pos] in _NESTED:
                _count_values(data[pos + 1:pos + _FIXED[head]], budget)
            pos += _FIXED[head]
        elif head in _SIZED:
            width, kind = _SIZED[head]
            size = int.from_bytes(data[pos:pos + width], "big")
            pos += width
            if kind == "bin":
                pos += size
            elif kind == "ext":
                if pos < end and data[pos] in _NESTED:
                    _count_values(data[pos + 1:pos + 1 + size], budget)
                pos += 1 + size
            else:
                pending += 2 * size if kind == "map" else size
        else:
            return  # 0xc1 (never used): malformed


def _seed_state(bit_generator) -> dict | None:
    """The seed sequence's parameters, when it has plain ones (not a seedless or custom one)."""
    seq = getattr(bit_generator, "seed_seq", None)
    if type(seq) is not np.random.SeedSequence:
        return None
    state = seq.state
    entropy = state["entropy"]
    if not (type(entropy) is int or (isinstance(entropy, (list, tuple)) and all(type(e) is int for e in entropy))):
        return None
    return {"entropy": entropy if type(entropy) is int else list(entropy), "spawn_key": list(state["spawn_key"]),
            "pool_size": int(state["pool_size"]), "n_children_spawned": int(state["n_children_spawned"])}


def _is_count(value: Any, bits: int = 64) -> bool:
    return type(value) is int and 0 <= value < 2 ** bits


def _seed_sequence(seed: Any) -> np.random.SeedSequence | None:
    """Rebuild a seed sequence from :func:`_seed_state`'s dict; sizes are bounded so that a hostile
    peer cannot make the rebuilding expensive."""
    if seed is None:
        return None
    entropy = seed.get("entropy") if type(seed) is dict else None
    spawn_key = seed.get("spawn_key") if type(seed) is dict else None
    ok = (type(seed) is dict and set(seed) == {"entropy", "spawn_key", "pool_size", "n_children_spawned"}
          and (_is_count(entropy, 4096) or (type(entropy) is list and 0 < len(entropy) <= 64
                                             and all(_is_count(e) for e in entropy)))
          and type(spawn_key) is list and len(spawn_key) <= 64 and all(_is_count(k) for k in spawn_key)
          and _is_count(seed["pool_size"]) and 4 <= seed["pool_size"] <= 64
          and _is_count(seed["n_children_spawned"]))
    if not ok:
        raise CodecError("malformed seed sequence")
    return np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key), pool_size=seed["pool_size"],
                                  n_children_spawned=seed["n_children_spawned"])


def generator_report(g: np.random.Generator) -> list:
    """What a call did to a Generator it was given, for :func:`sync_generator` on the other side:
    its bit generator's state and how many children its seed sequence has spawned (None when it
    has no plain seed sequence). ``rng.spawn(1)[0]`` leaves the bit generator's state alone and
    counts a child instead, so without the count the caller would spawn the same child again."""
    seq = getattr(g.bit_generator, "seed_seq", None)
    return [g.bit_generator.state, seq.n_children_spawned if type(seq) is np.random.SeedSequence else None]


def sync_generator(target: np.random.Generator, report: Any) -> None:
    """Advance ``target`` as its copy was advanced on the other side (``report`` from
    :func:`generator_report`, validated here: numpy checks the state, and the spawn count only
    ever moves forward). Raises CodecError for a malformed report."""
    if type(report) is not list or len(report) != 2:
        raise CodecError("malformed generator report")
    state, count = report
    kind = _bitgen_kind(state)
    if kind is None:
        raise CodecError("malformed generator state")
    if kind is not type(target.bit_generator):
        raise CodecError("the generator changed its kind of bit generator")
    _check_state(kind, state)
    seq = getattr(target.bit_generator, "seed_seq", None)
    if type(seq) is np.random.SeedSequence and _is_count(count) and count > seq.n_children_spawned:
        moved = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size,
                                       n_children_spawned=count)
        try:  # numpy >= 1.25: a bit generator's pickled state carries its seed sequence
            target.bit_generator.__setstate__((state, moved))
            return
        except (TypeError, ValueError, KeyError, AttributeError):
            seq.spawn(min(count - seq.n_children_spawned, _MAX_SPAWN_SYNC))  # older numpy: count them off
    target.bit_generator.state = state


def _bitgen_kind(state: Any) -> type | None:
    """The bit generator class a state dict names, or None (a peer's name may be any value: a list
    would make a dictionary lookup raise TypeError)."""
    name = state.get("bit_generator") if type(state) is dict else None
    return _BITGENS.get(name) if type(name) is str else None


_CHECKERS: dict[type, Any] = {}  # a bit generator of each kind, whose state setter checks a peer's state


def _check_state(kind: type, state: dict) -> None:
    """Raise CodecError unless numpy accepts ``state`` for a ``kind`` bit generator: checked on a
    spare one, so that a state refused halfway leaves the caller's generator as it was. (Making a
    fresh generator to check it on costs ~12 us, most of it seeding; setting a state ~1 us.)"""
    checker = _CHECKERS.get(kind) or _CHECKERS.setdefault(kind, kind(0))
    try:
        checker.state = state
    except (TypeError, ValueError, KeyError, IndexError, OverflowError):  # IndexError: a short key list
        raise CodecError("invalid generator state") from None


_MAX_SPAWN_SYNC = 1024  # children spawned one by one when syncing on an older numpy (~5 us each)


def make_generator(state: Any, seed: Any = None) -> np.random.Generator:
    """Rebuild a Generator from a bit-generator state dict (validated by numpy itself) and,
    optionally, its seed sequence's parameters (see :func:`_seed_state`)."""
    kind = _bitgen_kind(state)
    if kind is None:
        raise CodecError("malformed generator state")
    # Without a seed sequence, a fixed seed: no OS entropy is drawn, and the state is replaced next.
    sequence = _seed_sequence(seed)
    bg = kind(0 if sequence is None else sequence)
    try:
        bg.state = state
    except (TypeError, ValueError, KeyError, IndexError, OverflowError):  # IndexError: a short key list
        raise CodecError("invalid generator state") from None
    return np.random.Generator(bg)


# -- framing over a socket -------------------------------------------------------------------

_LEN = struct.Struct("<Q")


def frame(payload: bytes) -> bytes:
    """``payload`` with its length prefix, as :func:`send` puts it on the socket."""
    return _LEN.pack(len(payload)) + payload


def send(sock, payload: bytes, before: bytes = b"") -> None:
    """Send one length-prefixed message (one syscall for small messages), after ``before``:
    messages already framed (see :func:`frame`) that go in the same syscall."""
    if len(payload) < 1 << 16:
        sock.sendall(before + _LEN.pack(len(payload)) + payload)
    else:
        sock.sendall(before + _LEN.pack(len(payload)))
        sock.sendall(payload)


class Reader:
    """Reads length-prefixed messages, usually in a single recv per message."""

    def __init__(self, sock, limit: int = MAX_MESSAGE):
        self.sock = sock
        self.buf = bytearray()
        self.limit = limit  # bytes in one message

    def read(self, wait: Callable[[], None] | None = None) -> bytes:
        """The next message; ``wait()`` is called before each blocking read (it may raise TimeoutError)."""
        buf = self.buf
        while True:
            if len(buf) >= 8:
                (n,) = _LEN.unpack_from(buf, 0)
                if n > self.limit:
                    raise CodecError(f"a message of {n / 2**20:.0f} MiB, above the {self.limit >> 20} MiB limit")
                if len(buf) >= 8 + n:
                    with memoryview(buf) as view:  # one copy: buf[8:8 + n] would be another (up to MAX_MESSAGE)
                        msg = bytes(view[8:8 + n])
                    del buf[:8 + n]
                    return msg
                want = 8 + n - len(buf)
            else:
                want = 8 - len(buf)
            if wait is not None:
                wait()
            chunk = self.sock.recv(max(want, 1 << 16) if want < 1 << 24 else 1 << 24)
            if not chunk:
                raise EOFError("peer closed the connection")
            buf += chunk
