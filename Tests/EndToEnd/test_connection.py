"""Connection basics: the commands every client sends first."""


def test_ping_echo_select(client):
    assert client.ping() is True
    assert client.echo("hi") == b"hi"
    assert client.execute_command("SELECT", 3) in (True, b"OK", "OK")


def test_unknown_commands_and_bad_arity_keep_the_connection(server):
    out = server.cli("NOSUCH", "a")
    assert "unknown command 'NOSUCH'" in out
    assert "wrong number of arguments for 'get' command" in server.cli("GET")
    assert server.cli("PING").strip() == "PONG"


def test_ping_in_resp3_and_select_out_of_range(server):
    c = server.client(protocol=3)
    assert c.ping() is True
    assert server.cli("-3", "PING", "hi").strip() == "hi"
    import pytest
    import redis
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        c.execute_command("SELECT", 16)
    c.close()


def test_hello_3_replies_the_server_map(server):
    c = server.client(protocol=3)
    reply = c.execute_command("HELLO", 3)
    assert reply[b"server"] == b"redis"
    assert reply[b"version"] == b"8.8.0"
    assert reply[b"proto"] == 3
    assert reply[b"mode"] == b"standalone"
    assert reply[b"role"] == b"master"
    assert reply[b"modules"] == []
    assert isinstance(reply[b"id"], int)
    # The connection now speaks RESP3: a map comes back as a dict without a callback.
    assert c.execute_command("CONFIG", "GET", "save") == {b"save": b""}
    c.close()


def test_hello_errors(server):
    out = server.cli("HELLO", "4")
    assert "NOPROTO unsupported protocol version" in out
    assert "Syntax error in HELLO option 'FOO'" in server.cli("HELLO", "3", "FOO")


def test_auth_with_requirepass(make_server):
    import pytest
    import redis
    server = make_server("--durability", "none", "--requirepass", "s3cret")
    anonymous = server.client()
    with pytest.raises(redis.AuthenticationError):
        anonymous.get("k")
    with pytest.raises(redis.AuthenticationError):
        server.client(password="wrong").ping()
    for protocol in (2, 3):
        c = server.client(protocol=protocol, password="s3cret")
        assert c.ping() is True
        assert c.set("k", "v") is True
        assert c.acl_whoami() in ("default", b"default")
        c.close()
    c = server.client(username="default", password="s3cret")
    assert c.get("k") == b"v"
    c.close()
    assert "NOAUTH" in server.cli("GET", "k")
    assert server.cli("-a", "s3cret", "--no-auth-warning", "GET", "k").strip() == "v"
    out = server.cli("--no-auth-warning", "-3", "-a", "s3cret", "HELLO", "3")
    assert "proto" in out


def test_authenticated_clients_send_large_commands(make_server):
    """Redis's pre-authentication caps (10 arguments, 16 KiB bulks) end with AUTH."""
    import pytest
    import redis
    server = make_server("--durability", "none", "--requirepass", "s3cret")
    for protocol in (2, 3):
        c = server.client(protocol=protocol, password="s3cret")
        assert c.mset({"k%d" % i: i for i in range(20)}) is True
        assert c.set("big", "x" * 100_000) is True
        values = [str(i / 10) for i in range(16)]
        assert c.execute_command("VADD", "vs", "VALUES", 16, *values, "e%d" % protocol) == 1
        assert c.execute_command("RESET") in (b"RESET", "RESET")
        with pytest.raises(redis.ResponseError, match="unauthenticated multibulk length"):
            c.execute_command("MSET", *["a"] * 12)  # the caps are back until AUTH
        c.close()


def test_auth_without_password(server):
    out = server.cli("AUTH", "x")
    assert "AUTH <password> called without any password configured for the default user" in out
    assert server.cli("AUTH", "default", "anything").strip() == "OK"


def test_reset(client):
    client.execute_command("SELECT", 2)
    client.client_setname("n")
    assert client.execute_command("RESET") in (b"RESET", "RESET")
    info = client.client_info()
    assert str(info["resp"]) == "2"
    assert int(info["db"]) == 0
    assert info["name"] == ""


def test_quit_closes(server):
    assert server.cli("QUIT").strip() == "OK"
