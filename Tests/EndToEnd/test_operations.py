"""Running quiverd in production: config file, signals, metrics and health, default binding."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from conftest import BINARY, free_port


def write_config(directory, text):
    path = os.path.join(directory, "quiverd.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def raw_command(port, payload, timeout=2.0):
    """Sends raw bytes, returns what the server answers before closing or going quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if data.endswith(b"\r\n"):
                    break
        except socket.timeout:
            pass
        return data


def test_config_file_applies_and_the_command_line_overrides_it(make_server, tmp_path):
    config = write_config(str(tmp_path), (
        "# quiverd test configuration\n"
        "\n"
        "port 1\n"
        'requirepass "pass word"\n'
        "maxclients 2\n"
        "durability none\n"
        "maxmemory 64mb\n"
        "timeout 0\n"
        "protected-mode yes\n"
        "user reader on >secret +@read\n"
    ))
    server = make_server("--config", config)
    assert "NOAUTH" in raw_command(server.port, b"GET k\r\n").decode()
    # Two idle clients fill maxclients 2. The server unregisters a closed connection (the probe
    # above, or a refused client) a moment after the close, so a client may be refused while the
    # probe still counts: reconnect any client the server closed until a third one is refused.
    clients = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
    try:
        deadline = time.monotonic() + 10
        while True:
            time.sleep(0.1)
            for index, client in enumerate(clients):
                client.setblocking(False)
                try:
                    closed = client.recv(4096) is not None  # refused: the error, or EOF
                except BlockingIOError:
                    closed = False
                client.setblocking(True)
                if closed:
                    client.close()
                    clients[index] = socket.create_connection(("127.0.0.1", server.port))
            reply = raw_command(server.port, b"PING\r\n")
            if b"max number of clients reached" in reply or time.monotonic() > deadline:
                break
        assert b"max number of clients reached" in reply, open(server.log_path).read()[-3000:]
    finally:
        for client in clients:
            client.close()


def run_bad_config(tmp_path, text, *extra):
    config = write_config(str(tmp_path), text)
    result = subprocess.run(
        [BINARY, "--config", config, "--dir", str(tmp_path / "data"), "--port", str(free_port())] + list(extra),
        capture_output=True, text=True, timeout=30)
    return config, result


@pytest.mark.parametrize("text, line, words", [
    ("port 6379\n# fine\nmaxmemory lots\n", 3, "maxmemory"),
    ("nosuchkey 1\n", 1, "unknown key"),
    ("dir x\n\nbind \"127.0.0.1\n", 3, "unbalanced quotes"),
    ("protected-mode maybe\n", 1, "yes or no"),
    ("user bob on +@all\n", 1, "PASSWORD"),
])
def test_bad_config_names_file_and_line_and_exits_nonzero(tmp_path, text, line, words):
    config, result = run_bad_config(tmp_path, text)
    assert result.returncode == 1, result.stderr
    assert f"{config}:{line}:" in result.stderr
    assert words in result.stderr


def test_bad_option_value_is_an_error(tmp_path):
    result = subprocess.run([BINARY, "--dir", str(tmp_path / "d"), "--maxclients", "zero"], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "--maxclients" in result.stderr


def test_missing_config_file_is_an_error(tmp_path):
    result = subprocess.run([BINARY, "--config", str(tmp_path / "absent.conf")], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1
    assert "absent.conf" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_and_keeps_acknowledged_writes(make_server, sig):
    server = make_server("--durability", "interval")
    client = server.client()
    for i in range(200):
        client.set(f"key:{i}", f"value:{i}")
    client.close()
    assert server.stop(sig) == 0
    log = open(server.log_path).read()
    assert "stopped" in log
    server.start()
    client = server.client()
    assert client.get("key:0") == b"value:0"
    assert client.get("key:199") == b"value:199"
    assert client.get("key:100") == b"value:100"
    client.close()


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read().decode()


def test_metrics_and_health_endpoints(make_server):
    metrics_port = free_port()
    server = make_server("--durability", "none", "--metrics-port", str(metrics_port))
    client = server.client()
    client.set("a", "1")
    client.get("a")
    client.get("missing")
    status, content_type, body = http_get(metrics_port, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    assert 'quiverd_commands_total{command="set"} 1' in body
    assert 'quiverd_commands_total{command="get"} 2' in body
    assert 'quiverd_command_duration_seconds_bucket{command="get",le="+Inf"} 2' in body
    assert 'quiverd_command_duration_seconds_bucket{command="get",le="1e-05"}' in body
    assert "quiverd_connected_clients 1" in body
    assert "quiverd_keyspace_hits_total 1" in body
    assert "quiverd_keyspace_misses_total 1" in body
    assert "quiverd_keyspace_hit_ratio 0.5" in body
    assert "quiverd_process_resident_memory_bytes " in body
    assert "quiverd_wal_last_sequence " in body
    assert "# TYPE quiverd_command_duration_seconds histogram" in body
    assert http_get(metrics_port, "/health/live")[0] == 200
    assert http_get(metrics_port, "/health/ready")[0] == 200
    assert http_get(metrics_port, "/nope")[0] == 404
    client.close()


def listening_addresses(port):
    """(address hex, port) pairs of listening TCP sockets on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.append(address)
    return found


def test_binds_to_loopback_by_default(make_server):
    server = make_server("--durability", "none")
    assert listening_addresses(server.port) == ["0100007F"]


def non_loopback_address():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_protected_mode_refuses_non_loopback_clients(make_server):
    address = non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback address")
    server = make_server("--durability", "none", "--bind", "0.0.0.0")
    with socket.create_connection((address, server.port), timeout=2) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(4096).startswith(b"-DENIED")
    assert raw_command(server.port, b"PING\r\n") == b"+PONG\r\n"


def test_no_arguments_serves_quiver_data_on_loopback_6379(tmp_path):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 6379))
        except OSError:
            pytest.skip("port 6379 is in use")
    process = subprocess.Popen([BINARY], cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        assert raw_command(6379, b"PING\r\n") == b"+PONG\r\n"
        assert os.path.isdir(tmp_path / "quiver-data")
        assert listening_addresses(6379) == ["0100007F"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
