"""Server and connection commands with real clients: CLIENT, COMMAND, INFO, CONFIG, DEBUG,
SHUTDOWN, TIME (docs/protocol.md, "Server and connection commands")."""
import pytest
import redis


def test_client_names_ids_and_lists(client, server):
    assert client.client_setname("worker-1") is True
    assert client.client_getname() in ("worker-1", b"worker-1")
    with pytest.raises(redis.ResponseError, match="cannot contain spaces"):
        client.client_setname("a b")
    cid = client.client_id()
    assert isinstance(cid, int) and cid > 0
    info = client.client_info()
    assert int(info["id"]) == cid
    assert info["name"] == "worker-1"
    assert info["lib-name"] == "redis-py"
    assert info["cmd"] == "client|info"
    assert info["flags"] == "N"
    other = server.client()
    other.ping()
    listed = client.client_list()
    assert len(listed) == 2
    assert {int(c["id"]) for c in listed} >= {cid}
    for entry in listed:
        for field in ("addr", "laddr", "fd", "age", "idle", "db", "sub", "psub", "cmd", "user", "resp"):
            assert field in entry
    other_id = other.client_id()
    assert client.client_kill_filter(_id=other_id) == 1
    assert other_id not in {int(c["id"]) for c in client.client_list()}
    other.close()
    assert client.execute_command("CLIENT", "NO-EVICT", "ON") in (True, b"OK", "OK")
    assert client.client_no_touch("ON") in (True, b"OK", "OK")
    assert client.client_reply("ON") in (True, b"OK", "OK")


def test_client_list_line_format(server):
    line = server.cli("CLIENT", "LIST").strip()
    keys = [field.split("=", 1)[0] for field in line.split(" ")]
    assert keys[:12] == ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub"]
    assert "cmd=client|list" in line
    assert keys[-5:] == ["redir", "resp", "lib-name", "lib-ver", "io-thread"]


def test_command_introspection(client):
    count = client.command_count()
    assert count > 90
    info = client.execute_command("COMMAND INFO", "get", "nosuch")
    assert info[0][0] == b"get"
    assert info[0][1] == 2
    assert info[1] is None
    docs = client.execute_command("COMMAND DOCS", "get")
    if isinstance(docs, list):  # RESP2: name, then the flat pairs
        docs = {docs[0]: dict(zip(docs[1][0::2], docs[1][1::2]))}
    assert docs[b"get"][b"summary"] == b"Returns the string value of a key."
    assert docs[b"get"][b"group"] == b"string"
    listed = client.command_list()
    assert b"client|setname" in listed or "client|setname" in listed
    assert client.command_getkeys("MSET", "a", "1", "b", "2") in ([b"a", b"b"], ["a", "b"])
    # redis-py's command() parses every entry.
    table = client.command()
    assert "get" in table and table["get"]["arity"] == 2


def test_info_sections_parse(client):
    client.set("a", "1")
    client.set("b", "2", ex=100)
    client.get("a")
    info = client.info()
    assert info["redis_version"] == "8.8.0"
    assert info["quiver_version"]
    assert info["process_id"] > 0
    assert info["connected_clients"] >= 1
    assert info["used_memory"] > 0
    # quiverd links jemalloc (as Redis does) and reports the version jemalloc itself gives.
    assert str(info["mem_allocator"]).startswith("jemalloc-5.")
    assert info["loading"] == 0
    assert info["db0"] == {"keys": 2, "expires": 1, "avg_ttl": 0}
    assert "cmdstat_get" not in info
    stats = client.info("commandstats")
    assert stats["cmdstat_get"]["calls"] >= 1
    assert "usec_per_call" in stats["cmdstat_get"]
    everything = client.info("everything")
    assert "cmdstat_set" in everything and "redis_version" in everything
    assert set(client.info("clients", "memory")) >= {"connected_clients", "used_memory", "maxmemory"}
    assert client.info("keyspace")["db0"]["keys"] == 2


def test_info_with_redis_cli(server):
    out = server.cli("INFO", "server")
    assert out.startswith("# Server")
    assert "redis_version:8.8.0" in out
    assert "tcp_port:%d" % server.port in out
    out3 = server.cli("-3", "INFO", "keyspace")
    assert out3.startswith("# Keyspace")


def test_config_get_set_roundtrip(client):
    assert client.config_get("save") == {"save": ""}
    assert client.config_get("appendonly") == {"appendonly": "no"}
    assert client.config_set("maxclients", 123) is True
    assert client.config_get("maxclients") == {"maxclients": "123"}
    assert client.config_set("maxmemory", "1mb") is True
    assert client.config_get("maxmemory") == {"maxmemory": "1048576"}
    client.config_set("maxmemory", 0)
    got = client.config_get("max*")
    assert set(got) == {"maxclients", "maxmemory", "maxmemory-policy"}
    with pytest.raises(redis.ResponseError, match="Unknown option or number of arguments for CONFIG SET - 'nosuch'"):
        client.config_set("nosuch", 1)
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        client.config_set("port", 1)
    assert client.config_resetstat() is True


def test_config_requirepass_applies_to_new_connections(server):
    c = server.client()
    assert c.config_set("requirepass", "pw") is True
    assert c.ping() is True
    with pytest.raises(redis.AuthenticationError):
        server.client().ping()
    assert server.client(password="pw").ping() is True
    assert c.config_set("requirepass", "") is True
    assert server.client().ping() is True


def test_time(client):
    seconds, micros = client.time()
    assert seconds > 1_600_000_000
    assert 0 <= micros < 1_000_000


def test_debug_is_refused_without_the_flag(client):
    with pytest.raises(redis.ResponseError, match="DEBUG command not allowed"):
        client.execute_command("DEBUG", "SLEEP", "0")


def test_debug_with_the_flag(make_server):
    try:
        server = make_server("--durability", "none", "--enable-debug-command")
    except RuntimeError:
        pytest.skip("this quiverd has no --enable-debug-command option (the operations branch adds it)")
    c = server.client()
    assert c.execute_command("DEBUG", "SLEEP", "0") in (True, b"OK")
    c.set("k", "v")
    digest = c.execute_command("DEBUG", "DIGEST-VALUE", "k", "missing")
    assert len(digest) == 2 and digest[1] in (b"0" * 40, "0" * 40)
    assert c.execute_command("DEBUG", "RELOAD") in (True, b"OK")
    assert c.get("k") == b"v"
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "k") == digest[:1]


def test_shutdown_exits_zero_and_keeps_the_data(make_server):
    server = make_server("--durability", "none")
    c = server.client()
    c.set("kept", "yes")
    c.execute_command("VADD", "vs", "VALUES", "3", "1", "0", "0", "a")
    with pytest.raises(redis.ResponseError, match="No shutdown in progress"):
        c.shutdown(abort=True)
    c.shutdown()  # redis-py raises unless the connection closes without a reply
    assert server.process.wait(timeout=30) == 0
    server.start()
    c = server.client()
    assert c.get("kept") == b"yes"
    assert c.execute_command("VCARD", "vs") == 1


def test_shutdown_with_redis_cli(make_server):
    server = make_server("--durability", "none")
    server.cli("SET", "k", "v")
    server.cli("SHUTDOWN", "NOSAVE")
    assert server.process.wait(timeout=30) == 0
    server.start()
    assert server.cli("GET", "k").strip() == "v"
