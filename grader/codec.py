"""Safe encoding of plain data across the grader/worker boundary.

A message is a JSON header plus raw array buffers:

    u32 header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

Arrays travel as ``{"@": "nd", "dtype": "<f8", "shape": [3, 4], "buf": 0}``: the dtype must be in
an allow-list of plain numeric types (never object or structured dtypes) and the buffer length
must match the shape exactly. Nothing is ever unpickled, and decoding builds only dicts, lists,
tuples, strings, numbers, ndarrays and ``numpy.random.Generator``s, so a hostile peer can at worst
send wrong numbers. Values the encoder cannot represent are handed to ``fallback`` (the worker
keeps them behind opaque handles) or rejected.

This module is imported by the worker too, so it depends only on the standard library and numpy.
"""

from __future__ import annotations

import json
import struct
from typing import Any, Callable

import numpy as np

MAX_MESSAGE = 512 * 1024 * 1024  # bytes: far above any legitimate test value
MAX_DEPTH = 64
_ALLOWED_KINDS = set("biufc")
_BITGENS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "Philox": np.random.Philox,
            "SFC64": np.random.SFC64, "MT19937": np.random.MT19937}
_HEADER = struct.Struct("<I")


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


_TAGS = ("handle", "callback", "student_fn")


def _encode(value: Any, bufs: list, fallback: Callable[[Any], Tagged] | None, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if abs(value) < 2**63 else {"@": "bigint", "v": str(value)}
    if t is float:
        return value if value == value and abs(value) != float("inf") else {"@": "float", "v": repr(value)}
    if t is list:
        return [_encode(v, bufs, fallback, depth + 1) for v in value]
    if t is tuple or (isinstance(value, tuple) and hasattr(value, "_fields")):
        return {"@": "tuple", "v": [_encode(v, bufs, fallback, depth + 1) for v in value]}
    if t is dict:
        items = list(value.items())
        if all(type(k) is str for k, _ in items) and "@" not in value:
            return {k: _encode(v, bufs, fallback, depth + 1) for k, v in items}
        return {"@": "dict", "v": [[_encode(k, bufs, fallback, depth + 1), _encode(v, bufs, fallback, depth + 1)]
                                   for k, v in items]}
    if isinstance(value, np.ndarray) and value.dtype.kind in _ALLOWED_KINDS and value.dtype.fields is None:
        arr = np.ascontiguousarray(value).view(np.ndarray)  # drops any ndarray subclass
        bufs.append(arr.tobytes())
        return {"@": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape), "buf": len(bufs) - 1}
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        bufs.append(value.tobytes())
        return {"@": "scalar", "dtype": value.dtype.str, "buf": len(bufs) - 1}
    if t is complex:
        return {"@": "complex", "v": [value.real, value.imag]}
    if isinstance(value, np.random.Generator):
        bg = value.bit_generator
        if type(bg).__name__ not in _BITGENS:
            raise CodecError(f"unsupported bit generator {type(bg).__name__}")
        return {"@": "rng", "state": _encode(bg.state, bufs, None, depth + 1)}
    if isinstance(value, Tagged):
        return {"@": value.tag, "id": value.ident}
    if fallback is not None:
        tagged = fallback(value)
        return {"@": tagged.tag, "id": tagged.ident}
    raise CodecError(f"cannot send a value of type {t.__name__} across the process boundary")


def encode(message: Any, fallback: Callable[[Any], Tagged] | None = None) -> bytes:
    """Encode ``message`` into one framed byte string (without the outer length prefix)."""
    bufs: list[bytes] = []
    header = json.dumps(_encode(message, bufs, fallback, 0), separators=(",", ":"),
                        allow_nan=False).encode()
    sizes = [len(b) for b in bufs]
    head = json.dumps(sizes).encode()
    return b"".join([_HEADER.pack(len(head)), head, _HEADER.pack(len(header)), header, *bufs])


def _dtype(spec: Any) -> np.dtype:
    if not isinstance(spec, str) or len(spec) > 8:
        raise CodecError("malformed dtype")
    try:
        dt = np.dtype(spec)
    except TypeError:
        raise CodecError(f"unknown dtype {spec!r}") from None
    if dt.kind not in _ALLOWED_KINDS or dt.fields is not None or dt.subdtype is not None:
        raise CodecError(f"dtype {spec!r} is not allowed")
    return dt


