"""Does plain data cross the boundary intact, and is everything else refused?"""

import struct
import subprocess
import sys

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


def test_every_layout_and_byte_order_roundtrips_and_encodes_the_same_when_cached():
    base = np.arange(24.0).reshape(2, 3, 4)
    arrays = [np.asfortranarray(base), base.T, base[:, ::2, 1:], base.astype(">f8"), base.astype(np.float16),
              (base + 1j).astype(np.complex64), np.zeros((3, 0, 2), dtype=np.int8), np.array(7, dtype=">i4"),
              np.ones(5, dtype=np.uint64)[::-1]]
    for arr in arrays:
        first = codec.encode(arr)  # the dtype's header may be built here, then comes from the cache
        assert codec.encode(arr) == first
        out = codec.decode(first)
        assert out.dtype == arr.dtype and out.shape == arr.shape and np.array_equal(out, arr)
        assert out.flags.writeable and out.flags.owndata and out.flags.c_contiguous
        out[...] = 0  # a decoded array is its own: the next decode of the same bytes is untouched
        assert np.array_equal(codec.decode(first), arr)


def test_refused_dtypes_stay_refused_once_allowed_ones_are_cached():
    roundtrip(np.zeros(2))  # '<f8' now cached on both sides
    for spec in (b"|O8", b"|V8", b"<M8[s]", b"<U1"):
        payload = struct.pack("<BB", len(spec), 1) + spec + struct.pack("<Q", 1)
        for _ in range(2):  # refusing a dtype must not cache it
            with pytest.raises(codec.CodecError, match="not allowed"):
                codec.decode(msgpack.packb(msgpack.ExtType(1, payload + b"\0" * 8)))
    too_deep = struct.pack("<BB", 3, 33) + b"<f8" + struct.pack("<33Q", *[1] * 33) + b"\0" * 8
    truncated = struct.pack("<BB", 3, 2) + b"<f8" + struct.pack("<Q", 1)  # the second dimension is missing
    for payload, match in ((too_deep, "an array of 33 dimensions"), (truncated, "malformed array")):
        with pytest.raises(codec.CodecError, match=match):
            codec.decode(msgpack.packb(msgpack.ExtType(1, payload)))


def test_ndarray_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    out = roundtrip(np.zeros(3).view(Liar))
    assert type(out) is np.ndarray


def test_dict_and_list_subclasses_arrive_as_plain_containers():
    # A student may return an optimizer's state as `class State(dict)`: it is a dict, and the tests
    # check `isinstance(state, dict)`. Its items are read by dict's own code, not by its methods.
    class State(dict):
        def items(self):
            raise RuntimeError("not called")

    class Steps(list):
        pass

    out = roundtrip({"state": State(t=2, m=np.ones(2)), "steps": Steps([1, (2, 3)])})
    assert type(out["state"]) is dict and out["state"]["t"] == 2 and np.array_equal(out["state"]["m"], np.ones(2))
    assert type(out["steps"]) is list and out["steps"] == [1, (2, 3)]


def test_generator_state_roundtrips():
    rng = np.random.default_rng(42)
    rng.random(5)
    out = roundtrip(rng)
    assert out.random() == rng.random()


@pytest.mark.parametrize("rng", [np.random.default_rng(42), np.random.default_rng([7, 8, 9]),
                                 np.random.default_rng(3).spawn(2)[1], np.random.Generator(np.random.MT19937(5))],
                         ids=["int seed", "list seed", "spawned child", "MT19937"])
def test_generator_seed_sequence_roundtrips_so_spawn_matches(rng):
    # A student may draw from rng.spawn(1)[0]; the children depend on the seed sequence, not on
    # the bit generator's state, so generators seeded differently must spawn different children.
    out = roundtrip(rng)
    assert out.spawn(1)[0].random() == rng.spawn(1)[0].random()
    assert roundtrip(np.random.default_rng(1)).spawn(1)[0].random() != roundtrip(np.random.default_rng(2)).spawn(1)[0].random()


