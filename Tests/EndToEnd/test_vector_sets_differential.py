"""Differential test of the vector-set commands against a real Redis 8.8 (skipped without one).

The same fixed script of commands runs on quiverd and on Redis (REDIS8, default
/tmp/redis8/src/redis-server, started on a free port without persistence and stopped by PID),
over raw sockets in RESP2 and in RESP3, and the replies are compared:

- `exact`: the reply bytes must be identical;
- `approx`: the same structure and types, doubles equal to f32 precision (relative 1e-6), which
  covers scores and components that differ only in the last bit of a float sum;
- `unordered`: the same elements in any order (random members that cover the whole set);
- `ranked`: VSIM replies: the same scores in order and, within each group of equal scores, the
  same elements (ties may come in any order);
- `embraw`: VEMB RAW: f32 blobs to f32 precision, int8 and bin blobs byte for byte;
- `info`: VINFO: every field but `max-level` (the graphs' random levels differ);
- `shape`: the same RESP types where contents are implementation-specific (neighbour lists,
  random members, Q8/BIN reconstructions);
- `run`: only executed (setup whose reply is checked by a later command).

Vectors are small integers so that normalisation and dot products are exact in both; a few
commands compare the documented deviations (docs/protocol/vector-sets.md) on purpose.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import Server, free_port

REDIS8 = os.environ.get("REDIS8", "/tmp/redis8/src/redis-server")

pytestmark = pytest.mark.skipif(not os.access(REDIS8, os.X_OK), reason="no Redis 8.8 binary at " + REDIS8)


# ---------------------------------------------------------------------------------------------
# A raw RESP client: sends one command, returns the reply's bytes and its parsed value.

class Reply:
    """A parsed reply: `kind` is the RESP type byte, `value` the payload (lists for aggregates)."""

    def __init__(self, kind, value):
        self.kind, self.value = kind, value

    def __repr__(self):
        return "%s%r" % (self.kind, self.value)


class RawClient:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def _line(self, pos):
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return self.buf[pos:end], end + 2
            self._fill()

    def _need(self, end):
        while len(self.buf) < end:
            self._fill()

    def _parse(self, pos):
        line, pos = self._line(pos)
        kind, rest = chr(line[0]), line[1:]
        if kind in "+-":
            return Reply(kind, rest), pos
        if kind == ":":
            return Reply(kind, int(rest)), pos
        if kind in "$=!":
            n = int(rest)
            if n < 0:
                return Reply("null-bulk", None), pos
            self._need(pos + n + 2)
            return Reply(kind, self.buf[pos:pos + n]), pos + n + 2
        if kind in "*~>":
            n = int(rest)
            if n < 0:
                return Reply("null-array", None), pos
            items = []
            for _ in range(n):
                item, pos = self._parse(pos)
                items.append(item)
            return Reply("*" if kind == "*" else kind, items), pos
        if kind == "%":
            items = []
            for _ in range(int(rest)):
                k, pos = self._parse(pos)
                v, pos = self._parse(pos)
                items.append((k, v))
            return Reply("%", items), pos
        if kind == "_":
            return Reply("_", None), pos
        if kind == "#":
            return Reply("#", rest == b"t"), pos
        if kind == ",":
            return Reply(",", rest), pos
        if kind == "(":
            return Reply("(", rest), pos
        raise ValueError("bad reply type %r" % kind)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, (int, float)):
                a = repr(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        value, end = self._parse(0)
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw, value


# ---------------------------------------------------------------------------------------------
# Comparison.

def as_number(reply):
    """The number a double reply (RESP3 ',' or a RESP2 bulk) spells, else None."""
    if reply.kind in (",", "$"):
        try:
            return float(reply.value)
        except (TypeError, ValueError):
            return None
    return None


def close_enough(a, b):
    if a == b:
        return True
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def same_approx(a, b):
    if a.kind != b.kind:
        return False
    if a.kind in ("*", "~", ">"):
        return len(a.value) == len(b.value) and all(same_approx(x, y) for x, y in zip(a.value, b.value))
    if a.kind == "%":
        return len(a.value) == len(b.value) and all(
            same_approx(k1, k2) and same_approx(v1, v2) for (k1, v1), (k2, v2) in zip(a.value, b.value))
    if a.value == b.value:
        return True
    x, y = as_number(a), as_number(b)
    return x is not None and y is not None and close_enough(x, y)


def same_shape(a, b):
    if a.kind != b.kind:
        return False
    if a.kind in ("*", "~", ">", "%"):
        return True
    if a.kind in ("-",):
        return a.value == b.value
    return True


def canonical(reply):
    if reply.kind in ("*", "~"):
        return ("*", tuple(sorted(canonical(x) for x in reply.value)))
    if reply.kind == "%":
        return ("%", tuple(sorted((canonical(k), canonical(v)) for k, v in reply.value)))
    return (reply.kind, reply.value)


def same_unordered(a, b):
    return canonical(a) == canonical(b)


def upper(arg):
    return (arg.encode() if isinstance(arg, str) else arg).upper()


def similarity_entries(reply, args):
    """A VSIM reply as [(name, score, attribute)], whatever the protocol's shape."""
    words = [upper(a) for a in args]
    scores, attributes = b"WITHSCORES" in words, b"WITHATTRIBS" in words
    if reply.kind == "%":
        out = []
        for k, v in reply.value:
            if scores and attributes:
                out.append((k, v.value[0], v.value[1]))
            elif scores:
                out.append((k, v, None))
            else:
                out.append((k, None, v))
        return out
    if reply.kind != "*":
        return None
    stride = 1 + scores + attributes
    items = reply.value
    return [(items[i], items[i + 1] if scores else None, items[i + stride - 1] if attributes else None)
            for i in range(0, len(items), stride)]


