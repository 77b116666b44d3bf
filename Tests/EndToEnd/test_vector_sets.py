"""Vector sets end to end: every V* command and option through redis-py 8 (`r.vset()`, RESP2 and
RESP3), `execute_command` and redis-cli, the exact error strings, persistence across restarts,
binary element names and the FILTER language's rules.

The reply shapes and texts follow shared/spec/redis-vector-sets.md; test_vector_sets_differential.py
checks the same against a real Redis 8.8 when one is built.
"""
import json
import random
import struct
import threading

import pytest
import redis
from redis.commands.vectorset.commands import QuantizationOptions

NOQUANT, BIN, Q8 = QuantizationOptions.NOQUANT, QuantizationOptions.BIN, QuantizationOptions.Q8


def resp3(client):
    return client.connection_pool.connection_kwargs.get("protocol") in (3, "3")


def err(call, *args, **kwargs):
    """The error text a call raises, without the ERR prefix redis-py strips."""
    with pytest.raises(redis.ResponseError) as info:
        call(*args, **kwargs)
    return str(info.value)


def ex(client, name, *args):
    """The raw reply: a bytes command name skips redis-py's reply callbacks (which JSON-decode
    VGETATTR, turn VEMB strings into numbers...)."""
    return client.execute_command(name.encode() if isinstance(name, str) else name, *args)


def as_text(value):
    return value.decode() if isinstance(value, bytes) else value


def info_dict(client, key):
    info = client.vset().vinfo(key)
    return None if info is None else {as_text(k): as_text(v) for k, v in info.items()}


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def norm(v):
    return sum(x * x for x in v) ** 0.5


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))


# ---------------------------------------------------------------------------------------------
# VADD

def test_vadd_creates_updates_and_replies_booleans(client):
    v = client.vset()
    first = v.vadd("k", [1.0, 0.0, 0.0], "a")
    assert first == 1 and isinstance(first, bool) == resp3(client)
    assert v.vadd("k", [0.0, 1.0, 0.0], "b", attributes={"x": 1}) == 1
    assert v.vadd("k", [0.5, 0.5, 0.0], "a") == 0  # an update
    assert v.vcard("k") == 2 and v.vdim("k") == 3
    assert v.vgetattr("k", "b") == {"x": 1}
    # An update keeps the attribute unless SETATTR is given; SETATTR "" removes it.
    assert v.vadd("k", [0.0, 1.0, 1.0], "b") == 0
    assert v.vgetattr("k", "b") == {"x": 1}
    assert ex(client, "VADD", "k", "VALUES", 3, 0, 1, 1, "b", "SETATTR", "") == 0
    assert v.vgetattr("k", "b") is None
    assert as_text(client.type("k")) == "vectorset"
    info = info_dict(client, "k")
    assert info["quant-type"] == "int8" and info["hnsw-m"] == 16 and info["vector-dim"] == 3
    assert info["size"] == 2 and info["attributes-count"] == 0 and info["hnsw-max-node-uid"] == 5


def test_vadd_fp32_blob_cas_ef_and_options_in_any_order(client):
    v = client.vset()
    assert v.vadd("k", f32(1, 2, 3), "a", cas=True, ef=500, quantization=NOQUANT) == 1
    assert ex(client, "VADD", "k", "FP32", f32(3, 2, 1), "b", "ef", "10", "noquant", "cas") == 1
    # Repeated options: the last one wins.
    assert ex(client, "VADD", "k", "VALUES", 3, 1, 1, 1, "c", "BIN", "Q8", "NOQUANT", "SETATTR", "x", "SETATTR", "y") == 1
    assert ex(client, "VGETATTR", "k", "c") == b"y"
    emb = v.vemb("k", "a")
    assert emb == pytest.approx([1, 2, 3], rel=1e-6)


def test_quantization_and_m_must_be_repeated(client):
    v = client.vset()
    assert v.vadd("n", [1, 2], "a", quantization=NOQUANT) == 1
    assert err(v.vadd, "n", [1, 3], "b") == "asked quantization mismatch with existing vector set"
    assert err(v.vadd, "n", [1, 3], "b", quantization=BIN) == "asked quantization mismatch with existing vector set"
    assert v.vadd("n", [1, 3], "b", quantization=NOQUANT) == 1
    assert v.vadd("m", [1, 2], "a", numlinks=32) == 1
    assert err(v.vadd, "m", [1, 3], "b") == "asked M value mismatch with existing vector set"
    assert v.vadd("m", [1, 3], "b", numlinks=32, quantization=Q8) == 1
    assert info_dict(client, "m")["hnsw-m"] == 32
    assert v.vadd("bin", [1, -2, 3], "a", quantization=BIN) == 1
    assert info_dict(client, "bin")["quant-type"] == "bin"
    assert info_dict(client, "n")["quant-type"] == "f32"
    assert err(v.vadd, "n", [1, 2, 3], "c", quantization=NOQUANT) == "Vector dimension mismatch - got 3 but set has 2"