@pytest.mark.parametrize("seed", [
    {"entropy": 2 ** 5000, "spawn_key": [], "pool_size": 4, "n_children_spawned": 0},
    {"entropy": [1] * 1000, "spawn_key": [], "pool_size": 4, "n_children_spawned": 0},
    {"entropy": 1, "spawn_key": [0] * 1000, "pool_size": 4, "n_children_spawned": 0},
    {"entropy": 1, "spawn_key": [], "pool_size": 10 ** 9, "n_children_spawned": 0},
    {"entropy": 1, "spawn_key": [], "pool_size": 4, "n_children_spawned": -1},
    {"entropy": None, "spawn_key": [], "pool_size": 4, "n_children_spawned": 0},
    {"entropy": 1.5, "spawn_key": [], "pool_size": 4, "n_children_spawned": 0},
    {"entropy": 1, "spawn_key": [], "pool_size": 4},
    [1, 2],
], ids=["huge entropy", "long entropy", "long spawn key", "huge pool", "negative count", "no entropy",
        "float entropy", "missing key", "not a dict"])
def test_hostile_seed_sequence_is_refused(seed):
    state = np.random.default_rng(0).bit_generator.state
    forged = msgpack.packb(msgpack.ExtType(5, codec.encode([state, seed])))
    with pytest.raises(codec.CodecError, match="seed sequence"):
        codec.decode(forged)


def test_generator_sync_takes_the_state_and_spawn_count_and_only_moves_forward():
    copy = np.random.default_rng(5)
    copy.spawn(3)
    copy.random(2)
    target = np.random.default_rng(5)
    codec.sync_generator(target, codec.generator_report(copy))
    assert target.bit_generator.seed_seq.n_children_spawned == 3
    assert target.spawn(1)[0].random() == copy.spawn(1)[0].random() and target.random() == copy.random()
    # a peer cannot move the count back (a child would repeat) nor change the kind of generator
    state = target.bit_generator.state
    codec.sync_generator(target, [state, 1])
    assert target.bit_generator.seed_seq.n_children_spawned == 4
    for report in ([state, -1], [state, 2 ** 64], [state, "7"], [state, None]):
        codec.sync_generator(target, report)
        assert target.bit_generator.seed_seq.n_children_spawned == 4
    for bad in (state, [state], [state, 1, 2], [np.random.Generator(np.random.MT19937(1)).bit_generator.state, 9],
                [{"bit_generator": "PCG64"}, 9], [{**state, "state": {"state": 1}}, 9],
                [{"bit_generator": ["PCG64"]}, 9], [{"bit_generator": {}}, 0], [[], 0]):
        with pytest.raises(codec.CodecError):
            codec.sync_generator(target, bad)
    assert target.bit_generator.seed_seq.n_children_spawned == 4


def test_generator_sync_checks_the_state_before_it_changes_anything():
    target = np.random.default_rng(5)
    before = target.bit_generator.state
    bad = {**before, "state": {"state": 3}}  # refused by numpy once "inc" is found missing
    with pytest.raises(codec.CodecError, match="invalid generator state"):
        codec.sync_generator(target, [bad, 3])
    assert target.bit_generator.state == before and target.bit_generator.seed_seq.n_children_spawned == 0


@pytest.mark.parametrize("name", [["PCG64"], {}, 7, None])
def test_a_generator_whose_kind_is_not_a_name_is_refused_not_a_crash(name):
    state = {**np.random.default_rng(0).bit_generator.state, "bit_generator": name}
    forged = msgpack.packb(msgpack.ExtType(5, codec.encode([state, None])))
    with pytest.raises(codec.CodecError, match="malformed generator state"):
        codec.decode(forged)


