"""Pipelined writes are staged and group-committed (WriteBurst, BurstCommitter): replies keep
their order, later commands see earlier writes, and every acknowledged write survives kill -9."""
import signal
import threading


def test_a_pipeline_sees_its_own_writes_in_order(client):
    pipe = client.pipeline(transaction=False)
    pipe.set("a", "1").set("b", "2").get("a").set("a", "3").incr("b").get("a").set("c", "x").strlen("c")
    assert pipe.execute() == [True, True, b"1", True, 3, b"3", True, 1]


def test_acknowledged_pipelined_writes_survive_kill_9(make_server):
    server = make_server("--durability", "interval")
    acknowledged = {}
    lock = threading.Lock()

    def writer(worker):
        c = server.client()
        for batch in range(20):
            pipe = c.pipeline(transaction=False)
            keys = [f"w{worker}:{batch}:{i}" for i in range(50)]
            for key in keys:
                pipe.set(key, key.upper())
            assert pipe.execute() == [True] * len(keys)
            with lock:
                acknowledged.update({key: key.upper().encode() for key in keys})
        c.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acknowledged) == 4000
    server.stop(sig=signal.SIGKILL)
    server.start()
    c = server.client()
    keys = sorted(acknowledged)
    values = []
    for start in range(0, len(keys), 500):
        values += c.mget(keys[start:start + 500])
    assert values == [acknowledged[k] for k in keys]
    assert c.dbsize() == 4000
