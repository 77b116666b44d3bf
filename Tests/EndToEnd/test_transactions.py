"""MULTI/EXEC/DISCARD/WATCH/UNWATCH with the metadata commands: one atomic write batch per EXEC,
reads inside it that see its own writes, per-command errors, EXECABORT, optimistic locking, and
all-or-nothing after a crash."""
import signal
import threading

import pytest
import redis

from metadata_helpers import connect, entity, fields, note, page, text, values


def setup_world(c):
    c.execute_command("ENTITY.DEFINE", "character", "INDEX", "species")
    c.execute_command("COLLECTION.CREATE", "emb", "DIM", 2, "METRIC", "l2")
    c.execute_command("CACHE.CREATE", "api")


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def tx(server, request):
    c = connect(server, request.param, single_connection_client=True)
    setup_world(c)
    yield c
    c.close()


def test_pipeline_transaction_reads_its_own_writes(tx, server):
    pipe = tx.pipeline(transaction=True)
    pipe.execute_command("CACHE.SET", "api", "a", "1")
    pipe.execute_command("CACHE.GET", "api", "a")
    pipe.execute_command("ENTITY.UPSERT", "character", "frodo", '{"species":"hobbit"}', "EMBEDDING", "emb", *values([1, 0]))
    pipe.execute_command("ENTITY.GET", "character", "frodo")
    pipe.execute_command("NOTE.ADD", "character", "frodo", "in the same batch")
    pipe.execute_command("CACHE.PTTL", "api", "a")
    results = pipe.execute()
    assert text(results[0]) == "OK" and results[1] == b"1" and text(results[2]) == "OK"
    assert entity(results[3])["attributes"] == {"species": "hobbit"}
    assert note(tx.execute_command("NOTE.GET", text(results[4])))["body"] == "in the same batch"
    assert results[5] == -1
    other = connect(server, 2)
    assert entity(other.execute_command("ENTITY.GET", "character", "frodo"))["id"] == "frodo"
    assert fields(other.execute_command("COLLECTION.INFO", "emb"))["count"] == 1
    other.close()


def test_queued_until_exec_and_discard(tx, server):
    other = connect(server, 2)
    assert text(tx.execute_command("MULTI")) == "OK"
    assert text(tx.execute_command("ENTITY.UPSERT", "character", "sam", "{}")) == "QUEUED"
    assert text(tx.execute_command("CACHE.SET", "api", "k", "v")) == "QUEUED"
    assert other.execute_command("ENTITY.GET", "character", "sam") is None
    assert text(tx.execute_command("DISCARD")) == "OK"
    assert tx.execute_command("ENTITY.GET", "character", "sam") is None
    assert tx.execute_command("CACHE.GET", "api", "k") is None
    with pytest.raises(redis.ResponseError, match="DISCARD without MULTI"):
        tx.execute_command("DISCARD")
    with pytest.raises(redis.ResponseError, match="EXEC without MULTI"):
        tx.execute_command("EXEC")
    other.close()


def test_nested_multi_and_execabort(tx):
    tx.execute_command("MULTI")
    with pytest.raises(redis.ResponseError, match="MULTI calls can not be nested"):
        tx.execute_command("MULTI")
    with pytest.raises(redis.ResponseError, match="WATCH inside MULTI is not allowed"):
        tx.execute_command("ENTITY.WATCH", "character", "x")
    assert text(tx.execute_command("CACHE.SET", "api", "k", "v")) == "QUEUED"
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'CACHE.SET' command"):
        tx.execute_command("CACHE.SET", "api")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        tx.execute_command("NOT.A.COMMAND")
    with pytest.raises(redis.exceptions.ExecAbortError, match="Transaction discarded because of previous errors."):
        tx.execute_command("EXEC")
    assert tx.execute_command("CACHE.GET", "api", "k") is None


