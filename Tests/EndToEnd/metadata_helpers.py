"""Helpers shared by the metadata and transaction end-to-end tests: a client fixture per protocol
(RESP3 is skipped while the server has no HELLO), and readers that give RESP2 flat arrays and
RESP3 maps one shape."""
import json
import struct

import pytest
import redis


def connect(server, protocol, **kwargs):
    """A client of `server` speaking `protocol`; skips the test when the server cannot speak it."""
    c = None
    try:
        c = server.client(protocol=protocol, **kwargs)
        c.ping()
    except redis.exceptions.ResponseError as error:
        if c is not None:
            c.close()
        if protocol == 3 and "HELLO" in str(error):
            pytest.skip("the server has no HELLO yet (the server core's), so RESP3 cannot be negotiated")
        raise
    return c


def text(value):
    if isinstance(value, bytes):
        return value.decode()
    return value


def fields(reply):
    """A map reply (RESP3 dict or RESP2 flat list) as a dict with str keys."""
    if reply is None:
        return None
    if isinstance(reply, dict):
        return {text(k): v for k, v in reply.items()}
    assert isinstance(reply, list) and len(reply) % 2 == 0, reply
    return {text(reply[i]): reply[i + 1] for i in range(0, len(reply), 2)}


def pairs(reply):
    """A map reply as an ordered list of (str key, value)."""
    if isinstance(reply, dict):
        return [(text(k), v) for k, v in reply.items()]
    return [(text(reply[i]), reply[i + 1]) for i in range(0, len(reply), 2)]


def entity(reply):
    """An entity reply: its fields with attributes parsed."""
    f = fields(reply)
    if f is None:
        return None
    f = {k: text(v) if isinstance(v, bytes) else v for k, v in f.items()}
    f["attributes"] = json.loads(f["attributes"])
    if "distance" in f:
        f["distance"] = float(f["distance"])
    return f


def note(reply):
    f = fields(reply)
    if f is None:
        return None
    out = {k: text(v) if isinstance(v, bytes) else v for k, v in f.items()}
    out["tags"] = [text(t) for t in out["tags"]]
    if "distance" in out:
        out["distance"] = float(out["distance"])
    return out


def fp32(vector):
    return struct.pack("<%df" % len(vector), *vector)


def values(vector):
    return ["VALUES", len(vector)] + [repr(float(v)) for v in vector]


def page(reply):
    """A listing page: (cursor text, elements)."""
    return text(reply[0]), reply[1]