@pytest.mark.parametrize("state", [
    {"bit_generator": "MT19937", "state": {"key": [1, 2, 3], "pos": 0}},
    {"bit_generator": "Philox", "state": {"counter": [1], "key": [1]}, "buffer": [1], "buffer_pos": 0,
     "has_uint32": 0, "uinteger": 0},
])
def test_a_generator_state_with_too_few_words_is_refused_not_an_index_error(state):
    # numpy's setters index the key word by word: a short list raised IndexError out of the decoder and out
    # of sync_generator, where the grader catches only CodecError.
    forged = msgpack.packb(msgpack.ExtType(5, codec.encode([state, None])))
    with pytest.raises(codec.CodecError, match="invalid generator state"):
        codec.decode(forged)
    target = np.random.Generator(getattr(np.random, state["bit_generator"])(1))
    with pytest.raises(codec.CodecError, match="invalid generator state"):
        codec.sync_generator(target, [state, 0])


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


def _nested(depth: int):
    value = 1.0
    for _ in range(depth):
        value = (value,)
    return value


def test_tuples_nest_up_to_the_limit_and_no_deeper():
    assert roundtrip(_nested(codec.MAX_DEPTH)) == _nested(codec.MAX_DEPTH)
    with pytest.raises(codec.CodecError, match="nests more than"):
        roundtrip(_nested(codec.MAX_DEPTH + 1))


