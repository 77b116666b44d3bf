"""String commands end to end: redis-py (RESP2, RESP3), redis-cli, and a differential run that
sends the same commands to quiverd and to Debian's redis-server and compares the raw replies.

The helpers here (raw RESP client, reference server, differential runner) are shared with
test_keys.py.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import redis

from conftest import free_port

REDIS_SERVER = shutil.which("redis-server")


# MARK: Raw RESP


class Raw:
    """A socket client that sends commands as multibulk and returns each reply's exact bytes."""

    def __init__(self, port, protocol=2):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        if protocol == 3:
            reply = self.call("HELLO", "3")
            if reply.startswith(b"-"):
                self.close()
                raise RuntimeError("no HELLO: " + reply.decode(errors="replace"))

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            if isinstance(arg, str):
                arg = arg.encode()
            elif isinstance(arg, int):
                arg = str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(out)

    def call(self, *args):
        self.sock.sendall(self.encode(args))
        return self.reply()

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def reply(self):
        line = self._line()
        kind = line[:1]
        if kind in b"$!=":
            n = int(line[1:])
            return line + b"\r\n" + (b"" if n < 0 else self._exact(n + 2))
        if kind in b"*~>%|":
            n = int(line[1:])
            if n < 0:
                return line + b"\r\n"
            count = n * 2 if kind in b"%|" else n
            parts = [line + b"\r\n"] + [self.reply() for _ in range(count)]
            if kind == b"|":
                parts.append(self.reply())
            return b"".join(parts)
        return line + b"\r\n"


def parse(raw):
    """A raw reply as Python values: bytes, int, None, lists; errors as ('error', text)."""
    def value(data, i):
        kind, end = data[i:i + 1], data.index(b"\r\n", i)
        head = data[i + 1:end]
        i = end + 2
        if kind in b"+":
            return head, i
        if kind == b"-":
            return ("error", head.decode()), i
        if kind in b":(":
            return int(head), i
        if kind == b"_":
            return None, i
        if kind == b"#":
            return head == b"t", i
        if kind == b",":
            return head, i
        if kind in b"$!=":
            n = int(head)
            if n < 0:
                return None, i
            return data[i:i + n], i + n + 2
        if kind in b"*~>%":
            n = int(head)
            if n < 0:
                return None, i
            count = n * 2 if kind == b"%" else n
            items = []
            for _ in range(count):
                item, i = value(data, i)
                items.append(item)
            return items, i
        raise ValueError(data[i:])
    return value(raw, 0)[0]


def supports_hello(port):
    try:
        Raw(port, protocol=3).close()
        return True
    except RuntimeError:
        return False


# MARK: Reference server