def same_ranked(a, b, args):
    """VSIM replies: the same scores in order (to f32 precision) and, within each group of equal
    scores, the same elements in any order (the group a COUNT cuts is compared by size only)."""
    if a.kind != b.kind or a.kind not in ("*", "%"):
        return same_approx(a, b)
    x, y = similarity_entries(a, args), similarity_entries(b, args)
    if len(x) != len(y):
        return False
    if x and x[0][1] is None:
        return same_approx(a, b)
    for (_, s1, _), (_, s2, _) in zip(x, y):
        if s1.kind != s2.kind or not close_enough(as_number(s1), as_number(s2)):
            return False
    groups, start = [], 0
    for i in range(1, len(y) + 1):
        if i == len(y) or not close_enough(as_number(y[i][1]), as_number(y[start][1])):
            groups.append((start, i))
            start = i
    for n, (lo, hi) in enumerate(groups):
        if n == len(groups) - 1:
            break
        mine = sorted((e[0].value, canonical(e[2]) if e[2] else None) for e in x[lo:hi])
        theirs = sorted((e[0].value, canonical(e[2]) if e[2] else None) for e in y[lo:hi])
        if mine != theirs:
            return False
    return True


def same_raw_embedding(a, b, args):
    """VEMB RAW: the same quantization and layout; f32 blobs and the l2/range doubles to f32
    precision, int8 and bin blobs byte for byte."""
    if a.kind != "*" or b.kind != "*" or len(a.value) != len(b.value):
        return same_approx(a, b)
    name1, blob1 = a.value[0], a.value[1]
    name2, blob2 = b.value[0], b.value[1]
    if name1.kind != name2.kind or name1.value != name2.value:
        return False
    if name1.value == b"f32":
        if len(blob1.value) != len(blob2.value):
            return False
        n = len(blob1.value) // 4
        u = struct.unpack("<%df" % n, blob1.value)
        v = struct.unpack("<%df" % n, blob2.value)
        if not all(close_enough(p, q) for p, q in zip(u, v)):
            return False
    elif blob1.value != blob2.value:
        return False
    return all(same_approx(p, q) for p, q in zip(a.value[2:], b.value[2:]))


def same_info(a, b, args):
    """VINFO: every field the same but `max-level` (the graphs' random levels differ)."""
    if a.kind != b.kind or a.kind not in ("*", "%"):
        return same_approx(a, b)
    pairs = lambda r: r.value if r.kind == "%" else list(zip(r.value[0::2], r.value[1::2]))
    x, y = pairs(a), pairs(b)
    if len(x) != len(y):
        return False
    for (k1, v1), (k2, v2) in zip(x, y):
        if (k1.kind, k1.value) != (k2.kind, k2.value) or v1.kind != v2.kind:
            return False
        if k1.value != b"max-level" and v1.value != v2.value:
            return False
    return True