def test_vadd_errors(client):
    cases = [
        (("VADD", "k", "VALUES", 1), "wrong number of arguments for 'VADD' command"),
        (("VADD", "k", "VALUES", 3, 1, 0, 0), "wrong number of arguments for 'VADD' command"),
        (("vadd", "k", "VALUES", 0, "e"), "invalid vector specification"),
        (("VADD", "k", "VALUES", 2, 1, "x", "e"), "invalid vector specification"),
        (("VADD", "k", "VALUES", 2, 1, "nan", "e"), "invalid vector specification"),
        (("VADD", "k", "VALUES", 65537, 1, "e"), "invalid vector specification"),
        (("VADD", "k", "FP32", b"abc", "e"), "invalid vector specification"),
        (("VADD", "k", "JSON", "[1]", "e"), "invalid vector specification"),
        (("VADD", "k", "REDUCE", 0, "VALUES", 2, 1, 1, "e"), "invalid vector specification"),
        (("VADD", "k", "REDUCE", 3, "VALUES", 2, 1, 1, "e"), "invalid vector specification"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "FOO"), "invalid option after element"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "EF"), "invalid option after element"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "SETATTR"), "invalid option after element"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "EF", 0), "invalid EF"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "EF", 1000001), "invalid EF"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "M", 3), "invalid M"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "M", 4097), "invalid M"),
        (("VADD", "k", "VALUES", 2, 1, 1, "e", "M", "04"), "invalid M"),
    ]
    for args, message in cases:
        assert err(ex, client, *args) == message, args
    assert client.vset().vcard("k") == 0


# ---------------------------------------------------------------------------------------------
# REDUCE

def test_reduce_projects_deterministically(client):
    v = client.vset()
    assert v.vadd("r", [1, 2, 3, 4], "a", reduce_dim=2, quantization=NOQUANT) == 1
    assert v.vdim("r") == 2
    info = info_dict(client, "r")
    assert info["vector-dim"] == 2 and info["projection-input-dim"] == 4
    # Row i, column j: +1/2 when popcount(i & j) is even: y = (1+2+3+4, 1-2+3-4) / 2.
    assert v.vemb("r", "a") == pytest.approx([5.0, -1.0], rel=1e-6)
    assert err(v.vadd, "r", [1, 0, 0, 0], "b", quantization=NOQUANT) == "Vector dimension mismatch - got 4 but set has 2"
    assert err(v.vadd, "r", [1, 0, 0, 0], "b", reduce_dim=3, quantization=NOQUANT) == \
        "Vector dimension mismatch - got 4 but set has 2"
    assert err(v.vadd, "r", [1, 0, 0, 0, 0], "b", reduce_dim=2, quantization=NOQUANT) == \
        "Input dimension mismatch for projection - got 5 but projection expects 4"
    assert v.vadd("r", [4, 3, 2, 1], "b", reduce_dim=2, quantization=NOQUANT) == 1
    # Queries of the input dimension are projected; queries of the stored dimension are used as is.
    assert v.vsim("r", [1, 2, 3, 4])[0] == b"a"
    assert v.vsim("r", [5, -1])[0] == b"a"
    assert err(v.vsim, "r", [1, 2, 3]) == "Input dimension mismatch for projection - got 3 but projection expects 4"
    assert v.vadd("plain", [1, 2], "a") == 1
    assert err(v.vadd, "plain", [1, 2], "b", reduce_dim=1) == "cannot add projection to existing set without projection"


# ---------------------------------------------------------------------------------------------
# VSIM

