"""ENTITY.*, NOTE.*, CACHE.*, COLLECTION.*: every command with redis-py in RESP2 and RESP3, an
application's flow over them, restart persistence, logical-database isolation, and bad input."""
import time

import pytest
import redis

from metadata_helpers import connect, entity, fields, fp32, note, page, pairs, text, values

CHARACTERS = [
    # id, species, status, age, tags, embedding
    ("frodo", "hobbit", "alive", 50, ["ring-bearer", "shire"], [1.0, 0.0, 0.0, 0.0]),
    ("sam", "hobbit", "alive", 38, ["shire", "gardener"], [0.9, 0.1, 0.0, 0.0]),
    ("bilbo", "hobbit", "departed", 131, ["shire", "ring-bearer"], [0.8, 0.0, 0.2, 0.0]),
    ("gandalf", "maia", "returned", 2019, ["wizard"], [0.0, 1.0, 0.0, 0.0]),
    ("saruman", "maia", "fallen", 2100, ["wizard"], [0.0, 0.9, 0.0, 0.1]),
    ("legolas", "elf", "alive", 2931, ["archer"], [0.0, 0.0, 1.0, 0.0]),
    ("gimli", "dwarf", "alive", 139, ["axe"], [0.0, 0.0, 0.0, 1.0]),
]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def meta(server, request):
    c = connect(server, request.param)
    yield c
    c.close()


def populate(c):
    assert c.execute_command("ENTITY.DEFINE", "character", "INDEX", "species", "status", "age") in (b"OK", "OK", True)
    assert c.execute_command("COLLECTION.CREATE", "character-emb", "DIM", 4, "METRIC", "cosine", "QUANT", "f32", "M", 16, "EF", 100)
    for i, (cid, species, status, age, tags, emb) in enumerate(CHARACTERS):
        attrs = '{"name":"%s","species":"%s","status":"%s","age":%d,"tags":%s}' % (
            cid.title(), species, status, age, str(tags).replace("'", '"'))
        vector = ["FP32", fp32(emb)] if i % 2 == 0 else values(emb)
        c.execute_command("ENTITY.UPSERT", "character", cid, attrs, "EMBEDDING", "character-emb", *vector)


