"""Vector sets through redis-py 5 (no `vset()`, RESP2 only): `execute_command` and the raw RESP2
replies older clients parse themselves.

Under a redis-py 8 interpreter, `test_under_redis_py_5` runs this file again with PY5 (default
/tmp/py5/bin/python, made by `python3 -m venv /tmp/py5 && /tmp/py5/bin/pip install "redis==5.*"
pytest`), and skips when there is none; under redis-py 5 the tests below run directly.
"""
import os
import struct
import subprocess
import sys

import pytest
import redis

IS_REDIS_PY_5 = redis.__version__.startswith("5.")
PY5 = os.environ.get("PY5", "/tmp/py5/bin/python")

under5 = pytest.mark.skipif(not IS_REDIS_PY_5, reason="runs under redis-py 5 (see test_under_redis_py_5)")


@pytest.mark.skipif(IS_REDIS_PY_5 or not os.access(PY5, os.X_OK), reason="no redis-py 5 interpreter at " + PY5)
def test_under_redis_py_5():
    here = os.path.dirname(os.path.abspath(__file__))
    run = subprocess.run([PY5, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.abspath(__file__)],
                         cwd=here, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    # Everything ran but this launcher, which skips itself there.
    assert "5 passed, 1 skipped" in run.stdout, run.stdout[-2000:]


@pytest.fixture
def r(server):
    c = server.client(protocol=2)
    yield c
    c.close()


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def err(r, *args):
    with pytest.raises(redis.ResponseError) as info:
        r.execute_command(*args)
    return str(info.value)


@under5
def test_client_has_no_vector_set_api(r):
    assert not hasattr(r, "vset")


@under5
def test_writes_reply_integers(r):
    assert r.execute_command("VADD", "k", "VALUES", 3, 1.0, 0.0, 0.0, "a", "NOQUANT") == 1
    assert r.execute_command("VADD", "k", "FP32", f32(0, 1, 0), "b", "NOQUANT", "SETATTR", '{"x": 1}') == 1
    assert r.execute_command("VADD", "k", "VALUES", 3, 1e-07, 1.0, 0.1, "b", "NOQUANT") == 0
    assert r.execute_command("VSETATTR", "k", "a", '{"y": 2}') == 1
    assert r.execute_command("VSETATTR", "k", "nope", "{}") == 0
    assert r.execute_command("VISMEMBER", "k", "a") == 1
    assert r.execute_command("VREM", "k", "nope") == 0
    assert r.execute_command("VCARD", "k") == 2 and r.execute_command("VDIM", "k") == 3


@under5
def test_similarity_replies_are_flat_arrays(r):
    for name, vec in [("a", (1, 0, 0)), ("b", (0, 1, 0)), ("c", (1, 1, 0))]:
        r.execute_command("VADD", "k", "VALUES", 3, *vec, name, "NOQUANT", "SETATTR", '{"n": "%s"}' % name)
    assert r.execute_command("VSIM", "k", "VALUES", 3, 1, 0, 0) == [b"a", b"c", b"b"]
    assert r.execute_command("VSIM", "k", "ELE", "a", "WITHSCORES") == [b"a", b"1", b"c", b"0.8535533845424652", b"b", b"0.5"]
    assert r.execute_command("VSIM", "k", "ELE", "a", "WITHATTRIBS", "COUNT", 1) == [b"a", b'{"n": "a"}']
    assert r.execute_command("VSIM", "k", "ELE", "a", "WITHATTRIBS", "WITHSCORES", "COUNT", 1) == [b"a", b"1", b'{"n": "a"}']
    assert r.execute_command("VSIM", "k", "ELE", "a", "FILTER", '.n == "b"', "TRUTH") == [b"b"]
    assert r.execute_command("VSIM", "nokey", "ELE", "a", "WITHSCORES") == []


@under5
def test_introspection_replies(r):
    r.execute_command("VADD", "k", "VALUES", 2, 3, 4, "a")
    r.execute_command("VADD", "k", "VALUES", 2, 4, 3, "b")
    info = r.execute_command("VINFO", "k")
    assert info[0::2] == [b"quant-type", b"hnsw-m", b"vector-dim", b"projection-input-dim", b"size", b"max-level",
                          b"attributes-count", b"vset-uid", b"hnsw-max-node-uid"]
    assert info[1] == b"int8" and info[3] == 16 and info[5] == 2 and info[9] == 2 and info[17] == 2
    assert [float(x) for x in r.execute_command("VEMB", "k", "a")] == pytest.approx([3, 4])
    raw = r.execute_command("VEMB", "k", "a", "RAW")
    assert raw[0] == b"int8" and len(raw[1]) == 2 and float(raw[2]) == pytest.approx(5) and float(raw[3]) == pytest.approx(0.8)
    levels = r.execute_command("VLINKS", "k", "a", "WITHSCORES")
    assert levels and levels[-1][0] == b"b" and float(levels[-1][1]) == pytest.approx((1 + 24 / 25) / 2, abs=1e-6)
    assert r.execute_command("VINFO", "nokey") is None and r.execute_command("VEMB", "k", "nope") is None
    assert r.execute_command("VRANGE", "k", "-", "+") == [b"a", b"b"]
    assert r.execute_command("VRANDMEMBER", "k") in (b"a", b"b")
    assert sorted(r.execute_command("VRANDMEMBER", "k", 5)) == [b"a", b"b"]
    assert len(r.execute_command("VRANDMEMBER", "k", -5)) == 5
    assert r.execute_command("VGETATTR", "k", "a") is None


@under5
def test_errors(r):
    r.execute_command("VADD", "k", "VALUES", 2, 3, 4, "a")
    assert err(r, "VADD", "k", "VALUES", 2, 3, 4, "b", "NOQUANT") == "asked quantization mismatch with existing vector set"
    assert err(r, "VADD", "k", "VALUES", 3, 1, 2, 3, "b") == "Vector dimension mismatch - got 3 but set has 2"
    assert err(r, "VSIM", "k", "VALUES", 2, 1, 0, "COUNT", 0) == "invalid COUNT"
    assert err(r, "VSIM", "k", "VALUES", 2, 1, 0, "FILTER", "(.x") == "syntax error in FILTER expression near: (.x"
    assert err(r, "VDIM", "nokey") == "key does not exist"
    assert err(r, "VLINKS", "k") == "wrong number of arguments for 'VLINKS' command"