def test_a_failing_command_leaves_nothing_half_done(tx):
    pipe = tx.pipeline(transaction=True)
    pipe.execute_command("CACHE.SET", "api", "before", "1")
    # Fails as a whole: its entity is not written without its embedding.
    pipe.execute_command("ENTITY.UPSERT", "character", "bad", "{}", "EMBEDDING", "emb", *values([1, 2, 3]))
    pipe.execute_command("NOTE.EDIT", "no-such-note", "BODY", "x")
    pipe.execute_command("COLLECTION.CREATE", "later", "DIM", 2, "METRIC", "l2")  # not part of a batch
    pipe.execute_command("CACHE.SET", "api", "after", "2")
    results = pipe.execute(raise_on_error=False)
    assert text(results[0]) == "OK" and text(results[4]) == "OK"
    assert "Vector dimension mismatch" in str(results[1])
    assert "no such note" in str(results[2])
    assert "cannot run inside MULTI" in str(results[3])
    assert tx.execute_command("ENTITY.GET", "character", "bad") is None
    assert tx.execute_command("CACHE.GET", "api", "before") == b"1"
    assert tx.execute_command("CACHE.GET", "api", "after") == b"2"
    assert tx.execute_command("COLLECTION.LIST") == [b"emb"]


def test_listings_inside_exec(tx):
    tx.execute_command("ENTITY.UPSERT", "character", "a", '{"species":"elf"}')
    pipe = tx.pipeline(transaction=True)
    pipe.execute_command("ENTITY.COUNT", "character", "BY", "species")  # before any write: the committed state
    pipe.execute_command("ENTITY.UPSERT", "character", "b", '{"species":"elf"}')
    pipe.execute_command("ENTITY.LIST", "character")  # would miss b: refused
    results = pipe.execute(raise_on_error=False)
    assert dict((text(k), v) for k, v in (results[0].items() if isinstance(results[0], dict) else
                                         zip(results[0][::2], results[0][1::2]))) == {'"elf"': 1}
    assert "cannot see the entity writes queued before it" in str(results[2])
    assert tx.execute_command("ENTITY.COUNT", "character") == 2


def test_watch_with_redis_py_pipeline(server):
    c = connect(server, 2)
    setup_world(c)
    c.execute_command("ENTITY.UPSERT", "character", "frodo", '{"ring":true}')
    other = connect(server, 2)
    with c.pipeline(transaction=True) as pipe:
        pipe.watch("unused-key")  # puts the pipeline in immediate mode
        pipe.execute_command("ENTITY.WATCH", "character", "frodo")
        current = entity(pipe.execute_command("ENTITY.GET", "character", "frodo"))
        assert current["attributes"] == {"ring": True}
        other.execute_command("ENTITY.UPSERT", "character", "frodo", '{"ring":false}')
        pipe.multi()
        pipe.execute_command("CACHE.SET", "api", "decision", "keep")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert c.execute_command("CACHE.GET", "api", "decision") is None
    c.close()
    other.close()


@pytest.mark.parametrize("watch, change", [
    (["CACHE.WATCH", "api", "k"], ["CACHE.SET", "api", "k", "changed"]),
    (["CACHE.WATCH", "api", "k"], ["CACHE.DEL", "api", "k"]),
    (["ENTITY.WATCH", "character", "e"], ["ENTITY.DEL", "character", "e"]),
    (["NOTE.WATCH", "{note}"], ["NOTE.EDIT", "{note}", "TAGS", 1, "t"]),
])
def test_watched_change_aborts_exec(server, watch, change):
    c = connect(server, 2, single_connection_client=True)
    setup_world(c)
    c.execute_command("CACHE.SET", "api", "k", "v")
    c.execute_command("ENTITY.UPSERT", "character", "e", "{}")
    nid = text(c.execute_command("NOTE.ADD", "character", "e", "n"))
    fill = lambda args: [nid if a == "{note}" else a for a in args]
    other = connect(server, 2)
    # Unchanged: EXEC runs.
    c.execute_command(*fill(watch))
    c.execute_command("MULTI")
    c.execute_command("CACHE.SET", "api", "x", "1")
    assert c.execute_command("EXEC") == [b"OK"]
    # Changed by another client: a null reply, nothing written.
    c.execute_command(*fill(watch))
    other.execute_command(*fill(change))
    c.execute_command("MULTI")
    c.execute_command("CACHE.SET", "api", "x", "2")
    assert c.execute_command("EXEC") is None
    assert c.execute_command("CACHE.GET", "api", "x") == b"1"
    # UNWATCH forgets.
    c.execute_command(*fill(watch))
    c.execute_command("UNWATCH")
    other.execute_command("CACHE.SET", "api", "k", "again")
    c.execute_command("MULTI")
    c.execute_command("CACHE.SET", "api", "x", "3")
    assert c.execute_command("EXEC") == [b"OK"]
    c.close()
    other.close()