def test_application_flow(meta):
    populate(meta)

    # Listing by a facet filter, in pages of two: every hobbit once, in id order.
    seen, cursor = [], "0"
    while True:
        cursor, elements = page(meta.execute_command(
            "ENTITY.LIST", "character", "FILTER", '.species == "hobbit"', "LIMIT", 2, "CURSOR", cursor))
        seen += [entity(e)["id"] for e in elements]
        if cursor == "0":
            break
    assert seen == ["bilbo", "frodo", "sam"]
    # A range on an indexed attribute.
    _, elements = page(meta.execute_command("ENTITY.LIST", "character", "FILTER", ".age >= 2000 and .age < 3000"))
    assert sorted(entity(e)["id"] for e in elements) == ["gandalf", "legolas", "saruman"]

    # Facet counts, largest first, keyed by the values' JSON.
    counts = pairs(meta.execute_command("ENTITY.COUNT", "character", "BY", "species"))
    assert counts[0] == ('"hobbit"', 3)
    assert dict(counts) == {'"hobbit"': 3, '"maia"': 2, '"elf"': 1, '"dwarf"': 1}
    assert dict(pairs(meta.execute_command("ENTITY.COUNT", "character", "BY", "tags"))) ['"shire"'] == 3
    assert meta.execute_command("ENTITY.COUNT", "character", "FILTER", '.status == "alive"') == 4

    # Semantic search with a filter.
    hits = [entity(h) for h in meta.execute_command(
        "ENTITY.SEARCH", "character-emb", *values([1, 0.05, 0, 0]), "K", 3)]
    assert [h["id"] for h in hits] == ["frodo", "sam", "bilbo"]
    assert hits[0]["distance"] < hits[1]["distance"] < hits[2]["distance"]
    hits = [entity(h) for h in meta.execute_command(
        "ENTITY.SEARCH", "character-emb", "FP32", fp32([1, 0.05, 0, 0]), "K", 2, "FILTER", '.status == "alive" and .age < 45')]
    assert [h["id"] for h in hits] == ["sam"]
    hits = [entity(h) for h in meta.execute_command("ENTITY.SEARCH", "character-emb", "ELE", "character", "gandalf", "K", 2)]
    assert [h["id"] for h in hits] == ["gandalf", "saruman"]

    # Notes on an entity, newest first.
    assert meta.execute_command("COLLECTION.CREATE", "note-emb", "DIM", 4, "METRIC", "l2")
    ids = []
    for i, body in enumerate(["Leaves the Shire", "Reaches Rivendell", "Destroys the Ring"]):
        ids.append(text(meta.execute_command(
            "NOTE.ADD", "character", "frodo", body, "TAGS", 2, "journey", "spoiler" if i == 2 else "plot",
            "EMBEDDING", "note-emb", *values([i, 0, 0, 0]))))
        time.sleep(0.002)  # distinct creation milliseconds: newest-first order is by millisecond
    cursor, first = page(meta.execute_command("NOTE.LIST", "character", "frodo", "LIMIT", 2))
    cursor2, rest = page(meta.execute_command("NOTE.LIST", "character", "frodo", "LIMIT", 2, "CURSOR", cursor))
    assert [note(n)["id"] for n in first + rest] == list(reversed(ids))
    assert cursor2 == "0"
    found = [note(n) for n in meta.execute_command(
        "NOTE.SEARCH", "note-emb", *values([2, 0, 0, 0]), "K", 3, "FILTER", '.type == "character" and not ("spoiler" in .tags)')]
    assert [n["id"] for n in found] == [ids[1], ids[0]]

    # A TTL cache in front of a slow call.
    assert meta.execute_command("CACHE.CREATE", "summaries", "TTL", 400, "MAXENTRIES", 100, "MEMORY")
    calls = []

    def slow_summary(cid):
        cached = meta.execute_command("CACHE.GET", "summaries", cid)
        if cached is not None:
            return text(cached)
        time.sleep(0.1)
        calls.append(cid)
        value = "summary of " + cid
        meta.execute_command("CACHE.SET", "summaries", cid, value)
        return value

    assert slow_summary("frodo") == "summary of frodo"
    started = time.time()
    assert slow_summary("frodo") == "summary of frodo"
    assert time.time() - started < 0.1
    assert calls == ["frodo"]
    time.sleep(0.5)  # past the table's TTL
    assert slow_summary("frodo") == "summary of frodo"
    assert calls == ["frodo", "frodo"]
    stats = fields(meta.execute_command("CACHE.STATS", "summaries"))
    assert (stats["hits"], stats["misses"], stats["expirations"]) == (1, 2, 1)
    assert float(stats["hit_ratio"]) == pytest.approx(1 / 3)