@pytest.fixture
def movies(client):
    v = client.vset()
    rows = [
        ("m1", [1, 0, 0], {"year": 1984, "genre": "action", "rating": 8.5, "tags": ["x", "y"]}),
        ("m2", [0.9, 0.1, 0], {"year": 1989, "genre": "drama", "rating": 7.0, "active": True}),
        ("m3", [0.7, 0.3, 0], {"year": 2005, "genre": "action", "rating": 9.1, "director": "Nolan"}),
        ("m4", [0.5, 0.5, 0], {"year": 1975, "genre": "comedy", "active": False, "z": None}),
        ("m5", [0, 1, 0], None),
        ("m6", [0, 0.9, 0.1], "not json"),
    ]
    for name, vec, attr in rows:
        if attr is None:
            v.vadd("mv", vec, name, quantization=NOQUANT)
        elif isinstance(attr, str):
            ex(client, "VADD", "mv", "VALUES", 3, *vec, name, "NOQUANT", "SETATTR", attr)
        else:
            v.vadd("mv", vec, name, attributes=attr, quantization=NOQUANT)
    return v


def test_vsim_reply_shapes(client, movies):
    v = movies
    names = v.vsim("mv", [1, 0, 0])
    assert names[:4] == [b"m1", b"m2", b"m3", b"m4"] and len(names) == 6
    scores = v.vsim("mv", [1, 0, 0], with_scores=True, count=3)
    assert list(scores) == [b"m1", b"m2", b"m3"]
    assert scores[b"m1"] == pytest.approx(1.0, abs=1e-6)
    assert scores[b"m2"] == pytest.approx((1 + cosine([1, 0, 0], [0.9, 0.1, 0])) / 2, abs=1e-6)
    attrs = v.vsim("mv", [1, 0, 0], with_attribs=True, count=2)
    assert attrs == {b"m1": {"year": 1984, "genre": "action", "rating": 8.5, "tags": ["x", "y"]},
                     b"m2": {"year": 1989, "genre": "drama", "rating": 7.0, "active": True}}
    both = v.vsim("mv", [0, 1, 0], with_scores=True, with_attribs=True, count=1)
    assert both == {b"m5": {"score": pytest.approx(1.0, abs=1e-6), "attributes": None}}
    # By element, FP32, COUNT larger than the set, EF, TRUTH, NOTHREAD, EPSILON.
    assert v.vsim("mv", "m4", count=1) == [b"m4"]
    assert v.vsim("mv", f32(0, 1, 0), count=100) == v.vsim("mv", [0, 1, 0], count=100, ef=1, truth=True)
    assert v.vsim("mv", [1, 0, 0], count=2, no_thread=True) == [b"m1", b"m2"]
    within = v.vsim("mv", [1, 0, 0], with_scores=True, epsilon=0.5)
    assert set(within) == {b"m1", b"m2", b"m3", b"m4", b"m5", b"m6"}  # 0.5 keeps orthogonal vectors
    assert set(v.vsim("mv", [1, 0, 0], epsilon=0.1)) == {b"m1", b"m2", b"m3"}
    # A missing key answers an empty array even with WITHSCORES (redis-py's RESP3 parser expects
    # a map there, with Redis too), so read it raw.
    assert ex(client, "VSIM", "nokey", "VALUES", 3, 1, 0, 0, "WITHSCORES") == []


def test_vsim_raw_replies(client, movies):
    rows = ex(client, "VSIM", "mv", "VALUES", 3, 1, 0, 0, "WITHATTRIBS", "WITHSCORES", "COUNT", 2)
    if resp3(client):
        assert list(rows) == [b"m1", b"m2"] and isinstance(rows[b"m1"], list)
        assert rows[b"m1"][0] == pytest.approx(1.0) and json.loads(rows[b"m1"][1])["year"] == 1984
    else:
        assert rows[0] == b"m1" and float(rows[1]) == pytest.approx(1.0) and json.loads(rows[2])["year"] == 1984
        assert len(rows) == 6
    assert ex(client, "VSIM", "nokey", "FOO", "bar") == []
    assert ex(client, "VSIM", "mv", "VALUES", 3, 0, 0, 1, "FILTER", ".year > 3000", "WITHSCORES") in ([], {})