def test_a_small_deeply_nested_value_is_a_codec_error_not_a_segfault():
    # 400 tuples deep is 2 KB on the wire, and one msgpack.unpackb per level on the C stack: without
    # a depth limit the decoding process dies of SIGSEGV (so it runs in a process of its own here).
    code = ("from grader import codec\nv = 1.0\nfor _ in range(400): v = (v,)\ndata = codec.encode(v)\n"
            "try:\n    codec.decode(data)\nexcept codec.CodecError as err:\n    print('refused:', err)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"the decoder died (status {proc.returncode}): {proc.stderr[-500:]}"
    assert proc.stdout.startswith("refused: the value nests more than"), proc.stdout


def _values(obj) -> int:
    """How many MessagePack values ``obj`` (decoded with raw ExtTypes) holds, nested payloads included."""
    if isinstance(obj, msgpack.ExtType):
        return 1 + (_values(_raw(obj.data)) if obj.code in (codec._TUPLE, codec._REF, codec._RNG) else 0)
    if isinstance(obj, dict):
        return 1 + sum(_values(k) + _values(v) for k, v in obj.items())
    if isinstance(obj, list):
        return 1 + sum(_values(v) for v in obj)
    return 1


def _raw(data):
    return msgpack.unpackb(data, ext_hook=msgpack.ExtType, raw=True, strict_map_key=False)


def test_value_count_reads_every_kind_of_header(monkeypatch):
    # Every MessagePack header the packer can write, at each size class, and nested extension
    # payloads: the header walk must count exactly what a full decode builds.
    nested = [codec._TUPLE, 2, codec._RNG]
    message = [0, -1, 127, 128, 255, 256, 65536, 2 ** 32, 2 ** 63, -33, -129, -40000, -2 ** 31 - 1, -2 ** 40,
               1.5, None, True, False, "", "a" * 40, "a" * 300, "a" * 70000, b"", b"x" * 300, b"x" * 70000,
               list(range(20)), {i: [i] for i in range(20)}, [0] * 70000, {i: None for i in range(70000)},
               *[msgpack.ExtType(code, msgpack.packb(list(range(n)))) for code in nested for n in (0, 3, 100, 300, 30000)],
               *[msgpack.ExtType(2, b"x" * n) for n in (1, 2, 4, 8, 16, 5, 300, 70000)],
               codec.encode((np.arange(3.0), (1, [2, {"k": 3}]))), np.random.default_rng(1)]
    message[-2] = _raw(message[-2])
    message[-1] = _raw(codec.encode(message[-1]))
    data = msgpack.packb(message, use_bin_type=True)
    expected = _values(_raw(data))
    monkeypatch.setattr(codec, "MAX_VALUES", expected)
    codec._count_values(memoryview(data))
    monkeypatch.setattr(codec, "MAX_VALUES", expected - 1)
    with pytest.raises(codec.CodecError, match="more than"):
        codec._count_values(memoryview(data))


def test_a_long_message_cut_off_inside_a_header_is_a_codec_error():
    # Long enough to be walked before decoding (1.2 MB), under the value limit, and ending in the
    # first byte of an extension header: the walk must leave it to the decoder, not raise IndexError.
    for head in (b"\xd4", b"\xd8", b"\xc7", b"\xc9\x00", b"\xdd\x00\x00"):
        cut = b"\xdd" + (600_000).to_bytes(4, "big") + b"\xc4\x01x" * 400_000 + head
        with pytest.raises(codec.CodecError, match="malformed"):
            codec.decode(cut)


def test_a_message_of_a_million_tiny_values_is_refused_before_it_is_built():
    # 30 M empty lists are 30 MB of message but about 2 GB of Python objects once decoded. A message
    # with at most one value per byte under the limit is decoded without the walk.
    bomb = b"\xdd" + (1_200_000).to_bytes(4, "big") + b"\x90" * 1_200_000
    with pytest.raises(codec.CodecError, match="more than 1,000,000 values"):
        codec.decode(bomb)
    nested = codec.encode([(np.zeros(300_000), [[]] * 1000)])
    assert len(nested) > codec.MAX_VALUES
    assert codec.decode(nested)[0][1] == [[]] * 1000


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


def test_a_large_message_is_read_with_one_copy_of_it_besides_the_buffer():
    """A worker can stream a message of up to MAX_MESSAGE bytes in small chunks without ever holding
    it; the grader buffered it and then copied it twice (a bytearray slice, then bytes of it), so one
    hostile call took about 3 x 512 MiB of the grader's memory."""
    import socket
    import threading
    import tracemalloc

    n = 24 << 20
    a, b = socket.socketpair()
    payload = bytes(n)  # made before tracing: only the reader's memory is measured
    sender = threading.Thread(target=lambda: (codec.send(a, payload), a.close()))
    tracemalloc.start()
    try:
        sender.start()
        msg = codec.Reader(b).read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        sender.join()
        b.close()
    assert len(msg) == n
    assert peak < 2.5 * n, f"peak {peak / n:.2f} x the message"


def test_array_shapes_are_bounded_so_that_a_shape_carries_little():
    """A shape in feedback is numbers the student chose: more than MAX_DIMS dimensions, or an empty
    array whose other dimensions multiply past MAX_EMPTY_EXTENT (it costs no memory), is refused."""
    assert roundtrip(np.zeros((1,) * codec.MAX_DIMS)).shape == (1,) * codec.MAX_DIMS
    assert roundtrip(np.zeros((0, 1000, 1000))).shape == (0, 1000, 1000)
    with pytest.raises(codec.CodecError, match=f"an array of {codec.MAX_DIMS + 1} dimensions"):
        roundtrip(np.zeros((1,) * (codec.MAX_DIMS + 1)))
    with pytest.raises(codec.CodecError, match="an empty array"):
        roundtrip(np.empty((0, 126, 133, 641)))  # three numbers of the student's choosing, 20 bits and more


def test_a_reader_refuses_a_message_above_its_limit_before_reading_it():
    """The grader reads a worker's replies with MAX_REPLY: a message announced larger is refused at
    its 8-byte header, not buffered (a worker can stream one without ever holding it)."""
    import socket

    a, b = socket.socketpair()
    try:
        a.sendall((codec.MAX_REPLY + 1).to_bytes(8, "little") + b"\xc6")  # the header only: nothing follows
        with pytest.raises(codec.CodecError, match=f"above the {codec.MAX_REPLY >> 20} MiB limit"):
            codec.Reader(b, codec.MAX_REPLY).read()
        a.sendall(b"\0" * 8)
        assert codec.Reader(b, codec.MAX_REPLY).read() == b""
    finally:
        a.close()
        b.close()