def test_entity_commands(meta):
    populate(meta)
    e = entity(meta.execute_command("ENTITY.GET", "character", "gimli"))
    assert e["type"] == "character" and e["id"] == "gimli" and e["attributes"]["species"] == "dwarf"
    assert e["created"] == e["updated"] > 1_600_000_000_000
    assert meta.execute_command("ENTITY.GET", "character", "sauron") is None
    types = fields(meta.execute_command("ENTITY.TYPES"))
    assert [text(a) for a in types["character"]] == ["age", "species", "status"]
    # Redefining re-indexes: listing by a newly indexed attribute works at once.
    assert meta.execute_command("ENTITY.DEFINE", "character", "INDEX", "name")
    _, elements = page(meta.execute_command("ENTITY.LIST", "character", "FILTER", '.name == "Gimli"'))
    assert [entity(x)["id"] for x in elements] == ["gimli"]
    assert meta.execute_command("ENTITY.UPSERT", "character", "gimli", '{"name":"Gimli","species":"dwarf","age":140}')
    e2 = entity(meta.execute_command("ENTITY.GET", "character", "gimli"))
    assert e2["created"] == e["created"] and e2["updated"] >= e["updated"] and e2["attributes"]["age"] == 140
    # An upsert without EMBEDDING keeps the vector, which takes the new attributes.
    hits = [entity(h) for h in meta.execute_command(
        "ENTITY.SEARCH", "character-emb", *values([0, 0, 0, 1]), "K", 1, "FILTER", ".age == 140")]
    assert [h["id"] for h in hits] == ["gimli"]
    assert meta.execute_command("ENTITY.DEL", "character", "gimli", "legolas", "nobody") == 2
    assert meta.execute_command("ENTITY.GET", "character", "gimli") is None
    assert fields(meta.execute_command("COLLECTION.INFO", "character-emb"))["count"] == len(CHARACTERS) - 2
    hits = [entity(h) for h in meta.execute_command("ENTITY.SEARCH", "character-emb", *values([0, 0, 0, 1]), "K", 10)]
    assert "gimli" not in [h["id"] for h in hits] and len(hits) == len(CHARACTERS) - 2
    # TYPE keeps one type's entities in a collection shared by several.
    assert meta.execute_command("ENTITY.DEFINE", "place")
    meta.execute_command("ENTITY.UPSERT", "place", "shire", '{"name":"The Shire"}', "EMBEDDING", "character-emb", *values([1, 0, 0, 0]))
    hits = [entity(h) for h in meta.execute_command("ENTITY.SEARCH", "character-emb", *values([1, 0, 0, 0]), "K", 2, "TYPE", "place")]
    assert [(h["type"], h["id"]) for h in hits] == [("place", "shire")]
    mixed = [fields(h) for h in meta.execute_command("COLLECTION.SEARCH", "character-emb", *values([1, 0, 0, 0]), "K", 2)]
    assert sorted((text(h["kind"]), text(h["type"]), text(h["id"])) for h in mixed) == [
        ("entity", "character", "frodo"), ("entity", "place", "shire")]


def test_note_commands(meta):
    populate(meta)
    nid = text(meta.execute_command("NOTE.ADD", "character", "sam", "Po-tay-toes", "TAGS", 1, "food"))
    n = note(meta.execute_command("NOTE.GET", nid))
    assert (n["type"], n["entity"], n["body"], n["tags"]) == ("character", "sam", "Po-tay-toes", ["food"])
    assert n["collection"] is None and n["created"] == n["updated"]
    assert meta.execute_command("NOTE.EDIT", nid, "TAGS", 2, "food", "quote")
    n2 = note(meta.execute_command("NOTE.GET", nid))
    assert (n2["body"], n2["tags"]) == ("Po-tay-toes", ["food", "quote"]) and n2["updated"] >= n["updated"]
    assert meta.execute_command("NOTE.EDIT", nid, "BODY", "Boil 'em, mash 'em")
    assert note(meta.execute_command("NOTE.GET", nid))["body"] == "Boil 'em, mash 'em"
    assert meta.execute_command("NOTE.DEL", nid, "missing") == 1
    assert meta.execute_command("NOTE.GET", nid) is None
    cursor, elements = page(meta.execute_command("NOTE.LIST", "character", "sam"))
    assert (cursor, elements) == ("0", [])