@pytest.mark.parametrize("expr,expected", [
    (".year >= 1980 and .year < 1990", {"m1", "m2"}),
    ('.genre == "action" and .rating > 8.0', {"m1", "m3"}),
    ('.director in ["Spielberg", "Nolan"]', {"m3"}),
    ("(.year - 2000) ** 2 < 100", {"m3"}),
    (".active", {"m2"}),
    (".z == null", {"m4"}),
    ("!(.year == 1984)", {"m2", "m3", "m4"}),
    ('"ol" in .director', {"m3"}),
    ('"x" in .tags', {"m1"}),
    (".tags", {"m1"}),
    (".missing or 1", set()),
    ("1", {"m1", "m2", "m3", "m4", "m6"}),  # every element with an attribute, malformed ones too
    ("0", set()),
    ('.genre == "drama" || .genre == "comedy"', {"m2", "m4"}),
    ("!!.active", {"m2"}),  # post-8.8: repeated nots
    ("not not .active", {"m2"}),
    ('.genre == "act\\"ion"', set()),  # post-8.8: escapes in literals are decoded
    ("'act\\'ion' != .genre and .year > 2000", {"m3"}),
])
def test_vsim_filter_language(client, movies, expr, expected):
    got = movies.vsim("mv", [1, 0, 0], count=100, filter=expr)
    assert {as_text(x) for x in got} == expected
    truth = movies.vsim("mv", [1, 0, 0], count=100, filter=expr, truth=True, filter_ef=1)
    assert {as_text(x) for x in truth} == expected


def test_vsim_errors(client, movies):
    q = ("VSIM", "mv", "VALUES", 3, 1, 0, 0)
    cases = [
        (("VSIM", "mv", "ELE"), "wrong number of arguments for 'VSIM' command"),
        (("VSIM", "mv", "ELE", "nope"), "element not found in set"),
        (("VSIM", "mv", "VALUES", 2, 1, 0), "Vector dimension mismatch - got 2 but set has 3"),
        (("VSIM", "mv", "VALUES", "x"), "invalid vector specification"),
        (("VSIM", "mv", "FP32", b"abcde"), "invalid vector specification"),
        (("VSIM", "mv", "REDUCE", 2, "VALUES", 3, 1, 0, 0), "invalid vector specification"),
        (q + ("COUNT", 0), "invalid COUNT"),
        (q + ("EPSILON", 0), "invalid EPSILON"),
        (q + ("EPSILON", "nan"), "invalid EPSILON"),
        (q + ("EF", 0), "invalid EF"),
        (q + ("EF", 1000001), "invalid EF"),
        (q + ("FILTER-EF", 0), "invalid FILTER-EF"),
        (q + ("COUNT",), "syntax error in VSIM command"),
        (q + ("WITHSCORES", "BOGUS"), "syntax error in VSIM command"),
        (q + ("FILTER", ".a @ 1"), "syntax error in FILTER expression near: @ 1"),
        (q + ("FILTER", ".a === 1"), "syntax error in FILTER expression near:  1"),
        (q + ("FILTER", ".a == true"), "syntax error in FILTER expression near: .a == true"),
        (q + ("FILTER", ".a AND .b"), "syntax error in FILTER expression near:  .b"),  # as Redis 8.8 says
        (q + ("FILTER", ""), "syntax error in FILTER expression near: "),
    ]
    for args, message in cases:
        assert err(ex, client, *args) == message, args


def test_vsim_recall_on_a_larger_set(client):
    v = client.vset()
    rnd = random.Random(3)
    dim = 24
    vectors = [[rnd.gauss(0, 1) for _ in range(dim)] for _ in range(1500)]
    pipe = client.pipeline(transaction=False)
    for i, vec in enumerate(vectors):
        pipe.execute_command("VADD", "big", "FP32", f32(*vec), "e%d" % i)
    assert all(r == 1 for r in pipe.execute())
    assert v.vcard("big") == 1500
    hits = 0
    for t in range(20):
        q = [rnd.gauss(0, 1) for _ in range(dim)]
        exact = [as_text(x) for x in v.vsim("big", q, count=10, truth=True)]
        truth = sorted(range(len(vectors)), key=lambda i: -cosine(q, vectors[i]))[:10]
        assert exact == ["e%d" % i for i in truth]
        hits += len(set(exact) & {as_text(x) for x in v.vsim("big", q, count=10)})
    assert hits / 200 >= 0.95


# ---------------------------------------------------------------------------------------------
# Members, attributes, introspection

def test_vrem_deletes_the_key_with_its_last_element(client):
    v = client.vset()
    v.vadd("k", [1, 2], "a")
    v.vadd("k", [2, 1], "b", attributes={"n": 1})
    assert v.vrem("k", "nope") == 0 and v.vrem("nokey", "a") == 0
    assert v.vrem("k", "b") == 1
    assert info_dict(client, "k")["attributes-count"] == 0
    assert v.vrem("k", "b") == 0
    assert v.vrem("k", "a") == 1
    assert v.vcard("k") == 0 and as_text(client.type("k")) == "none" and v.vinfo("k") is None
    assert err(v.vdim, "k") == "key does not exist"
    # A new set under the same key starts afresh, with a new uid.
    v.vadd("k", [1, 2, 3], "a", quantization=BIN)
    info = info_dict(client, "k")
    assert info["quant-type"] == "bin" and info["vector-dim"] == 3 and info["hnsw-max-node-uid"] == 1


