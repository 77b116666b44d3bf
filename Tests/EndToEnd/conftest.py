"""End-to-end tests of quiverd with real clients (redis-py, redis-cli).

Each test gets a fresh server on a free loopback port over a fresh data directory, started from
the debug build (`swift build --product quiverd`, or QUIVERD=path) and stopped by PID.
Run: python3 -m pytest Tests/EndToEnd (tools/test does).
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("QUIVERD", os.path.join(ROOT, ".build", "debug", "quiverd"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A quiverd process: start, restart (same directory), stop by PID."""

    def __init__(self, directory, extra=()):
        self.directory = directory
        self.extra = list(extra)
        self.port = free_port()
        self.process = None
        self.log_path = os.path.join(directory + ".log")

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [BINARY, "--dir", self.directory, "--port", str(self.port)] + self.extra,
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("quiverd exited: " + open(self.log_path).read()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    # QUIT and wait for the server to close: the probe no longer counts as a
                    # client (maxclients) once the test's own connections arrive.
                    probe.settimeout(5)
                    probe.sendall(b"QUIT\r\n")
                    while probe.recv(64):
                        pass
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("quiverd did not start listening")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def restart(self):
        self.stop()
        return self.start()

    def client(self, protocol=2, **kwargs):
        return redis.Redis(host="127.0.0.1", port=self.port, protocol=protocol, **kwargs)

    def cli(self, *args, input=None):
        """Runs redis-cli against the server; returns its stdout (text)."""
        return subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)] + [str(a) for a in args],
            input=input, capture_output=True, text=True, timeout=30).stdout


@pytest.fixture
def make_server():
    """Makes servers with extra command-line options; stops them all at teardown."""
    made = []
    directory = tempfile.mkdtemp(prefix="quiverd-e2e-")

    def make(*extra):
        server = Server(os.path.join(directory, str(len(made))), extra).start()
        made.append(server)
        return server

    yield make
    for server in made:
        try:
            server.stop()
        except Exception:
            pass
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def server(make_server):
    """A server with durability none (the tests' writes need no fsync)."""
    return make_server("--durability", "none")


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def client(server, request):
    """A redis-py client of the server, once per protocol."""
    c = server.client(protocol=request.param)
    yield c
    c.close()