def _decode(obj: Any, bufs: list[memoryview], resolve: Callable[[Tagged], Any] | None, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError("message nested too deeply")
    t = type(obj)
    if obj is None or t in (bool, int, float, str):
        return obj
    if t is list:
        return [_decode(v, bufs, resolve, depth + 1) for v in obj]
    if t is not dict:
        raise CodecError("malformed message")
    tag = obj.get("@")
    if tag is None:
        return {k: _decode(v, bufs, resolve, depth + 1) for k, v in obj.items()}
    if tag == "nd":
        dt = _dtype(obj.get("dtype"))
        shape = obj.get("shape")
        if type(shape) is not list or len(shape) > 32 or not all(type(s) is int and s >= 0 for s in shape):
            raise CodecError("malformed array shape")
        buf = _buffer(obj, bufs)
        count = 1
        for s in shape:
            count *= s
        if count * dt.itemsize != len(buf):
            raise CodecError("array buffer does not match its shape")
        return np.frombuffer(buf, dtype=dt).reshape(shape) if count else np.zeros(shape, dtype=dt)
    if tag == "scalar":
        dt = _dtype(obj.get("dtype"))
        buf = _buffer(obj, bufs)
        if len(buf) != dt.itemsize:
            raise CodecError("scalar buffer has the wrong size")
        return np.frombuffer(buf, dtype=dt)[0]
    if tag == "tuple":
        return tuple(_decode(v, bufs, resolve, depth + 1) for v in _list(obj))
    if tag == "dict":
        out = {}
        for pair in _list(obj):
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("malformed dict")
            key = _decode(pair[0], bufs, resolve, depth + 1)
            if type(key) not in (str, int, float, bool, tuple) and key is not None:
                raise CodecError("unhashable dict key")
            out[key] = _decode(pair[1], bufs, resolve, depth + 1)
        return out
    if tag == "float":
        v = obj.get("v")
        if v not in ("nan", "inf", "-inf"):
            raise CodecError("malformed float")
        return float(v)
    if tag == "bigint":
        v = obj.get("v")
        if type(v) is not str or len(v) > 4000:
            raise CodecError("malformed integer")
        return int(v)
    if tag == "complex":
        v = obj.get("v")
        if type(v) is not list or len(v) != 2 or not all(type(x) in (int, float) for x in v):
            raise CodecError("malformed complex")
        return complex(v[0], v[1])
    if tag == "rng":
        return make_generator(_decode(obj.get("state"), bufs, None, depth + 1))
    if tag in _TAGS:
        ident = obj.get("id")
        if type(ident) not in (int, str):
            raise CodecError("malformed reference")
        ref = Tagged(tag, ident)
        return resolve(ref) if resolve is not None else ref
    raise CodecError(f"unknown tag {tag!r}")


def _list(obj: dict) -> list:
    v = obj.get("v")
    if type(v) is not list:
        raise CodecError("malformed message")
    return v


def _buffer(obj: dict, bufs: list[memoryview]) -> memoryview:
    i = obj.get("buf")
    if type(i) is not int or not 0 <= i < len(bufs):
        raise CodecError("bad buffer reference")
    return bufs[i]


def make_generator(state: Any) -> np.random.Generator:
    """Rebuild a Generator from a bit-generator state dict (validated by numpy itself)."""
    if type(state) is not dict or state.get("bit_generator") not in _BITGENS:
        raise CodecError("malformed generator state")
    bg = _BITGENS[state["bit_generator"]]()
    try:
        bg.state = state
    except (TypeError, ValueError, KeyError, OverflowError):
        raise CodecError("invalid generator state") from None
    return np.random.Generator(bg)


def decode(data: bytearray | bytes, resolve: Callable[[Tagged], Any] | None = None) -> Any:
    """Decode one message produced by :func:`encode`. Arrays are writable views of ``data``."""
    view = memoryview(data)
    try:
        (n,) = _HEADER.unpack_from(view, 0)
        sizes = json.loads(bytes(view[4:4 + n]))
        pos = 4 + n
        (m,) = _HEADER.unpack_from(view, pos)
        pos += 4
        header = json.loads(bytes(view[pos:pos + m]))
        pos += m
    except (struct.error, ValueError, UnicodeDecodeError, RecursionError):
        raise CodecError("malformed message header") from None
    if type(sizes) is not list or not all(type(s) is int and s >= 0 for s in sizes):
        raise CodecError("malformed buffer table")
    bufs = []
    for s in sizes:
        if pos + s > len(view):
            raise CodecError("message truncated")
        bufs.append(view[pos:pos + s])
        pos += s
    if pos != len(view):
        raise CodecError("trailing bytes in message")
    try:
        return _decode(header, bufs, resolve, 0)
    except RecursionError:
        raise CodecError("message nested too deeply") from None


# -- framing over a socket -------------------------------------------------------------------

_LEN = struct.Struct("<Q")


def send(sock, payload: bytes) -> None:
    sock.sendall(_LEN.pack(len(payload)) + payload if len(payload) < 65536 else _LEN.pack(len(payload)))
    if len(payload) >= 65536:
        sock.sendall(payload)


def recv_exact(sock, n: int) -> bytearray:
    """Read exactly n bytes (blocking); raise EOFError when the peer closed."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("peer closed the connection")
        got += k
    return buf


def recv(sock) -> bytearray:
    (n,) = _LEN.unpack(recv_exact(sock, _LEN.size))
    if n > MAX_MESSAGE:
        raise CodecError(f"message of {n} bytes exceeds the {MAX_MESSAGE} byte limit")
    return recv_exact(sock, n)