COMPARE = {
    "info": same_info,
    "approx": lambda a, b, args: same_approx(a, b),
    "shape": lambda a, b, args: same_shape(a, b),
    "unordered": lambda a, b, args: same_unordered(a, b),
    "ranked": same_ranked,
    "embraw": same_raw_embedding,
}


# ---------------------------------------------------------------------------------------------
# The script.

def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def script(with_strings):
    cmds = []

    def add(mode, *args):
        cmds.append((mode, args))

    E = lambda *a: add("exact", *a)
    A = lambda *a: add("approx", *a)
    S = lambda *a: add("shape", *a)
    U = lambda *a: add("unordered", *a)
    R = lambda *a: add("run", *a)
    K = lambda *a: add("ranked", *a)
    W = lambda *a: add("embraw", *a)
    I = lambda *a: add("info", *a)

    # Arity errors, command names in any case.
    for args in [("VADD", "k", "VALUES", "1"), ("vadd",), ("VSIM", "k", "ELE"), ("VREM", "k"), ("VREM", "k", "a", "b"),
                 ("VCARD",), ("vcard", "a", "b"), ("VDIM",), ("VEMB", "k"), ("VLINKS", "k"), ("VLINKS", "k", "a", "b", "c"),
                 ("VLINKS", "k", "a", "WITHSCOREZ"), ("VINFO",), ("VINFO", "a", "b"), ("VSETATTR", "k", "e"),
                 ("VGETATTR", "k"), ("VRANDMEMBER",), ("VRANDMEMBER", "k", "1", "2"), ("VISMEMBER", "k"),
                 ("VRANGE", "k", "-"), ("VRANGE", "k", "-", "+", "1", "2")]:
        E(*args)
    # Missing keys.
    for args in [("VCARD", "nokey"), ("VDIM", "nokey"), ("VEMB", "nokey", "a"), ("VEMB", "nokey", "a", "RAW"),
                 ("VEMB", "nokey", "a", "FOO"), ("VLINKS", "nokey", "a"), ("VLINKS", "nokey", "a", "withscores"),
                 ("VINFO", "nokey"), ("VGETATTR", "nokey", "a"), ("VSETATTR", "nokey", "a", "{}"),
                 ("VREM", "nokey", "a"), ("VISMEMBER", "nokey", "a"), ("VRANDMEMBER", "nokey"),
                 ("VRANDMEMBER", "nokey", "3"), ("VRANDMEMBER", "nokey", "-3"), ("VRANDMEMBER", "nokey", "0"),
                 ("VRANDMEMBER", "nokey", "x"), ("VRANGE", "nokey", "-", "+"), ("VRANGE", "nokey", "[a", "(b", "x"),
                 ("VSIM", "nokey", "FOO", "bar"), ("VSIM", "nokey", "VALUES", "3", "1", "0", "0", "WITHSCORES"),
                 ("VSIM", "nokey", "ELE", "x", "WITHSCORES", "WITHATTRIBS")]:
        E(*args)
    # Malformed vectors and options (checked before the key exists).
    for args in [("VALUES", "0", "e"), ("VALUES", "-1", "e"), ("VALUES", "x", "1", "e"), ("VALUES", "04", "1", "e"),
                 ("VALUES", "+2", "1", "1", "e"), ("VALUES", "3", "1", "2", "e"), ("VALUES", "2", "1", "nan", "e"),
                 ("VALUES", "2", "1", " 1", "e"), ("VALUES", "2", "1", "1x", "e"), ("VALUES", "2", "1", "1e400", "e"),
                 ("VALUES", "1", "1e-400", "e"), ("VALUES", "1", "-0x1p-1100", "e"),
                 ("VALUES", "65537", "1", "e"), ("FP32", "abc", "e"), ("FP32", "", "e"), ("FOO", "1", "e"),
                 ("REDUCE", "0", "VALUES", "2", "1", "1", "e"), ("REDUCE", "-1", "VALUES", "2", "1", "1", "e"),
                 ("REDUCE", "x", "VALUES", "2", "1", "1", "e"), ("REDUCE", "3", "VALUES", "2", "1", "1", "e"),
                 ("VALUES", "3", "1", "0", "0"), ("REDUCE", "2", "VALUES", "3", "1", "0", "0"),
                 ("VALUES", "2", "1", "0", "e", "FOO"), ("VALUES", "2", "1", "0", "e", "EF"),
                 ("VALUES", "2", "1", "0", "e", "EF", "0"), ("VALUES", "2", "1", "0", "e", "EF", "1000001"),
                 ("VALUES", "2", "1", "0", "e", "EF", "x"), ("VALUES", "2", "1", "0", "e", "M", "3"),
                 ("VALUES", "2", "1", "0", "e", "M", "4097"), ("VALUES", "2", "1", "0", "e", "M", "x"),
                 ("VALUES", "2", "1", "0", "e", "M"), ("VALUES", "2", "1", "0", "e", "SETATTR"),
                 ("VALUES", "2", "1", "0", "e", "NOQUANT", "bogus"), ("VALUES", "2", "1", "0", "e", "EF", "-5")]:
        E("VADD", "bad", *args)
    E("VCARD", "bad")

    # A NOQUANT set of 3-d vectors, names chosen to exercise byte order.
    pts = {
        "a": (1, 0, 0), "b": (0, 1, 0), "c": (0, 0, 1), "d": (3, 4, 0), "e": (0, 3, 4), "f": (-1, 0, 0),
        "g": (1, 2, 2), "h": (2, -1, 2), "A": (4, 0, 3), "zz": (-2, 1, 2), "a\x00b": (0, -4, 3), "\xff": (6, 0, 8),
    }
    first = True
    for name, v in pts.items():
        E("VADD", "s", "VALUES", "3", *[str(x) for x in v], name, "NOQUANT", *(["EF", "50"] if first else []))
        first = False
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "a", "NOQUANT")  # update: 0
    E("VADD", "s", "FP32", f32(0.0, 0.0, 2.0), "c", "NOQUANT", "CAS")
    E("VADD", "s", "VALUES", "3", "1", "1", "0", "ab", "NOQUANT", "SETATTR", '{"n": 5, "s": "hello", "t": [1, "x"]}')
    E("VADD", "s", "VALUES", "3", "1", "1", "1", "ac", "noquant", "setattr", '{"n": 10, "s": "world", "ok": true}')
    E("VADD", "s", "VALUES", "3", "0", "1", "1", "ad", "NOQUANT", "SETATTR", '{"n": -3.5, "z": null}')
    E("VADD", "s", "VALUES", "3", "1", "0", "1", "ae", "NOQUANT", "SETATTR", 'not json')
    E("VADD", "s", "VALUES", "3", "2", "2", "1", "af", "NOQUANT", "SETATTR", '{"n": "42", "o": {"x": 1}}')
    E("VADD", "s", "VALUES", "3", "1", "1", "0", "ab", "NOQUANT")  # update keeps the attribute
    E("VGETATTR", "s", "ab")
    E("VADD", "s", "VALUES", "3", "1", "1", "0", "ab", "NOQUANT", "SETATTR", '{"n": 6, "s": "hello"}')
    E("VGETATTR", "s", "ab")
    # The rules for an existing set.
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "x")
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "x", "BIN")
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "x", "NOQUANT", "Q8")
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "x", "NOQUANT", "M", "32")
    E("VADD", "s", "VALUES", "3", "1", "0", "0", "x", "NOQUANT", "M", "16")
    E("VADD", "s", "VALUES", "2", "1", "0", "x", "NOQUANT")
    E("VADD", "s", "REDUCE", "2", "VALUES", "3", "1", "0", "0", "x", "NOQUANT")
    E("VADD", "s", "REDUCE", "3", "VALUES", "3", "1", "0", "0", "x", "NOQUANT")
    E("VADD", "s", "BIN", "VALUES", "3", "1", "0", "0", "x")
    E("VREM", "s", "x")
    for cmd in ["VCARD", "VDIM", "TYPE"]:
        E(cmd, "s")
    I("VINFO", "s")
    for name in list(pts) + ["ab", "nope"]:
        E("VISMEMBER", "s", name)
    for name in ["a", "d", "g", "\xff", "a\x00b", "nope"]:
        A("VEMB", "s", name)
        W("VEMB", "s", name, "raw")
    E("VEMB", "s", "a", "RAW", "x")
    E("VEMB", "s", "a", "RAW", "RAW")
    S("VLINKS", "s", "a")
    S("VLINKS", "s", "a", "WITHSCORES")
    E("VLINKS", "s", "nope")
    # Ranges.
    for args in [("-", "+"), ("-", "+", "3"), ("-", "+", "0"), ("-", "+", "-1"), ("[a", "+"), ("(a", "+"),
                 ("[a", "[b"), ("(a", "(b"), ("[A", "(a"), ("-", "(a"), ("[\xff", "+"), ("(\xff", "+"),
                 ("[a\x00", "+"), ("[a", "[a"), ("(a", "[a"), ("[b", "[a"), ("[", "+"), ("(", "+"), ("a", "+"),
                 ("-", "b"), ("", "+"), ("+", "+"), ("-", "-"), ("+", "-"), ("-", "+", "x"), ("-", "+", "1.5"),
                 ("[zz", "+"), ("[zzz", "+")]:
        E("VRANGE", "s", *args)
    # Similarity.
    # Replies without scores use a query whose scores are far apart (no ties); the others compare
    # scores in order and the elements of each group of equal scores in any order.
    q = ["VALUES", "3", "1", "0", "0"]
    g = ["VALUES", "3", "8", "-5", "-1"]
    A("VSIM", "s", *g)
    A("VSIM", "s", *g, "COUNT", "4")
    A("VSIM", "s", *g, "WITHATTRIBS", "COUNT", "100")
    A("VSIM", "s", *g, "EPSILON", "0.5", "COUNT", "100")
    A("VSIM", "s", *g, "EPSILON", "5", "COUNT", "100", "EF", "20")
    A("VSIM", "s", *g, "WITHSCORES", "WITHATTRIBS", "COUNT", "7")
    A("VSIM", "s", "VALUES", "3", "9", "2", "-3", "WITHSCORES", "TRUTH", "COUNT", "100")
    K("VSIM", "s", *q, "WITHSCORES")
    A("VSIM", "s", *g, "WITHATTRIBS")
    K("VSIM", "s", *q, "WITHSCORES", "WITHATTRIBS")
    K("VSIM", "s", *q, "WITHATTRIBS", "WITHSCORES", "COUNT", "30")
    K("VSIM", "s", *q, "COUNT", "3", "WITHSCORES")
    K("VSIM", "s", *q, "COUNT", "1000000", "WITHSCORES", "EF", "1")
    K("VSIM", "s", *q, "EPSILON", "0.5", "WITHSCORES", "COUNT", "100")
    K("VSIM", "s", *q, "EPSILON", "0.2", "WITHSCORES", "COUNT", "100")
    K("VSIM", "s", *q, "TRUTH", "WITHSCORES", "COUNT", "100")
    K("VSIM", "s", *q, "NOTHREAD", "WITHSCORES", "COUNT", "5")
    K("VSIM", "s", "ELE", "g", "WITHSCORES", "COUNT", "100")
    K("VSIM", "s", "ele", "a\x00b", "WITHSCORES", "COUNT", "4")
    K("VSIM", "s", "FP32", f32(0.0, 1.0, 0.0), "WITHSCORES", "COUNT", "100")
    K("VSIM", "s", "VALUES", "3", "0", "0", "0", "WITHSCORES", "COUNT", "2")  # the zero query: every score 0.5
    K("VSIM", "s", "VALUES", "3", "-1", "-2", "-2", "COUNT", "3", "WITHSCORES")
    # Filters (over the elements with attributes).
    for expr in ['.n > 5', '.n >= 5', '.n == 5', '.n == "42"', '.s == "hello"', '"ell" in .s', '.n in [5, 10]',
                 '"x" in .t', '.t', '.ok', '.z == null', '!(.n == 6)', 'not .ok', '.n > 0 and .s == "world"',
                 '.n < 0 or .ok', '(.n - 2) ** 2 < 20', '.n % 4 == 2', '.missing or 1', '1', '0', '.o', '.o == 1',
                 '.n * 2 > 11', '.s > 1', '"abc" < 1', '"hello" == 0', '.n != 6', "'hello' == .s",
                 '2 ** 3 ** 2 == 512', '1 == 1 == 1', '. == 1', '.n-3 == 1']:
        K("VSIM", "s", *q, "FILTER", expr, "WITHSCORES", "WITHATTRIBS", "COUNT", "100")
    K("VSIM", "s", *q, "FILTER", ".n > 100", "WITHSCORES")
    K("VSIM", "s", *q, "FILTER", ".n > 5", "FILTER", ".n < 0", "WITHSCORES")
    K("VSIM", "s", *q, "FILTER", ".n > 0", "FILTER-EF", "100", "COUNT", "100", "WITHSCORES")
    K("VSIM", "s", *q, "FILTER", ".n > 0", "TRUTH", "COUNT", "100", "WITHSCORES")
    A("VSIM", "s", *g, "FILTER", ".n > 0")
    for expr in ['.a @ 1', '.a === 1', '', '.a ==', '(.a == 1', '.a == 1)', '1 2', 'true', '.a AND .b',
                 '.a IN [1]', "'unterminated", '.a.b == 1', '[1, [2]]', 'Not .a']:
        E("VSIM", "s", *q, "FILTER", expr)
    # VSIM errors, in Redis's order.
    for args in [("ELE", "nope"), ("VALUES", "2", "1", "0"), ("VALUES", "x"), ("FP32", "abc"), ("FOO", "x"),
                 ("REDUCE", "2", "VALUES", "3", "1", "0", "0"), ("VALUES", "3", "1", "0", "0", "COUNT", "0"),
                 ("VALUES", "3", "1", "0", "0", "COUNT", "-1"), ("VALUES", "3", "1", "0", "0", "COUNT", "x"),
                 ("VALUES", "3", "1", "0", "0", "EPSILON", "0"), ("VALUES", "3", "1", "0", "0", "EPSILON", "-1"),
                 ("VALUES", "3", "1", "0", "0", "EPSILON", "x"), ("VALUES", "3", "1", "0", "0", "EF", "0"),
                 ("VALUES", "3", "1", "0", "0", "EF", "1000001"), ("VALUES", "3", "1", "0", "0", "FILTER-EF", "0"),
                 ("VALUES", "3", "1", "0", "0", "FILTER-EF", "x"), ("VALUES", "3", "1", "0", "0", "COUNT"),
                 ("VALUES", "3", "1", "0", "0", "FILTER"), ("VALUES", "3", "1", "0", "0", "BOGUS"),
                 ("VALUES", "3", "1", "0", "0", "COUNT", "2", "EF"), ("VALUES", "4", "1", "0", "0", "0"),
                 ("VALUES", "3", "1", "0", "0", "COUNT", "0", "FILTER", "@")]:
        E("VSIM", "s", *args)
    # Attributes.
    for args in [("ab",), ("ac",), ("ae",), ("a",), ("nope",)]:
        E("VGETATTR", "s", *args)
    E("VSETATTR", "s", "a", '{"n": 1}')
    E("VSETATTR", "s", "a", "")
    E("VSETATTR", "s", "a", "")
    E("VSETATTR", "s", "nope", "{}")
    E("VGETATTR", "s", "a")
    E("VSETATTR", "s", "b", "{}")
    E("VGETATTR", "s", "b")
    E("VSETATTR", "s", "ae", "")
    K("VSIM", "s", *q, "FILTER", "1", "WITHATTRIBS", "WITHSCORES", "COUNT", "100")
    # Random members that cover the whole set.
    U("VRANDMEMBER", "s", "100")
    E("VRANDMEMBER", "s", "0")
    S("VRANDMEMBER", "s")
    S("VRANDMEMBER", "s", "3")
    S("VRANDMEMBER", "s", "-30")
    E("VRANDMEMBER", "s", "1.5")
    # Removal.
    E("VREM", "s", "nope")
    E("VREM", "s", "ab")
    E("VREM", "s", "ab")
    E("VISMEMBER", "s", "ab")
    E("VCARD", "s")

    # The empty element and binary attributes.
    E("VADD", "bin", "VALUES", "2", "1", "2", "", "NOQUANT", "SETATTR", "\x00\xff")
    E("VADD", "bin", "VALUES", "2", "2", "1", "\x00", "NOQUANT")
    E("VISMEMBER", "bin", "")
    E("VGETATTR", "bin", "")
    E("VRANGE", "bin", "-", "+")
    K("VSIM", "bin", "ELE", "", "WITHSCORES")
    A("VEMB", "bin", "")
    E("VREM", "bin", "")
    E("VREM", "bin", "\x00")
    E("VCARD", "bin")
    E("TYPE", "bin")
    E("VREM", "bin", "\x00")

    # A Q8 set (the default) and a BIN set.
    for name, v in [("p", (1, 2, 3, 4)), ("q", (4, 3, 2, 1)), ("r", (-1, 2, -3, 4)), ("z", (0, 0, 0, 0))]:
        E("VADD", "q8", "VALUES", "4", *[str(x) for x in v], name)
        E("VADD", "bn", "VALUES", "4", *[str(x) for x in v], name, "BIN")
        E("VADD", "m32", "VALUES", "4", *[str(x) for x in v], name, "M", "32", "Q8", "SETATTR", '{"v": %d}' % v[0])
    E("VADD", "q8", "VALUES", "4", "1", "1", "1", "1", "p", "NOQUANT")
    E("VADD", "q8", "VALUES", "4", "1", "1", "1", "1", "p", "M", "17")
    E("VADD", "bn", "VALUES", "4", "1", "1", "1", "1", "p")
    E("VADD", "m32", "VALUES", "4", "1", "1", "1", "1", "p")
    E("VADD", "m32", "VALUES", "4", "1", "1", "1", "1", "p", "M", "32")
    for key in ["q8", "bn", "m32"]:
        I("VINFO", key)
        E("VCARD", key)
        S("VEMB", key, "z")
        S("VEMB", key, "p")
        W("VEMB", key, "z", "RAW")
        S("VSIM", key, "ELE", "p", "WITHSCORES")
    W("VEMB", "q8", "p", "RAW")
    W("VEMB", "q8", "r", "RAW")
    E("VEMB", "bn", "p", "RAW")
    E("VEMB", "bn", "r", "RAW")
    S("VSIM", "q8", "VALUES", "4", "1", "2", "3", "4", "FILTER", ".v > 0", "WITHATTRIBS")
    A("VSIM", "m32", "VALUES", "4", "1", "2", "3", "4", "FILTER", ".v > 0", "WITHATTRIBS", "COUNT", "1")

    # REDUCE: the projection is deterministic, so stored vectors match.
    R("VADD", "red", "REDUCE", "2", "VALUES", "4", "1", "2", "3", "4", "r1", "NOQUANT")
    E("VADD", "red", "REDUCE", "2", "VALUES", "4", "4", "3", "2", "1", "r2", "NOQUANT")
    E("VADD", "red", "REDUCE", "2", "VALUES", "4", "1", "0", "0", "0", "r3", "NOQUANT", "SETATTR", '{"k": 1}')
    E("VADD", "red", "VALUES", "4", "1", "0", "0", "0", "r4", "NOQUANT")
    E("VADD", "red", "VALUES", "2", "1", "0", "r4", "NOQUANT")
    E("VADD", "red", "REDUCE", "3", "VALUES", "4", "1", "0", "0", "0", "r4", "NOQUANT")
    E("VADD", "red", "REDUCE", "2", "VALUES", "5", "1", "0", "0", "0", "0", "r4", "NOQUANT")
    E("VADD", "red", "REDUCE", "2", "VALUES", "2", "1", "0", "r4", "NOQUANT")
    E("VDIM", "red")
    I("VINFO", "red")
    for name in ["r1", "r2", "r3"]:
        A("VEMB", "red", name)
        W("VEMB", "red", name, "RAW")
    K("VSIM", "red", "VALUES", "4", "1", "2", "3", "4", "WITHSCORES")
    K("VSIM", "red", "VALUES", "2", "1", "0", "WITHSCORES")
    E("VSIM", "red", "VALUES", "3", "1", "0", "0")
    K("VSIM", "red", "ELE", "r2", "WITHSCORES", "WITHATTRIBS")
    E("VADD", "red2", "REDUCE", "3", "FP32", f32(1, 2, 3, 4, 5, 6, 7, 8), "x", "NOQUANT")
    A("VEMB", "red2", "x")
    W("VEMB", "red2", "x", "RAW")
    E("VADD", "red2", "REDUCE", "3", "FP32", f32(8, 7, 6, 5, 4, 3, 2, 1), "y", "NOQUANT")
    K("VSIM", "red2", "FP32", f32(1, 2, 3, 4, 5, 6, 7, 8), "WITHSCORES")

    # Zero vectors in every quantization.
    E("VADD", "zero", "VALUES", "3", "0", "0", "0", "z", "NOQUANT")
    E("VADD", "zero", "VALUES", "3", "1", "0", "0", "o", "NOQUANT")
    A("VEMB", "zero", "z")
    W("VEMB", "zero", "z", "RAW")
    K("VSIM", "zero", "ELE", "z", "WITHSCORES")
    K("VSIM", "zero", "ELE", "o", "WITHSCORES")

    # The last element's removal deletes the key; a new set gets a new uid.
    E("VREM", "zero", "z")
    E("VREM", "zero", "o")
    E("VCARD", "zero")
    E("TYPE", "zero")
    E("VINFO", "zero")
    E("VADD", "zero", "VALUES", "1", "5", "only", "M", "4", "BIN")
    I("VINFO", "zero")

    # Several hundred more elements: counts and exact searches.
    import random
    rnd = random.Random(7)
    for i in range(150):
        v = [str(rnd.randint(-8, 8)) for _ in range(6)]
        if all(x == "0" for x in v):
            v[0] = "1"
        attr = '{"i": %d, "g": "%s"}' % (i, "abc"[i % 3])
        R("VADD", "big", "VALUES", "6", *v, "e%03d" % i, "NOQUANT", "SETATTR", attr)
    E("VCARD", "big")
    E("VRANGE", "big", "[e050", "(e060")
    E("VRANGE", "big", "(e149", "+")
    U("VSIM", "big", "VALUES", "6", "1", "2", "3", "4", "5", "6", "TRUTH", "COUNT", "1000")
    K("VSIM", "big", "VALUES", "6", "1", "-2", "3", "-4", "5", "-6", "TRUTH", "COUNT", "20", "WITHSCORES")
    U("VSIM", "big", "VALUES", "6", "1", "1", "1", "1", "1", "1", "FILTER", '.g == "b" and .i > 100', "TRUTH",
      "COUNT", "1000")
    for i in range(0, 150, 10):
        E("VREM", "big", "e%03d" % i)
    E("VCARD", "big")
    U("VRANDMEMBER", "big", "1000")
    E("VSETATTR", "big", "e001", "")
    I("VINFO", "big")

    if with_strings:
        R("SET", "str", "x")
        for args in [("VADD", "str", "VALUES", "1", "1", "e"), ("VADD", "str", "VALUES", "x", "e"),
                     ("VADD", "str", "VALUES", "1", "1", "e", "FOO"), ("VSIM", "str", "FOO", "x"), ("VREM", "str", "e"),
                     ("VCARD", "str"), ("VDIM", "str"), ("VEMB", "str", "e"), ("VEMB", "str", "e", "FOO"),
                     ("VLINKS", "str", "e"), ("VINFO", "str"), ("VSETATTR", "str", "e", "x"), ("VGETATTR", "str", "e"),
                     ("VRANDMEMBER", "str"), ("VRANDMEMBER", "str", "0"), ("VRANDMEMBER", "str", "x"),
                     ("VISMEMBER", "str", "e"), ("VRANGE", "str", "-", "+"), ("VRANGE", "str", "x", "+")]:
            E(*args)
    return cmds