class ReferenceRedis:
    """Debian's redis-server on a free port, without persistence; stopped by PID."""

    def __init__(self):
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="redis-ref-")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory, "--enable-debug-command", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def reference():
    """A reference redis-server (skips when Debian's redis-server is not installed)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed (apt-get install -y redis-server)")
    ref = ReferenceRedis()
    yield ref
    ref.stop()


SORTED = "sorted"  # marker: compare the reply's elements as a sorted list


def differential(server, reference, script, protocol=2):
    """Runs `script` (commands, each a list of arguments, optionally (SORTED, command)) on both
    servers from empty databases; returns the mismatches as (command, ours, theirs)."""
    ours, theirs = Raw(server.port, protocol), Raw(reference.port, protocol)
    try:
        for raw in (ours, theirs):
            assert raw.call("FLUSHALL").startswith(b"+OK")
        mismatches = []
        for step in script:
            sort = isinstance(step, tuple) and step[0] == SORTED
            command = step[1] if sort else step
            a, b = ours.call(*command), theirs.call(*command)
            if sort:
                a, b = sorted(parse(a) or []), sorted(parse(b) or [])
            if a != b:
                mismatches.append((command, a, b))
        return mismatches
    finally:
        ours.close()
        theirs.close()


def commands(text):
    """One command per line, arguments split on blanks; `\\x..` escapes allowed in arguments."""
    out = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append([arg.encode().decode("unicode_escape").encode("latin-1") for arg in line.split()])
    return out


# MARK: Clients


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def r(server, request):
    """redis-py over RESP2 and RESP3 (RESP3 skips while the server has no HELLO)."""
    if request.param == 3 and not supports_hello(server.port):
        pytest.skip("this build has no HELLO yet (it comes with the server core)")
    c = server.client(protocol=request.param)
    yield c
    c.close()


# MARK: Differential


STRING_SCRIPT = commands(r"""
SET k v
GET k
SET k v2 GET
SET k v3 NX
SET k v3 NX GET
SET k v4 XX GET
SET new v XX
SET new v XX GET
GET new
SET new v NX GET
GET new
SET k v NX XX
SET k v XX NX
SET k v EX 0
SET k v EX -1
SET k v PX 0
SET k v EXAT 0
SET k v EX abc
SET k v EX 1.5
SET k v EX
SET k v EX 10 PX 10
SET k v EX 10 EX 100
TTL k
SET k v KEEPTTL EX 10
SET k v EX 10 KEEPTTL
SET k v KEEPTTL
TTL k
SET k v PERSIST
SET k v FOO
SET k v nx
SET k v ex 9223372036854775
SET k v EX 9223372036854775807
SET k v PX 9223372036854775807
SET k v EXAT 9223372036854776
SET k v PXAT 1
GET k
SET k v EXAT 1 GET
SET k v EXAT 4102444800
EXPIRETIME k
PEXPIRETIME k
SET k v PXAT 4102444800123
PEXPIRETIME k
EXPIRETIME k
SET k v px 100000 get
SET k
SET
GET
GET k extra
SETNX k x
SETNX fresh x
SETNX fresh y
GET fresh
SETNX fresh
SETEX k 100 v
TTL k
SETEX k 0 v
SETEX k -5 v
SETEX k abc v
SETEX k 10
PSETEX k 100000 v
TTL k
PSETEX k 0 v
PSETEX k 9223372036854775807 v
GETSET k newv
TTL k
GET k
GETSET missing v
GETSET missing
GETDEL k
GETDEL k
GETDEL
GETEX missing
GETEX missing EX abc
SET g v
GETEX g
GETEX g EX 100
TTL g
GETEX g PERSIST
TTL g
GETEX g EX 0
GETEX g EX abc
GETEX g NX
GETEX g KEEPTTL
GETEX g PX 100000 EX 100
GETEX g PERSIST EX 100
GETEX g EX
GETEX g EXAT 4102444800
EXPIRETIME g
GETEX g PXAT 1
GET g
MSET a 1 b 2 c 3
MGET a b c d
MSET a 1 b
MSET a
MSET a 1 a 2
GET a
MSETNX a 1 x 2
MGET x
MSETNX x 1 y 2
MGET x y
MSETNX x 1 y
MSETNX
APPEND ap hello
APPEND ap \x20world
GET ap
STRLEN ap
STRLEN missing
APPEND ap
SET n 10
INCR n
DECR n
INCRBY n 5
DECRBY n 3
INCRBY n abc
INCRBY n 1.5
INCRBY n
DECRBY n -9223372036854775808
DECRBY n 9223372036854775807
SET n 9223372036854775807
INCR n
INCRBY n -1
SET n -9223372036854775808
DECR n
INCRBY n -1
SET n abc
INCR n
SET n 1\x20
INCR n
SET n 01
INCR n
SET n -0
INCR n
SET n 123456789012345678901
INCR n
INCR newcounter
DECR newcounter2
INCRBYFLOAT fl 10.5
INCRBYFLOAT fl 0.1
INCRBYFLOAT fl -5.0e3
INCRBYFLOAT fl abc
INCRBYFLOAT fl inf
INCRBYFLOAT fl -inf
INCRBYFLOAT fl nan
INCRBYFLOAT fl 1e5000
INCRBYFLOAT fl 1e-5000
INCRBYFLOAT fl \x201
INCRBYFLOAT fl 1\x20
INCRBYFLOAT fl 0x10
INCRBYFLOAT fl 1e-7
GET fl
SET fl \x201
INCRBYFLOAT fl 1
SET fl 1e308
INCRBYFLOAT fl 1e308
INCR fl
SET fl 3
INCRBYFLOAT fl -3
INCRBYFLOAT fl2 1.0000000116860974e-7
INCRBYFLOAT fl2 123456789.123456789
INCRBYFLOAT fl2 1e21
SET fl3 10
EXPIRE fl3 100
INCRBYFLOAT fl3 1.5
TTL fl3
INCR fl3
SET i 5
EXPIRE i 100
INCR i
TTL i
SET bin a\x00b\r\nc
GET bin
STRLEN bin
APPEND bin \x00\xff
GET bin
SET a\x00key v
GET a\x00key
GET a
""")


def test_strings_reply_exactly_as_redis(server, reference):
    assert differential(server, reference, STRING_SCRIPT) == []


def test_strings_reply_exactly_as_redis_in_resp3(server, reference):
    if not supports_hello(server.port):
        pytest.skip("this build has no HELLO yet (it comes with the server core)")
    assert differential(server, reference, STRING_SCRIPT, protocol=3) == []


def test_incrbyfloat_matches_redis_on_random_numbers(server, reference):
    import random
    rng = random.Random(7)
    script = []
    for i in range(400):
        key = "f%d" % (i % 20)
        choice = rng.random()
        if choice < 0.3:
            number = "%r" % rng.uniform(-1e6, 1e6)
        elif choice < 0.5:
            number = "%de%d" % (rng.randint(-999, 999), rng.randint(-30, 30))
        elif choice < 0.7:
            number = "%.*f" % (rng.randint(0, 12), rng.uniform(-100, 100))
        elif choice < 0.85:
            number = str(rng.randint(-10**12, 10**12))
        else:
            number = "%r" % (rng.random() * 10 ** rng.randint(-20, 20))
        script.append(["INCRBYFLOAT", key, number])
    assert differential(server, reference, script) == []


# MARK: redis-py


def test_set_get_and_options(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == b"v"
    assert r.set("k", "x", ex=100, get=True) == b"w"
    assert r.ttl("k") == 100
    assert r.set("k", "y", keepttl=True) is True
    assert 99_000 < r.pttl("k") <= 100_000
    assert r.set("k", "z", pxat=int(time.time() * 1000) + 50_000) is True
    assert 49 <= r.ttl("k") <= 50
    assert r.set("k", "z", exat=int(time.time()) + 500) is True
    assert 499 <= r.ttl("k") <= 500
    assert r.set("gone", "v", xx=True) is None
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'set' command$"):
        r.set("k", "v", ex=0)
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "NX", "XX")


def test_other_setters(r):
    assert r.setnx("a", "1") is True
    assert r.setnx("a", "2") is False
    assert r.setex("b", 100, "x") is True
    assert r.ttl("b") == 100
    assert r.psetex("c", 100_000, "y") is True
    assert 99_000 < r.pttl("c") <= 100_000
    assert r.getset("a", "3") == b"1"
    assert r.ttl("a") == -1
    assert r.getdel("a") == b"3"
    assert r.getdel("a") is None
    assert r.getex("b") == b"x"
    assert r.getex("b", persist=True) == b"x"
    assert r.ttl("b") == -1
    assert r.getex("b", px=5000) == b"x"
    assert 4000 < r.pttl("b") <= 5000
    assert r.getex("missing", ex=10) is None
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'setex' command$"):
        r.setex("b", -1, "x")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'getex' command$"):
        r.getex("b", ex=0)


def test_multi_key_commands(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "missing", "c") == [b"1", b"2", None, b"3"]
    assert r.msetnx({"a": "9", "new": "9"}) is False
    assert r.get("new") is None
    assert r.msetnx({"new": "9", "new2": "8"}) is True
    assert r.mget(["new", "new2"]) == [b"9", b"8"]


def test_append_strlen_and_counters(r):
    assert r.append("s", "hello") == 5
    assert r.append("s", " world") == 11
    assert r.strlen("s") == 11
    assert r.strlen("missing") == 0
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decr("n") == 41
    assert r.decrby("n", 40) == 1
    assert r.incrbyfloat("f", 1e-7) == pytest.approx(1e-7)
    assert r.get("f") == b"0.0000001"
    assert r.incrbyfloat("f", 10.5) == pytest.approx(10.5000001)
    r.set("big", str(2 ** 63 - 1))
    with pytest.raises(redis.ResponseError, match="^increment or decrement would overflow$"):
        r.incr("big")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="^value is not a valid float$"):
        r.incrbyfloat("s", 1)


def test_binary_safe_keys_and_values(r):
    key = b"k\x00\r\n\xff"
    value = b"\x00\r\n" + bytes(range(256))
    assert r.set(key, value) is True
    assert r.get(key) == value
    assert r.strlen(key) == len(value)
    assert r.append(key, b"\x00") == len(value) + 1
    assert r.mget([key, b"k"]) == [value + b"\x00", None]
    assert r.get(b"k") is None
    assert r.exists(key) == 1


def test_concurrent_increments_lose_nothing(server):
    def work():
        c = server.client()
        for _ in range(300):
            c.incr("counter")
            c.incrbyfloat("float", 0.5)
        c.close()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c = server.client()
    assert c.get("counter") == b"1200"
    assert c.get("float") == b"600"


def test_mset_is_atomic_for_readers(server):
    stop = threading.Event()
    torn = []

    def writer():
        c = server.client()
        i = 0
        while not stop.is_set():
            c.mset({"x": i, "y": i})
            i += 1
        c.close()
    t = threading.Thread(target=writer)
    t.start()
    c = server.client()
    try:
        deadline = time.time() + 1.5
        while time.time() < deadline:
            x, y = c.mget("x", "y")
            if x != y:
                torn.append((x, y))
    finally:
        stop.set()
        t.join()
    assert torn == []


def test_pipelined_sets_and_gets(r):
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.set("p%d" % i, i)
    for i in range(500):
        pipe.get("p%d" % i)
    replies = pipe.execute()
    assert replies[:500] == [True] * 500
    assert replies[500:] == [str(i).encode() for i in range(500)]


# MARK: Expiry


def test_short_ttls_expire_for_readers(r):
    r.set("px", "v", px=100)
    r.psetex("ps", 100, "v")
    r.set("keep", "v")
    r.getex("keep", px=100)
    assert r.get("px") == b"v"
    time.sleep(0.25)
    assert r.get("px") is None
    assert r.get("ps") is None
    assert r.exists("px", "ps", "keep") == 0
    assert r.pttl("px") == -2
    assert r.set("px", "again", nx=True) is True


def test_absolute_deadlines_in_the_past_delete(r):
    r.set("a", "v")
    assert r.set("a", "w", pxat=1) is True
    assert r.get("a") is None
    assert r.set("b", "v", exat=1, get=True) is None
    assert r.exists("b") == 0


def test_expired_strings_are_reclaimed_in_the_background(server):
    c = server.client()
    c.mset({"keep:%d" % i: "v" for i in range(10)})
    pipe = c.pipeline(transaction=False)
    for i in range(300):
        pipe.set("k%d" % i, "x" * 100, px=1000)
    pipe.execute()
    assert c.dbsize() == 310
    deadline = time.time() + 5
    while c.dbsize() > 10 and time.time() < deadline:
        time.sleep(0.1)
    # Nothing read the expired keys: the reclaim dropped them.
    assert c.dbsize() == 10


def test_maxmemory_refuses_growing_writes(make_server):
    server = make_server("--durability", "none", "--maxmemory", "4000")
    c = server.client()
    with pytest.raises(redis.ResponseError) as raised:
        for i in range(100):
            c.set("k%d" % i, "x" * 100)
    assert str(raised.value) == "command not allowed when used memory > 'maxmemory'."
    assert c.get("k0") == b"x" * 100
    assert c.delete("k0", "k1", "k2") == 3
    assert c.set("k0", "y") is True


# MARK: Persistence


def test_strings_and_ttls_survive_a_restart(server):
    c = server.client()
    c.set("plain", "v")
    c.set("bin\x00", b"\x00\r\n")
    c.set("ttl", "v", ex=1000)
    c.set("short", "v", px=300)
    c.mset({"m1": "1", "m2": "2"})
    c.incrby("n", 7)
    c.set("deleted", "v")
    c.delete("deleted")
    c.set("persisted", "v", ex=100)
    c.persist("persisted")
    c.close()
    server.stop()
    time.sleep(0.5)  # "short" expires while the server is down
    server.start()
    c = server.client()
    assert c.get("plain") == b"v"
    assert c.get("bin\x00") == b"\x00\r\n"
    assert 990 <= c.ttl("ttl") <= 1000
    assert c.get("short") is None
    assert c.exists("short") == 0
    assert c.mget("m1", "m2") == [b"1", b"2"]
    assert c.get("n") == b"7"
    assert c.get("deleted") is None
    assert c.ttl("persisted") == -1
    assert c.incr("n") == 8


# MARK: redis-cli


def test_redis_cli(server):
    assert server.cli("SET", "greeting", "hello world").strip() == "OK"
    assert server.cli("GET", "greeting").strip() == "hello world"
    assert server.cli("INCRBYFLOAT", "f", "1e-7").strip() == "0.0000001"
    assert server.cli("SET", "k", "v", "EX", "0").strip() == "ERR invalid expire time in 'set' command"
    assert server.cli("MGET", "greeting", "nope").splitlines() == ["hello world", ""]
    assert server.cli("GETEX", "greeting", "EX", "50").strip() == "hello world"
    assert server.cli("TTL", "greeting").strip() == "50"
    assert server.cli("STRLEN", "greeting").strip() == "11"
    out = subprocess.run(["redis-cli", "-p", str(server.port), "-x", "SET", "stdin"], input=b"a\x00b",
                         capture_output=True, timeout=30).stdout
    assert out.strip() == b"OK"
    assert server.client().get("stdin") == b"a\x00b"