def test_cache_commands(meta):
    assert meta.execute_command("CACHE.CREATE", "api", "TTL", 60000, "MAXENTRIES", 3, "MAXBYTES", 1000, "PERSISTENT")
    assert meta.execute_command("CACHE.CREATE", "scratch", "MEMORY")
    assert sorted(text(n) for n in meta.execute_command("CACHE.LIST")) == ["api", "scratch"]
    assert meta.execute_command("CACHE.SET", "api", "k1", b"\x00binary\xff")
    assert meta.execute_command("CACHE.GET", "api", "k1") == b"\x00binary\xff"
    assert 59 <= meta.execute_command("CACHE.TTL", "api", "k1") <= 60
    assert meta.execute_command("CACHE.SET", "api", "k2", "v", "PX", 150)
    assert 0 < meta.execute_command("CACHE.PTTL", "api", "k2") <= 150
    assert meta.execute_command("CACHE.SET", "scratch", "forever", "v")
    assert meta.execute_command("CACHE.TTL", "scratch", "forever") == -1
    assert meta.execute_command("CACHE.TTL", "scratch", "nothing") == -2
    time.sleep(0.2)
    assert meta.execute_command("CACHE.GET", "api", "k2") is None  # expired: never returned
    for i in range(5):  # MAXENTRIES 3: SIEVE evicts
        meta.execute_command("CACHE.SET", "api", "e%d" % i, "x")
    stats = fields(meta.execute_command("CACHE.STATS", "api"))
    assert stats["entries"] <= 3 and stats["evictions"] >= 2
    assert (stats["max_entries"], stats["max_bytes"], stats["ttl"]) == (3, 1000, 60000)
    assert stats["persistent"] in (1, True)
    assert len(meta.execute_command("CACHE.KEYS", "api")) == stats["entries"]
    assert meta.execute_command("CACHE.DEL", "api", "e4", "e3", "nope") == 2
    assert meta.execute_command("CACHE.FLUSH", "api")
    assert meta.execute_command("CACHE.KEYS", "api") == []
    assert meta.execute_command("CACHE.DROP", "scratch")
    assert [text(n) for n in meta.execute_command("CACHE.LIST")] == ["api"]


def test_collection_commands(meta):
    assert meta.execute_command("COLLECTION.CREATE", "a", "DIM", 8, "METRIC", "ip", "QUANT", "i8", "M", 8, "EF", 50)
    assert meta.execute_command("COLLECTION.CREATE", "b", "DIM", 64, "METRIC", "l2", "QUANT", "bin")
    assert sorted(text(n) for n in meta.execute_command("COLLECTION.LIST")) == ["a", "b"]
    info = {k: text(v) for k, v in fields(meta.execute_command("COLLECTION.INFO", "a")).items()}
    assert info == {"name": "a", "dim": 8, "metric": "ip", "quant": "i8", "m": 8, "ef": 50, "count": 0, "segments": 0,
                    "segment_bytes": 0}
    assert text(fields(meta.execute_command("COLLECTION.INFO", "b"))["quant"]) == "bin"
    assert meta.execute_command("COLLECTION.SEARCH", "a", *values([1] * 8)) == []
    assert meta.execute_command("COLLECTION.DROP", "b")
    assert [text(n) for n in meta.execute_command("COLLECTION.LIST")] == ["a"]


def test_restart_keeps_everything_persistent(server):
    c = connect(server, 2)
    populate(c)
    nid = text(c.execute_command("NOTE.ADD", "character", "frodo", "persisted", "TAGS", 1, "x"))
    c.execute_command("CACHE.CREATE", "durable", "TTL", 600000)
    c.execute_command("CACHE.SET", "durable", "k", "v")
    c.execute_command("CACHE.CREATE", "volatile", "MEMORY")
    c.execute_command("CACHE.SET", "volatile", "k", "v")
    c.execute_command("SELECT", 5)
    c.execute_command("ENTITY.DEFINE", "character")
    c.execute_command("ENTITY.UPSERT", "character", "other", '{"db":5}')
    c.close()

    server.restart()
    c = connect(server, 2)
    assert [text(a) for a in fields(c.execute_command("ENTITY.TYPES"))["character"]] == ["age", "species", "status"]
    _, elements = page(c.execute_command("ENTITY.LIST", "character", "FILTER", '.species == "maia"'))
    assert sorted(entity(e)["id"] for e in elements) == ["gandalf", "saruman"]
    assert dict(pairs(c.execute_command("ENTITY.COUNT", "character", "BY", "status")))['"alive"'] == 4
    hits = [entity(h)["id"] for h in c.execute_command("ENTITY.SEARCH", "character-emb", *values([0, 0, 1, 0]), "K", 1)]
    assert hits == ["legolas"]
    assert note(c.execute_command("NOTE.GET", nid))["body"] == "persisted"
    assert c.execute_command("CACHE.GET", "durable", "k") == b"v"
    assert 590 <= c.execute_command("CACHE.TTL", "durable", "k") <= 600
    assert [text(n) for n in c.execute_command("CACHE.LIST")] == ["durable"]  # memory-only tables do not survive
    assert c.execute_command("ENTITY.GET", "character", "other") is None
    c.execute_command("SELECT", 5)
    assert entity(c.execute_command("ENTITY.GET", "character", "other"))["attributes"] == {"db": 5}
    c.close()


