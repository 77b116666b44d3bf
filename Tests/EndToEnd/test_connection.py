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