def test_vemb_plain_and_raw(client):
    v = client.vset()
    v.vadd("f", [3, 4, 0], "a", quantization=NOQUANT)
    v.vadd("q", [3, 4, 0], "a")
    v.vadd("b", [3, -4, 0, 1], "a", quantization=BIN)
    v.vadd("f", [0, 0, 0], "zero", quantization=NOQUANT)
    for key in ("f", "q"):
        assert v.vemb(key, "a") == pytest.approx([3, 4, 0], rel=1e-6)
    assert v.vemb("b", "a") == pytest.approx([3, -4, 0, 1], rel=1e-6)
    assert v.vemb("f", "zero") == [0, 0, 0]
    raw = v.vemb("f", "a", raw=True)
    assert as_text(raw["quantization"]) == "f32" and raw["l2"] == pytest.approx(5)
    assert struct.unpack("<3f", raw["raw"]) == pytest.approx((0.6, 0.8, 0.0))
    assert "range" not in raw
    raw = v.vemb("q", "a", raw=True)
    assert as_text(raw["quantization"]) == "int8" and raw["range"] == pytest.approx(0.8)
    assert struct.unpack("<3b", raw["raw"]) == (95, 127, 0)  # round(0.6 * 127 / 0.8)
    raw = v.vemb("b", "a", raw=True)
    assert as_text(raw["quantization"]) == "bin" and raw["raw"] == struct.pack("<Q", 0b1001)
    zero = v.vemb("f", "zero", raw=True)
    assert zero["l2"] == 1 and zero["raw"] == bytes(12)
    assert v.vemb("f", "nope") is None and v.vemb("nokey", "a") is None
    assert err(ex, client, "VEMB", "f", "a", "RAW", "EXTRA") == "invalid option"
    assert err(ex, client, "VEMB", "nokey", "a", "FOO") == "invalid option"
    plain = ex(client, "VEMB", "f", "a")
    assert [float(x) for x in plain] == pytest.approx([3, 4, 0])
    if resp3(client):
        assert all(isinstance(x, float) for x in plain)
    else:
        assert all(isinstance(x, bytes) for x in plain)


def test_vlinks(client):
    v = client.vset()
    assert v.vadd("one", [1, 0], "a") == 1
    alone = v.vlinks("one", "a")
    assert len(alone) >= 1 and all(level == [] for level in alone)
    for i in range(40):
        v.vadd("k", [i, 40 - i, (i * 7) % 5], "e%d" % i, quantization=NOQUANT)
    levels = v.vlinks("k", "e3")
    assert levels and all(isinstance(level, list) for level in levels)
    assert len(levels[-1]) >= 1 and all(x.startswith(b"e") for level in levels for x in level)
    scored = v.vlinks("k", "e3", with_scores=True)
    assert len(scored) == len(levels) and all(isinstance(level, dict) for level in scored)
    for name, score in scored[-1].items():
        other = int(name[1:])
        expected = (1 + cosine([3, 37, 1], [other, 40 - other, (other * 7) % 5])) / 2
        assert score == pytest.approx(expected, abs=1e-5)
    assert v.vlinks("k", "nope") is None and v.vlinks("nokey", "a") is None
    assert err(ex, client, "VLINKS", "k", "e3", "SCORES") == "wrong number of arguments for 'VLINKS' command"


def test_vinfo_shapes(client):
    v = client.vset()
    assert v.vinfo("nokey") is None
    v.vadd("k", [1, 2, 3, 4], "a", reduce_dim=2, numlinks=8, attributes={"a": 1})
    raw = ex(client, "VINFO", "k")
    keys = list(raw) if isinstance(raw, dict) else raw[0::2]
    assert [as_text(k) for k in keys] == ["quant-type", "hnsw-m", "vector-dim", "projection-input-dim", "size",
                                          "max-level", "attributes-count", "vset-uid", "hnsw-max-node-uid"]
    info = info_dict(client, "k")
    assert info["hnsw-m"] == 8 and info["projection-input-dim"] == 4 and info["attributes-count"] == 1
    assert info["max-level"] >= 0 and info["vset-uid"] >= 0


