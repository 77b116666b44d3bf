"""VSIM runs on the search threads (`search-threads`; the default is 0 on one or two cores), as
Redis runs it on a thread unless NOTHREAD: replies keep the commands' order, a client's long
pipeline of searches does not hold up other clients, `search-threads 0` searches on the event
loop, and a stop waits for the searches in flight."""
import random
import signal
import struct
import time


def fill(client, key, count, dim, seed=7):
    rng = random.Random(seed)
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        blob = struct.pack(f"<{dim}f", *[rng.random() for _ in range(dim)])
        pipe.execute_command("VADD", key, "FP32", blob, f"e{i}")
        if i % 500 == 499:
            pipe.execute()
            pipe = client.pipeline(transaction=False)
    pipe.execute()


def pipeline_with_searches(client):
    client.execute_command("VADD", "s", "VALUES", 2, 1, 0, "a")
    client.execute_command("VADD", "s", "VALUES", 2, 0, 1, "b")
    pipe = client.pipeline(transaction=False)
    pipe.ping()
    pipe.execute_command("VSIM", "s", "VALUES", 2, 1, 0)
    pipe.set("k", "v")
    pipe.get("k")
    pipe.execute_command("VSIM", "s", "VALUES", 2, 0, 1, "COUNT", 1)
    pipe.execute_command("VSIM", "s", "ELE", "a", "NOTHREAD")
    pipe.execute_command("VSIM", "missing", "VALUES", 2, 1, 0)
    pipe.execute_command("VSIM", "s", "VALUES", 3, 1, 0, 0)
    pipe.echo("end")
    return pipe.execute(raise_on_error=False)


def check_pipeline(replies):
    assert replies[:7] == [True, [b"a", b"b"], True, b"v", [b"b"], [b"a", b"b"], []]
    assert "dimension mismatch" in str(replies[7])
    assert replies[8] == b"end"


def threaded(make_server, *extra):
    return make_server("--durability", "none", "--search-threads", "2", *extra)


def test_pipelined_replies_keep_their_order(make_server):
    server = threaded(make_server)
    check_pipeline(pipeline_with_searches(server.client()))
    assert server.client().config_get("search-threads") == {"search-threads": "2"}


def test_search_threads_zero_searches_on_the_event_loop(make_server):
    server = make_server("--durability", "none", "--search-threads", "0")
    check_pipeline(pipeline_with_searches(server.client()))
    assert server.client().config_get("search-threads") == {"search-threads": "0"}


def test_a_pipeline_of_searches_does_not_hold_up_other_clients(make_server):
    server = threaded(make_server)
    c = server.client()
    fill(c, "big", 4000, 128)
    started = time.time()
    for _ in range(5):
        c.execute_command("VSIM", "big", "ELE", "e0", "TRUTH", "COUNT", 10)
    one = (time.time() - started) / 5
    count = min(5000, max(50, int(2.0 / max(one, 1e-4))))  # about two seconds of searching

    searcher = server.client()
    connection = searcher.connection_pool.get_connection()
    connection.send_packed_command(
        connection.pack_commands([("VSIM", "big", "ELE", "e0", "TRUTH", "COUNT", 10)] * count))
    time.sleep(0.05)
    other = server.client()
    assert other.ping()
    pinged = time.time()
    for _ in range(count):
        assert len(connection.read_response()) == 10
    finished = time.time()
    searcher.connection_pool.release(connection)
    # The other client's PING was answered while most of the searches were still to run.
    assert finished - pinged > (finished - started) / 4, (pinged - started, finished - started)


def test_a_stop_waits_for_searches_in_flight(make_server):
    server = make_server("--durability", "always", "--search-threads", "2")
    c = server.client()
    fill(c, "big", 3000, 64)
    connection = c.connection_pool.get_connection()
    connection.send_packed_command(
        connection.pack_commands([("VSIM", "big", "ELE", "e1", "TRUTH")] * 500))
    time.sleep(0.1)
    assert server.stop(sig=signal.SIGTERM) == 0
    server.start()
    assert server.client().execute_command("VCARD", "big") == 3000