def test_select_isolation(server):
    one = connect(server, 2, db=1)
    two = connect(server, 2, db=2)
    one.execute_command("ENTITY.DEFINE", "character", "INDEX", "species")
    one.execute_command("COLLECTION.CREATE", "emb", "DIM", 2, "METRIC", "cosine")
    one.execute_command("ENTITY.UPSERT", "character", "frodo", '{"species":"hobbit"}', "EMBEDDING", "emb", *values([1, 0]))
    nid = text(one.execute_command("NOTE.ADD", "character", "frodo", "secret"))
    one.execute_command("CACHE.CREATE", "api")
    one.execute_command("CACHE.SET", "api", "k", "v")

    with pytest.raises(redis.ResponseError, match="unknown entity type 'character'"):
        two.execute_command("ENTITY.GET", "character", "frodo")
    with pytest.raises(redis.ResponseError, match="no such collection 'emb'"):
        two.execute_command("ENTITY.SEARCH", "emb", *values([1, 0]))
    with pytest.raises(redis.ResponseError, match="no such cache 'api'"):
        two.execute_command("CACHE.GET", "api", "k")
    assert two.execute_command("NOTE.GET", nid) is None
    assert two.execute_command("ENTITY.TYPES") in ([], {})
    assert two.execute_command("COLLECTION.LIST") == [] and two.execute_command("CACHE.LIST") == []

    # The same names in db 2 are separate: one tenant never finds the other's in a search.
    two.execute_command("ENTITY.DEFINE", "character", "INDEX", "species")
    two.execute_command("COLLECTION.CREATE", "emb", "DIM", 2, "METRIC", "cosine")
    two.execute_command("ENTITY.UPSERT", "character", "mallory", '{"species":"hobbit"}', "EMBEDDING", "emb", *values([1, 0]))
    assert [entity(h)["id"] for h in two.execute_command("ENTITY.SEARCH", "emb", *values([1, 0]), "K", 10)] == ["mallory"]
    assert [entity(h)["id"] for h in one.execute_command("ENTITY.SEARCH", "emb", *values([1, 0]), "K", 10)] == ["frodo"]
    assert dict(pairs(two.execute_command("ENTITY.COUNT", "character", "BY", "species"))) == {'"hobbit"': 1}
    cursor, _ = page(one.execute_command("ENTITY.LIST", "character", "LIMIT", 1))
    one.execute_command("ENTITY.UPSERT", "character", "sam", '{"species":"hobbit"}')
    cursor, _ = page(one.execute_command("ENTITY.LIST", "character", "LIMIT", 1))
    # A cursor names a position within the listing's own type: db 1's resumes db 2's among db 2's.
    _, elements = page(two.execute_command("ENTITY.LIST", "character", "CURSOR", cursor))
    assert [entity(e)["id"] for e in elements] == ["mallory"]
    assert b"db1" not in bytes.fromhex(cursor[1:])
    one.close()
    two.close()


