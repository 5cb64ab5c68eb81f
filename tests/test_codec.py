"""Does plain data cross the boundary intact, and is everything else refused?"""

import struct

import msgpack
import numpy as np
import pytest

from grader import codec


def roundtrip(value, **kw):
    return codec.decode(codec.encode(value, **kw))


def test_plain_values_roundtrip_with_types_kept():
    value = {"a": (1, 2.5, None, True, "s", b"b"), "l": [1, [2]], 7: "int key", "big": 2**100, "c": 1 + 2j,
             "nan": float("nan")}
    out = roundtrip(value)
    assert out["a"] == value["a"] and isinstance(out["a"], tuple)
    assert out["l"] == [1, [2]] and out[7] == "int key" and out["big"] == 2**100 and out["c"] == 1 + 2j
    assert np.isnan(out["nan"])


def test_arrays_and_numpy_scalars_keep_dtype_shape_and_are_writable():
    for arr in [np.arange(12.0).reshape(3, 4), np.zeros((0, 3)), np.array(5, dtype=np.int32),
                np.arange(6, dtype=np.float32)[::2], np.ones((2, 2), dtype=bool)]:
        out = roundtrip(arr)
        assert out.dtype == arr.dtype and out.shape == arr.shape and np.array_equal(out, arr)
        assert out.flags.writeable
    s = roundtrip(np.float32(1.5))
    assert type(s) is np.float32 and s == 1.5


def test_ndarray_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    out = roundtrip(np.zeros(3).view(Liar))
    assert type(out) is np.ndarray


def test_generator_state_roundtrips():
    rng = np.random.default_rng(42)
    rng.random(5)
    out = roundtrip(rng)
    assert out.random() == rng.random()


def test_object_and_structured_dtypes_are_refused_both_ways():
    with pytest.raises(codec.CodecError):
        codec.encode(np.array([object()], dtype=object))
    forged = msgpack.packb(msgpack.ExtType(1, struct.pack("<BB", 3, 1) + b"|O8" + struct.pack("<Q", 1) + b"\0" * 8))
    with pytest.raises(codec.CodecError, match="not allowed"):
        codec.decode(forged)


def test_buffer_that_does_not_match_its_shape_is_refused():
    payload = struct.pack("<BB", 3, 1) + b"<f8" + struct.pack("<Q", 1000) + b"\0" * 8
    with pytest.raises(codec.CodecError, match="does not match"):
        codec.decode(msgpack.packb(msgpack.ExtType(1, payload)))


def test_garbage_and_unknown_extensions_are_codec_errors_not_crashes():
    for raw in [b"\xc1", b"\x92\x01", msgpack.packb(msgpack.ExtType(99, b"x")), b"\xd9\xff" + b"a" * 3]:
        with pytest.raises(codec.CodecError):
            codec.decode(raw)


def test_unencodable_values_use_the_fallback_or_fail():
    with pytest.raises(codec.CodecError, match="cannot send"):
        codec.encode([lambda: 1])
    out = roundtrip([lambda: 1, (object(),)], fallback=lambda v: codec.Tagged("handle", 3))
    assert out == [codec.Tagged("handle", 3), (codec.Tagged("handle", 3),)]


def test_references_are_resolved_only_through_the_callback():
    data = codec.encode([codec.Tagged("handle", 1), codec.Tagged("callback", 2)])
    assert codec.decode(data, resolve=lambda t: (t.tag, t.ident)) == [("handle", 1), ("callback", 2)]
    forged = msgpack.packb(msgpack.ExtType(4, msgpack.packb(["os.system", "rm"])))
    with pytest.raises(codec.CodecError, match="malformed reference"):
        codec.decode(forged)


def test_reader_splits_a_stream_into_messages(tmp_path):
    import socket

    a, b = socket.socketpair()
    for m in [b"one", b"x" * 200_000, b""]:
        codec.send(a, m)
    r = codec.Reader(b)
    assert [r.read(), len(r.read()), r.read()] == [b"one", 200_000, b""]
    a.close()
    with pytest.raises(EOFError):
        r.read()
