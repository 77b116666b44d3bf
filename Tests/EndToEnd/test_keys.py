"""Key commands end to end: redis-py (RESP2, RESP3), redis-cli, and differential runs against
Debian's redis-server (helpers from test_strings.py)."""
import random
import subprocess
import threading
import time

import pytest
import redis

from test_strings import SORTED, Raw, commands, differential, parse, r, reference  # noqa: F401 (fixtures)

KEY_SCRIPT = commands(r"""
SET a 1
SET b 2
EXISTS a b a z
EXISTS
DEL a a z
DEL
EXISTS a
TYPE b
TYPE none
TYPE
EXPIRE b 100
TTL b
EXPIRE b 100 NX
EXPIRE b 200 XX
TTL b
EXPIRE b 50 GT
EXPIRE b 300 GT
TTL b
EXPIRE b 400 LT
EXPIRE b 100 LT
TTL b
EXPIRE b 10 NX XX
EXPIRE b 10 NX GT
EXPIRE b 10 GT LT
EXPIRE b 10 xx gt
EXPIRE b 10 FOO
EXPIRE b 10 NX FOO
EXPIRE b abc
EXPIRE b 1.5
EXPIRE b
EXPIRE b 9223372036854776
EXPIRE b -9223372036854776
PEXPIRE b 9223372036854775807
EXPIREAT b 9223372036854776
EXPIRE missing 10
EXPIRE missing 10 FOO
PERSIST b
PERSIST b
PERSIST missing
TTL b
EXPIRE b 100 XX
EXPIRE b 100 GT
EXPIRE b 100 LT
TTL b
PEXPIRE b 100000 LT
PTTL missing
EXPIREAT b 4102444800
EXPIRETIME b
PEXPIRETIME b
PEXPIREAT b 4102444800500
PEXPIRETIME b
EXPIRETIME b
PEXPIREAT b 4102444800499
EXPIRETIME b
EXPIREAT b 1
EXISTS b
SET c 1
PEXPIRE c -1
EXISTS c
SET c 1
EXPIRE c 0
EXISTS c
SET c 1
EXPIRE c -100 NX
EXISTS c
TTL missing
PTTL missing
EXPIRETIME missing
PEXPIRETIME missing
SET d 1
TTL d
PTTL d
EXPIRETIME d
PEXPIRETIME d
RENAME d e
GET e
GET d
RENAME d e
RENAMENX d e
RENAME e e
RENAMENX e e
SET f 1
RENAMENX e f
RENAMENX e g
GET g
SET h 1 EX 100
RENAME h i
TTL i
SET j 2
RENAME i j
GET j
TTL j
RENAME j
DBSIZE
FLUSHDB FOO
FLUSHDB ASYNC SYNC
FLUSHDB ASYNC
DBSIZE
FLUSHALL SYNC
FLUSHALL FOO
RANDOMKEY
RANDOMKEY extra
DBSIZE extra
SCAN -1
SCAN abc
SCAN 1.5
SCAN 0 COUNT 0
SCAN 0 COUNT -1
SCAN 0 COUNT abc
SCAN 0 MATCH
SCAN 0 FOO bar
SCAN 0 COUNT 10 TYPE
SCAN 0 COUNT 10 MATCH * extra
SCAN
KEYS
KEYS a b
SET only 1
RANDOMKEY
SCAN 0
SCAN 0 MATCH x*
SCAN 0 MATCH o*
SCAN 0 TYPE string
SCAN 0 TYPE STRING
SCAN 0 TYPE list
SCAN 0 TYPE nosuchtype
SCAN 0 COUNT 1000000000
SCAN 0 count 5 match * type string
KEYS *
KEYS o?ly
KEYS [a-o]nly
KEYS nothing
MEMORY USAGE missing
MEMORY USAGE only SAMPLES
MEMORY USAGE only SAMPLES -1
MEMORY USAGE only SAMPLES abc
MEMORY USAGE only FOO
MEMORY USAGE only SAMPLES 1 FOO
MEMORY USAGE
MEMORY FOO
SET bin\x00key v
EXISTS bin\x00key bin
TYPE bin\x00key
RENAME bin\x00key bin\r\nkey
GET bin\r\nkey
DEL bin\r\nkey
""")