def test_optimistic_counter_loses_no_update(server):
    c = connect(server, 2)
    setup_world(c)
    c.execute_command("CACHE.SET", "api", "counter", "0")
    threads, increments = 4, 25
    retries = []

    def worker():
        r = connect(server, 2, single_connection_client=True)
        done = 0
        while done < increments:
            r.execute_command("CACHE.WATCH", "api", "counter")
            value = int(r.execute_command("CACHE.GET", "api", "counter"))
            r.execute_command("MULTI")
            r.execute_command("CACHE.SET", "api", "counter", str(value + 1))
            if r.execute_command("EXEC") is None:
                retries.append(1)
            else:
                done += 1
        r.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert int(c.execute_command("CACHE.GET", "api", "counter")) == threads * increments
    c.close()


def test_readers_never_see_part_of_a_transaction(server):
    c = connect(server, 2, single_connection_client=True)
    setup_world(c)
    c.execute_command("ENTITY.UPSERT", "character", "a", '{"v":0}')
    c.execute_command("ENTITY.UPSERT", "character", "b", '{"v":0}')
    stop = threading.Event()
    torn = []

    def reader():
        r = connect(server, 2)
        while not stop.is_set():
            _, elements = page(r.execute_command("ENTITY.LIST", "character"))  # one snapshot
            vs = {entity(e)["id"]: entity(e)["attributes"]["v"] for e in elements}
            if vs["a"] != vs["b"]:
                torn.append(vs)
        r.close()

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(1, 101):
        pipe = c.pipeline(transaction=True)
        pipe.execute_command("ENTITY.UPSERT", "character", "a", '{"v":%d}' % i)
        pipe.execute_command("ENTITY.UPSERT", "character", "b", '{"v":%d}' % i)
        pipe.execute()
    stop.set()
    thread.join(timeout=60)
    assert torn == []
    c.close()


def test_all_or_nothing_after_a_crash(make_server):
    server = make_server("--durability", "always")
    c = connect(server, 2)
    setup_world(c)
    stop = threading.Event()
    committed = []

    def writer():
        w = connect(server, 2, single_connection_client=True)
        i = 0
        try:
            while not stop.is_set():
                pipe = w.pipeline(transaction=True)
                pipe.execute_command("ENTITY.UPSERT", "character", "t%d-a" % i, '{"i":%d}' % i, "EMBEDDING", "emb", *values([i, 1]))
                pipe.execute_command("ENTITY.UPSERT", "character", "t%d-b" % i, '{"i":%d}' % i)
                pipe.execute_command("CACHE.SET", "api", "t%d" % i, str(i))
                pipe.execute()
                committed.append(i)
                i += 1
        except (redis.ConnectionError, ConnectionResetError, OSError):
            pass

    thread = threading.Thread(target=writer)
    thread.start()
    while len(committed) < 20:
        threading.Event().wait(0.01)
    server.stop(signal.SIGKILL)
    stop.set()
    thread.join(timeout=30)
    server.start()
    c = connect(server, 2)
    last = max(committed)
    for i in range(last + 2):
        a = c.execute_command("ENTITY.GET", "character", "t%d-a" % i)
        b = c.execute_command("ENTITY.GET", "character", "t%d-b" % i)
        k = c.execute_command("CACHE.GET", "api", "t%d" % i)
        present = [a is not None, b is not None, k is not None]
        assert present in ([True] * 3, [False] * 3), (i, present)
        if i <= last:  # acknowledged with durability always: survives
            assert present == [True] * 3, i
    assert fields(c.execute_command("COLLECTION.INFO", "emb"))["count"] >= last + 1
    c.close()