def test_attributes(client):
    v = client.vset()
    v.vadd("k", [1, 0], "a")
    assert v.vgetattr("k", "a") is None
    assert v.vsetattr("k", "a", {"n": 1}) == 1
    assert v.vgetattr("k", "a") == {"n": 1}
    assert v.vsetattr("k", "nope", {"n": 1}) == 0 and v.vsetattr("nokey", "a", {"n": 1}) == 0
    assert v.vsetattr("k", "a") == 1  # redis-py sends "{}", which reads back as None
    assert ex(client, "VGETATTR", "k", "a") == b"{}"
    assert v.vsetattr("k", "a", "") == 1 and ex(client, "VGETATTR", "k", "a") is None
    assert v.vsetattr("k", "a", "") == 1  # nothing to remove: still 1
    assert v.vsetattr("k", "a", "raw text") == 1 and ex(client, "VGETATTR", "k", "a") == b"raw text"
    assert info_dict(client, "k")["attributes-count"] == 1
    assert v.vgetattr("nokey", "a") is None and v.vgetattr("k", "nope") is None


def test_vrandmember(client):
    v = client.vset()
    assert v.vrandmember("nokey") is None and v.vrandmember("nokey", 3) == []
    assert v.vrandmember("nokey", 0) == []
    names = {b"e%d" % i for i in range(30)}
    for i in range(30):
        v.vadd("k", [1, i], "e%d" % i)
    assert v.vrandmember("k") in names
    some = v.vrandmember("k", 5)
    assert len(some) == 5 and len(set(some)) == 5 and set(some) <= names
    assert set(v.vrandmember("k", 100)) == names and len(v.vrandmember("k", 100)) == 30
    many = v.vrandmember("k", -100)
    assert len(many) == 100 and set(many) <= names and len(set(many)) > 10
    assert v.vrandmember("k", 0) == []
    assert err(ex, client, "VRANDMEMBER", "k", "x") == "COUNT value is not an integer"
    assert err(ex, client, "VRANDMEMBER", "k", 1, 2) == "wrong number of arguments for 'VRANDMEMBER' command"
    seen = {v.vrandmember("k") for _ in range(200)}
    assert len(seen) > 15  # uniform enough to reach most of 30 names


def test_vismember_and_vrange(client):
    v = client.vset()
    for name in ["b", "a", "c", "ab", "", "\xff", "ba"]:
        ex(client, "VADD", "k", "VALUES", 2, 1, len(name), name)  # redis-py refuses the empty element
    assert ex(client, "VISMEMBER", "k", "ab") == 1 and ex(client, "VISMEMBER", "k", "zz") == 0
    assert ex(client, "VISMEMBER", "nokey", "a") == 0
    assert v.vrange("k", "-", "+") == [b"", b"a", b"ab", b"b", b"ba", b"c", "\xff".encode()]
    assert v.vrange("k", "[a", "(b") == [b"a", b"ab"]
    assert v.vrange("k", "(a", "[b") == [b"ab", b"b"]
    assert v.vrange("k", "-", "+", 2) == [b"", b"a"]
    assert v.vrange("k", "(ab", "+", -1) == [b"b", b"ba", b"c", "\xff".encode()]
    assert v.vrange("k", "-", "+", 0) == []
    assert v.vrange("nokey", "-", "+") == []
    for args, message in [(("[", "+"), "invalid start range format"), (("a", "+"), "invalid start range format"),
                          (("-", "("), "invalid end range format"), (("+", "+"), "'-' can only be used as first argument, '+' only as second"),
                          (("-", "-"), "'-' can only be used as first argument, '+' only as second"),
                          (("-", "+", "x"), "invalid COUNT value")]:
        assert err(ex, client, "VRANGE", "k", *args) == message, args
    # A stateless cursor.
    page, start, seen = 3, "-", []
    while True:
        got = v.vrange("k", start, "+", page)
        seen += got
        if len(got) < page:
            break
        start = b"(" + got[-1]
    assert seen == v.vrange("k", "-", "+")


def test_arity_errors(client):
    for args, name in [(("VCARD",), "VCARD"), (("VDIM", "a", "b"), "VDIM"), (("VEMB", "k"), "VEMB"),
                       (("VLINKS", "k"), "VLINKS"), (("VINFO",), "VINFO"), (("VSETATTR", "k", "e"), "VSETATTR"),
                       (("VGETATTR", "k"), "VGETATTR"), (("vrandmember",), "VRANDMEMBER"), (("VISMEMBER", "k"), "VISMEMBER"),
                       (("VRANGE", "k", "-"), "VRANGE"), (("VREM", "k"), "VREM"), (("vsim", "k", "ELE"), "VSIM")]:
        assert err(ex, client, *args) == "wrong number of arguments for '%s' command" % name