def test_keys_reply_exactly_as_redis(server, reference):
    assert differential(server, reference, KEY_SCRIPT) == []


GLOB_KEYS = [b"", b"a", b"b", b"ab", b"abc", b"hello", b"hallo", b"hxllo", b"h\x00llo", b"user:1:name", b"user:22:mail",
             b"a*b", b"a?b", b"a[b", b"a]b", b"a\\b", b"-", b"]", b"^", b"\xc3\xa9t\xc3\xa9", b"\x80", b"\xff", b"\x7f",
             b"A", b"Z", b"z", b"key with spaces", b"\r\n", b"[abc]", b"a-z"]
GLOB_ALPHABET = [b"a", b"b", b"h", b"l", b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"\xc3", b"\x80", b"\xff", b"z",
                 b"A", b":", b"\x00", b"o", b"e"]


def test_glob_patterns_select_what_redis_selects(server, reference):
    rng = random.Random(11)
    script = [["SET", key, "v"] for key in GLOB_KEYS]
    for _ in range(1500):
        pattern = b"".join(rng.choice(GLOB_ALPHABET) for _ in range(rng.randint(0, 7)))
        script.append((SORTED, ["KEYS", pattern]))
    for pattern in [b"*", b"h?llo", b"h[ae]llo", b"h[^e]llo", b"h[a-b]llo", b"[\x80-\xff]", b"[\x00-\x7f]", b"a\\*b",
                    b"[a-", b"[abc", b"*\\", b"user:*:*", b"[z-a]", b"\\", b"[]", b"[]]", b"[\\]]"]:
        script.append((SORTED, ["KEYS", pattern]))
    assert differential(server, reference, script) == []


def test_scan_options_match_redis_on_a_small_database(server, reference):
    # COUNT larger than the database: one reply covers every key on both servers.
    script = [["SET", "key:%d" % i, "v"] for i in range(50)] + [["SET", "other:%d" % i, "v"] for i in range(5)]
    assert differential(server, reference, script) == []
    ours, theirs = Raw(server.port), Raw(reference.port)
    for extra in [[], ["MATCH", "key:1*"], ["MATCH", "other:*"], ["TYPE", "string"], ["TYPE", "hash"], ["MATCH", "nope*"],
                  ["MATCH", "*", "TYPE", "STRING"]]:
        a, b = parse(ours.call("SCAN", "0", "COUNT", "1000", *extra)), parse(theirs.call("SCAN", "0", "COUNT", "1000", *extra))
        assert a[0] == b[0] == b"0"
        assert sorted(a[1]) == sorted(b[1]), extra
    ours.close()
    theirs.close()


# MARK: redis-py


def test_delete_exists_type(r):
    r.mset({"a": 1, "b": 2})
    assert r.exists("a", "b", "a", "nope") == 3
    assert r.type("a") == b"string"
    assert r.type("nope") == b"none"
    assert r.delete("a", "a", "nope") == 1
    assert r.unlink("b") == 1
    assert r.exists("a", "b") == 0