@pytest.mark.parametrize("command, message", [
    (["ENTITY.GET", "nobody", "1"], "unknown entity type 'nobody'"),
    (["ENTITY.UPSERT", "character", "x", "{not json"], "invalid JSON"),
    (["ENTITY.UPSERT", "character", "x", '"a string"'], "entity attributes must be a JSON object"),
    (["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "character-emb", "VALUES", 2, 1, 1],
     "Vector dimension mismatch - got 2 but collection 'character-emb' has 4"),
    (["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "nope", "VALUES", 1, 1], "no such collection 'nope'"),
    (["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "character-emb", "VALUES", 4, 1, 1, 1, "nan"],
     "invalid vector specification"),
    (["ENTITY.LIST", "character", "FILTER", ".age >"], "syntax error in FILTER expression near: .age >"),
    (["ENTITY.COUNT", "character", "BY", "species", "FILTER", ".a @ 1"], "syntax error in FILTER expression near: @ 1"),
    (["ENTITY.LIST", "character", "CURSOR", "szz"], "invalid cursor"),
    (["NOTE.LIST", "character", "frodo", "CURSOR", "ff"], "invalid cursor"),
    (["ENTITY.LIST", "character", "LIMIT", "lots"], "LIMIT must be an integer in 1...10000"),
    (["ENTITY.SEARCH", "character-emb", "VALUES", 4, 1, 0, 0, 0, "K", 0], "K must be an integer in 1...10000"),
    (["ENTITY.SEARCH", "character-emb", "VALUES", 4, 1, 0, 0, 0, "WITHSCORES"], "syntax error"),
    (["ENTITY.DEL", "character"], "wrong number of arguments for 'ENTITY.DEL' command"),
    (["NOTE.EDIT", "nope", "BODY", "x"], "no such note 'nope'"),
    (["NOTE.ADD", "character", "nobody", "x"], "no such entity 'character' 'nobody'"),
    (["CACHE.SET", "nope", "k", "v"], "no such cache 'nope'"),
    (["CACHE.SET", "api", "k", "v", "EX", -1], "invalid expire time in 'cache.set' command"),
    (["CACHE.CREATE", "api", "TTL", 1], "cache 'api' exists with another configuration"),
    (["COLLECTION.CREATE", "character-emb", "DIM", 4, "METRIC", "cosine"], "collection 'character-emb' already exists"),
    (["COLLECTION.CREATE", "c", "DIM", 4, "METRIC", "manhattan"], "METRIC must be cosine, l2 or ip"),
    (["COLLECTION.INFO", "nope"], "no such collection 'nope'"),
])
def test_bad_input_is_an_error_and_keeps_the_connection(server, command, message):
    c = connect(server, 2)
    populate(c)
    c.execute_command("CACHE.CREATE", "api")
    with pytest.raises(redis.ResponseError) as raised:
        c.execute_command(*command)
    assert message in str(raised.value)
    assert c.ping() is True
    assert c.execute_command("ENTITY.GET", "character", "x") is None


def test_redis_cli(server):
    assert server.cli("ENTITY.DEFINE", "character", "INDEX", "species").strip() == "OK"
    assert server.cli("ENTITY.UPSERT", "character", "1", '{"species":"elf"}').strip() == "OK"
    out = server.cli("ENTITY.GET", "character", "1").split("\n")
    assert out[:6] == ["type", "character", "id", "1", "attributes", '{"species":"elf"}']
    assert server.cli("ENTITY.COUNT", "character", "BY", "species").split("\n")[:2] == ['"elf"', "1"]
    assert "ERR syntax error in FILTER expression near: ==" in server.cli("ENTITY.LIST", "character", "FILTER", "==")
    assert server.cli("PING").strip() == "PONG"


def test_collection_drop_refuses_embeddings_entities_own(meta):
    meta.execute_command("ENTITY.DEFINE", "t")
    meta.execute_command("COLLECTION.CREATE", "c", "DIM", 2, "METRIC", "l2")
    meta.execute_command("ENTITY.UPSERT", "t", "1", "{}", "EMBEDDING", "c", *values([1, 1]))
    nid = text(meta.execute_command("NOTE.ADD", "t", "1", "n", "EMBEDDING", "c", *values([1, 0])))
    with pytest.raises(redis.ResponseError, match="collection 'c' still holds 2 embeddings"):
        meta.execute_command("COLLECTION.DROP", "c")
    assert meta.execute_command("NOTE.DEL", nid) == 1
    assert meta.execute_command("ENTITY.DEL", "t", "1") == 1
    assert meta.execute_command("COLLECTION.DROP", "c")
    # Errors name things as the client does, never with the namespace prefix.
    meta.execute_command("SELECT", 7)
    with pytest.raises(redis.ResponseError) as raised:
        meta.execute_command("ENTITY.SEARCH", "c", *values([1, 1]))
    assert "db7" not in str(raised.value) and "no such collection 'c'" in str(raised.value)