# ---------------------------------------------------------------------------------------------
# Binary safety, zero vectors, logical databases, wrong types

def test_binary_element_names_and_attributes(client):
    names = [b"", b"\x00", b"a\x00b", b"\xff\xfe", b"\r\n", "é".encode()]
    for i, name in enumerate(names):
        assert ex(client, "VADD", b"bin\x00key", "VALUES", 2, 1, i, name, "SETATTR", b"\x00attr" + name) == 1
    assert ex(client, "VCARD", b"bin\x00key") == len(names)
    for name in names:
        assert ex(client, "VISMEMBER", b"bin\x00key", name) == 1
        assert ex(client, "VGETATTR", b"bin\x00key", name) == b"\x00attr" + name
        assert ex(client, "VSIM", b"bin\x00key", "ELE", name, "COUNT", 1) == [name]
    assert ex(client, "VRANGE", b"bin\x00key", "-", "+") == sorted(names)
    assert ex(client, "VRANGE", b"bin\x00key", b"[\x00", b"(\xff") == sorted(names)[1:-1]
    assert ex(client, "VREM", b"bin\x00key", b"") == 1 and ex(client, "VISMEMBER", b"bin\x00key", b"") == 0


def test_zero_vectors(client):
    v = client.vset()
    assert v.vadd("z", [0, 0, 0], "zero", quantization=NOQUANT) == 1
    assert v.vadd("z", [1, 0, 0], "x", quantization=NOQUANT) == 1
    assert v.vemb("z", "zero") == [0, 0, 0]
    scores = v.vsim("z", "zero", with_scores=True)
    assert scores == {b"zero": 0.5, b"x": 0.5}
    assert v.vsim("z", [0, 0, 0], with_scores=True) == {b"zero": 0.5, b"x": 0.5}


def test_logical_databases_are_isolated(server):
    c0, c1 = server.client(db=0), server.client(db=1)
    c0.vset().vadd("k", [1, 0], "a")
    assert c1.vset().vcard("k") == 0 and c1.vset().vadd("k", [1, 0, 0], "b") == 1
    assert c0.vset().vdim("k") == 2 and c1.vset().vdim("k") == 3
    assert c0.vset().vsim("k", [1, 0]) == [b"a"]


def test_wrong_type(client):
    try:
        client.set("str", "x")
    except redis.ResponseError:
        pytest.skip("this build has no SET yet")
    wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value"
    for args in [("VADD", "str", "VALUES", 1, 1, "e"), ("VSIM", "str", "ELE", "e"), ("VREM", "str", "e"), ("VCARD", "str"),
                 ("VDIM", "str"), ("VEMB", "str", "e"), ("VLINKS", "str", "e"), ("VINFO", "str"),
                 ("VSETATTR", "str", "e", "x"), ("VGETATTR", "str", "e"), ("VRANDMEMBER", "str"),
                 ("VISMEMBER", "str", "e"), ("VRANGE", "str", "-", "+")]:
        assert err(ex, client, *args) == wrongtype, args
    # Argument checks come first where Redis runs them first.
    assert err(ex, client, "VADD", "str", "VALUES", 3, 1, 0, "x") == "invalid vector specification"
    assert ex(client, "VRANDMEMBER", "str", 0) == []
    assert err(ex, client, "VRANGE", "str", "x", "+") == "invalid start range format"
    assert err(ex, client, "VEMB", "str", "e", "FOO") == "invalid option"


# ---------------------------------------------------------------------------------------------
# Persistence, concurrency, redis-cli