def test_expire_family_and_ttl(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.ttl("nope") == -2
    assert r.expire("k", 100) is True
    assert r.ttl("k") == 100
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert r.expire("k", 300, lt=True) is False
    assert r.expire("k", 10, nx=True) is False
    assert r.expire("k", 150, xx=True) is True
    assert r.pexpire("k", 100_000) is True
    assert 99_000 < r.pttl("k") <= 100_000
    deadline = int(time.time()) + 1000
    assert r.expireat("k", deadline) is True
    assert r.expiretime("k") == deadline
    assert r.pexpireat("k", deadline * 1000 + 250) is True
    assert r.pexpiretime("k") == deadline * 1000 + 250
    assert r.persist("k") is True
    assert r.persist("k") is False
    assert r.ttl("k") == -1
    assert r.expire("nope", 10) is False
    with pytest.raises(redis.ResponseError, match="^NX and XX, GT or LT options at the same time are not compatible$"):
        r.execute_command("EXPIRE", "k", 10, "NX", "XX")


def test_short_ttls_and_past_deadlines(r):
    r.set("a", "v")
    r.pexpire("a", 100)
    r.set("b", "v")
    r.pexpireat("b", int(time.time() * 1000) + 100)
    r.set("c", "v")
    assert r.pexpireat("c", 1) is True
    assert r.exists("c") == 0
    assert r.exists("a", "b") == 2
    time.sleep(0.25)
    assert r.exists("a", "b") == 0
    assert r.ttl("a") == -2
    assert r.keys("*") == []


def test_rename(r):
    r.set("src", "v", ex=100)
    assert r.rename("src", "dst") is True
    assert r.get("dst") == b"v"
    assert r.ttl("dst") == 100
    assert r.exists("src") == 0
    r.set("other", "o")
    assert r.renamenx("dst", "other") is False
    assert r.renamenx("dst", "fresh") is True
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        r.rename("src", "x")


def test_keys_dbsize_randomkey_and_flushes(server):
    c = server.client()
    c.mset({"user:1": "a", "user:2": "b", "item:1": "c"})
    assert sorted(c.keys("user:*")) == [b"user:1", b"user:2"]
    assert sorted(c.keys("*")) == [b"item:1", b"user:1", b"user:2"]
    assert c.dbsize() == 3
    assert c.randomkey() in (b"user:1", b"user:2", b"item:1")
    other = server.client(db=5)
    other.set("in5", "x")
    assert other.dbsize() == 1
    assert c.exists("in5") == 0
    assert c.flushdb() is True
    assert c.dbsize() == 0
    assert other.dbsize() == 1
    c.set("again", "1")
    assert c.flushall() is True
    assert other.dbsize() == 0
    assert c.dbsize() == 0
    assert c.randomkey() is None


def test_memory_usage(r):
    r.set("foo", "bar")
    assert r.memory_usage("foo") == 153
    assert r.memory_usage("foo", samples=0) == 153
    r.set("big", "x" * 10_000)
    assert 10_000 < r.memory_usage("big") < 10_300
    assert r.memory_usage("nope") is None


def test_scan_iter_with_match_count_and_type(r):
    r.mset({"s:%d" % i: i for i in range(250)})
    r.mset({"t:%d" % i: i for i in range(50)})
    assert len(set(r.scan_iter())) == 300
    assert set(r.scan_iter(match="t:*", count=7)) == {b"t:%d" % i for i in range(50)}
    assert len(set(r.scan_iter(_type="string", count=1000))) == 300
    assert list(r.scan_iter(_type="vectorset")) == []
    cursor, keys = r.scan(0, count=10)
    assert cursor != 0 and 10 <= len(keys) <= 12


def test_scan_returns_every_key_present_throughout_concurrent_writes(server):
    c = server.client()
    stable = {b"stable:%d" % i for i in range(3000)}
    pipe = c.pipeline(transaction=False)
    for key in stable:
        pipe.set(key, "v")
    pipe.execute()
    stop = threading.Event()

    def churn(seed):
        w = server.client()
        rng = random.Random(seed)
        while not stop.is_set():
            key = "churn:%d" % rng.randint(0, 5000)
            if rng.random() < 0.5:
                w.set(key, "x")
            else:
                w.delete(key)
            if rng.random() < 0.05:
                list(w.scan(0, count=50))  # other scans start, replacing the shared copy
        w.close()
    writers = [threading.Thread(target=churn, args=(seed,)) for seed in range(2)]
    for t in writers:
        t.start()
    try:
        seen = []
        cursor = 0
        while True:
            cursor, keys = c.scan(cursor, count=37)
            seen += keys
            if cursor == 0:
                break
    finally:
        stop.set()
        for t in writers:
            t.join()
    assert stable <= set(seen)
    assert len([k for k in seen if k.startswith(b"stable:")]) == len(stable), "each stable key once"


def test_binary_keys_in_scan_and_keys(r):
    keys = [b"\x00", b"a\r\nb", b"\xff\xfe", b"with space"]
    for key in keys:
        r.set(key, "v")
    assert sorted(r.scan_iter()) == sorted(keys)
    assert sorted(r.keys(b"a\r*")) == [b"a\r\nb"]
    assert r.keys(b"\x00") == [b"\x00"]
    assert r.delete(*keys) == 4


def test_ttls_survive_a_restart(server):
    c = server.client()
    c.set("long", "v")
    c.expire("long", 1000)
    c.set("at", "v")
    at = int(time.time() * 1000) + 500_000
    c.pexpireat("at", at)
    c.set("soon", "v")
    c.pexpire("soon", 300)
    c.set("renamed", "v", ex=1000)
    c.rename("renamed", "moved")
    c.close()
    server.stop()
    time.sleep(0.5)
    server.start()
    c = server.client()
    assert 990 <= c.ttl("long") <= 1000
    assert c.pexpiretime("at") == at
    assert c.exists("soon") == 0
    assert c.exists("renamed") == 0
    assert 990 <= c.ttl("moved") <= 1000
    assert sorted(c.keys("*")) == [b"at", b"long", b"moved"]


# MARK: Vector sets as keys


def has_vadd(client):
    try:
        client.execute_command("VADD", "__probe__", "VALUES", 3, 1, 0, 0, "e")
    except redis.ResponseError as error:
        if "unknown command" in str(error):
            return False
        raise
    client.delete("__probe__")
    return True


def test_vector_sets_are_keys(r):
    if not has_vadd(r):
        pytest.skip("this build has no VADD yet (it comes with the vector-set commands)")
    r.execute_command("VADD", "vs", "VALUES", 3, 1, 0, 0, "a")
    r.execute_command("VADD", "vs", "VALUES", 3, 0, 1, 0, "b")
    r.set("s", "v")
    assert r.type("vs") == b"vectorset"
    assert r.exists("vs", "s", "vs") == 3
    assert r.dbsize() == 2
    assert sorted(r.keys("*")) == [b"s", b"vs"]
    assert list(r.scan_iter(_type="vectorset")) == [b"vs"]
    assert r.ttl("vs") == -1
    assert r.memory_usage("vs") > 0
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.get("vs")
    assert r.mget("vs", "s") == [None, b"v"]
    assert r.rename("vs", "vs2") is True
    assert r.type("vs2") == b"vectorset"
    assert r.execute_command("VCARD", "vs2") == 2
    assert r.delete("vs2") == 1
    assert r.type("vs2") == b"none"
    r.execute_command("VADD", "vs3", "VALUES", 3, 1, 0, 0, "a")
    assert r.set("vs3", "now a string") is True
    assert r.get("vs3") == b"now a string"
    r.execute_command("VADD", "vs4", "VALUES", 3, 1, 0, 0, "a")
    assert r.flushall() is True
    assert r.dbsize() == 0


# MARK: redis-cli


def test_redis_cli_scan_and_keys(server):
    c = server.client()
    c.mset({"cli:%d" % i: i for i in range(120)})
    c.set("other", "x")
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--scan", "--pattern", "cli:*"], capture_output=True,
                         text=True, timeout=30).stdout.split()
    assert sorted(out) == sorted("cli:%d" % i for i in range(120))
    assert server.cli("DBSIZE").strip() == "121"
    assert server.cli("TTL", "other").strip() == "-1"
    assert server.cli("EXPIRE", "other", "100").strip() == "1"
    assert server.cli("TTL", "other").strip() == "100"
    assert server.cli("TYPE", "other").strip() == "string"
    assert server.cli("SCAN", "x").strip() == "ERR invalid cursor"
    assert server.cli("FLUSHALL").strip() == "OK"
    assert server.cli("DBSIZE").strip() == "0"