# ---------------------------------------------------------------------------------------------

@pytest.fixture
def redis8():
    directory = tempfile.mkdtemp(prefix="redis8-diff-")
    port = free_port()
    log = open(os.path.join(directory, "log"), "wb")
    process = subprocess.Popen([REDIS8, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", directory], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("redis did not start")
                time.sleep(0.05)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis(make_server, redis8, protocol):
    server = make_server("--durability", "none")
    ours, theirs = RawClient(server.port), RawClient(redis8)
    try:
        if protocol == 3:
            assert ours.call("HELLO", "3")[1].kind == "%"
            assert theirs.call("HELLO", "3")[1].kind == "%"
        with_strings = ours.call("SET", "probe", "1")[1].kind != "-"
        theirs.call("SET", "probe", "1")
        commands = script(with_strings)
        assert len(commands) >= 300
        mismatches = []
        compared = 0
        for mode, args in commands:
            mine_raw, mine = ours.call(*args)
            redis_raw, redis = theirs.call(*args)
            if mode == "run":
                continue
            compared += 1
            same = mine_raw == redis_raw if mode == "exact" else COMPARE[mode](mine, redis, args)
            if not same:
                mismatches.append("%s %r\n  quiverd: %r\n  redis:   %r" % (mode, args, mine_raw[:300], redis_raw[:300]))
        assert not mismatches, "%d of %d replies differ:\n%s" % (len(mismatches), compared, "\n".join(mismatches))
    finally:
        ours.close()
        theirs.close()