def test_sets_survive_a_restart(make_server):
    server = make_server()  # durability always
    c = server.client()
    v = c.vset()
    v.vadd("q8", [1, 2, 3], "a", attributes={"n": 1})
    v.vadd("q8", [3, 2, 1], "b")
    v.vadd("f32", [1, 0], "a", quantization=NOQUANT, numlinks=24)
    v.vadd("red", [1, 2, 3, 4], "a", reduce_dim=2, quantization=BIN)
    v.vadd("red", [4, 3, 2, 1], "b", reduce_dim=2, quantization=BIN)
    for i in range(300):
        ex(c, "VADD", "many", "VALUES", 4, i, 300 - i, i % 7, 1, "e%03d" % i, "SETATTR", '{"i": %d}' % i)
    for i in range(0, 300, 3):
        v.vrem("many", "e%03d" % i)
    v.vrem("q8", "b")
    before = {key: info_dict(c, key) for key in ["q8", "f32", "red", "many"]}
    near = v.vsim("many", [10, 290, 3, 1], count=5, with_scores=True)
    c.close()
    server.restart()
    c = server.client(protocol=3)
    v = c.vset()
    for key, info in before.items():
        after = info_dict(c, key)
        assert {k: after[k] for k in after if k != "max-level"} == {k: info[k] for k in info if k != "max-level"}
    assert v.vgetattr("q8", "a") == {"n": 1} and ex(c, "VISMEMBER", "q8", "b") is False
    assert v.vemb("q8", "a") == pytest.approx([1, 2, 3], rel=1e-6)
    assert v.vsim("many", [10, 290, 3, 1], count=5, with_scores=True) == pytest.approx(near)
    assert v.vcard("many") == 200 and len(v.vrange("many", "-", "+")) == 200
    assert set(v.vrandmember("many", 500)) == set(v.vrange("many", "-", "+"))
    assert v.vlinks("many", "e001") and v.vlinks("many", "e000") is None
    assert v.vdim("red") == 2 and as_text(v.vemb("red", "a", raw=True)["quantization"]) == "bin"
    assert v.vsim("many", [1, 1, 1, 1], count=3, filter=".i < 3", truth=True) == [b"e002", b"e001"]
    # The sets accept writes under the same rules after the restart.
    assert err(v.vadd, "f32", [0, 1], "b", quantization=NOQUANT) == "asked M value mismatch with existing vector set"
    assert v.vadd("f32", [0, 1], "b", quantization=NOQUANT, numlinks=24) is True
    assert v.vadd("brand-new", [1], "x") is True
    assert info_dict(c, "brand-new")["vset-uid"] > max(i["vset-uid"] for i in before.values())


def test_concurrent_writers_on_one_set(server):
    def work(t):
        c = server.client()
        for i in range(60):
            c.execute_command("VADD", "shared", "VALUES", 3, t, i, 1, "t%d-%d" % (t, i % 40), "SETATTR",
                              '{"t": %d}' % t if i % 2 else "")
            if i % 9 == 0:
                c.execute_command("VREM", "shared", "t%d-%d" % (t, i % 13))
        c.close()

    # An element no thread removes, so that the set never empties (which would delete the key
    # and start a new set with fresh counters).
    server.client().execute_command("VADD", "shared", "VALUES", 3, 9, 9, 9, "keep")
    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c = server.client()
    v = c.vset()
    names = v.vrange("shared", "-", "+")
    assert v.vcard("shared") == len(names)
    with_attr = sum(1 for n in names if c.execute_command("VGETATTR", "shared", n) is not None)
    info = info_dict(c, "shared")
    assert info["attributes-count"] == with_attr and info["hnsw-max-node-uid"] == 241


def test_redis_cli(server):
    assert server.cli("VADD", "k", "VALUES", 3, 1, 0, 0, "a", "NOQUANT").strip() == "1"
    assert server.cli("VADD", "k", "VALUES", 3, 0, 1, 0, "b", "NOQUANT", "SETATTR", '{"x": 1}').strip() == "1"
    assert server.cli("VSIM", "k", "VALUES", 3, 1, 0, 0, "WITHSCORES").split() == ["a", "1", "b", "0.5"]
    assert server.cli("VSIM", "k", "ELE", "b", "WITHSCORES", "WITHATTRIBS", "COUNT", 1).split("\n")[:3] == \
        ["b", "1", '{"x": 1}']
    assert server.cli("VDIM", "nokey").strip() == "ERR key does not exist"
    assert server.cli("VINFO", "k").split("\n")[:4] == ["quant-type", "f32", "hnsw-m", "16"]
    assert server.cli("VEMB", "k", "a").split() == ["1", "0", "0"]
    assert server.cli("VADD", "k", "VALUES", 0, "x").strip() == "ERR invalid vector specification"
    assert server.cli("VRANGE", "k", "-", "+").split() == ["a", "b"]
    # RESP3: a map, which redis-cli prints as "key value" lines when not on a terminal.
    assert server.cli("-3", "VSIM", "k", "VALUES", 3, 1, 0, 0, "WITHSCORES").split("\n")[:2] == ["a 1", "b 0.5"]
