"""A real HTTP server on 127.0.0.1 standing in for the public archives.

No test here reaches the internet: every test runs with the download mirror
(``SKLEARN_ASSS_DATA_URL``) pointed at a local address, a closed port unless the
test asks for the `mirror` server, which serves the UCI files' names from the
shared data directory (made into UCI's formats where those differ).
"""

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sklearn_asss.datasets import _files

from _compress import compress_lzw

@pytest.fixture(autouse=True)
def _fresh_verification(monkeypatch):
    monkeypatch.setattr(_files, "_VERIFIED", set())


class Mirror:
    """What the server serves (name -> bytes or a file), its faults, and the requests."""

    def __init__(self):
        self.files = {}
        self.faults = {}
        self.requests = []
        self.url = None

    def body(self, name):
        source = self.files[name]
        return source.read_bytes() if isinstance(source, Path) else source


def _handler(mirror):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            name = self.path.lstrip("/")
            mirror.requests.append(name)
            if name not in mirror.files:
                self.send_error(404)
                return
            body = mirror.body(name)
            fault = mirror.faults.get(name)
            if fault == "corrupt":  # the right length, wrong bytes in the middle
                middle = len(body) // 2
                body = body[:middle] + bytes(len(body) - middle)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault == "interrupt":  # the connection closes halfway
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="module")
def _server():
    mirror = Mirror()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield mirror
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def mirror(_server, monkeypatch):
    """The local server, empty, with the download mirror pointed at it."""
    _server.files.clear()
    _server.faults.clear()
    _server.requests.clear()
    monkeypatch.setenv(_files.DOWNLOAD_URL_ENV_VAR, _server.url)
    return _server


def _shared_file(data_dir, filename):
    return data_dir(filename) / filename


@pytest.fixture(scope="session")
def shared_file(data_dir):
    """A function: the path of a shared data file; the test is skipped when it is absent."""
    return lambda filename: _shared_file(data_dir, filename)


@pytest.fixture(scope="session")
def uci_shuttle(data_dir):
    """UCI's ``shuttle.trn.Z`` and ``shuttle.tst``, rebuilt from the shared CSV."""
    lines = gzip.decompress(_shared_file(data_dir, "shuttle.csv.gz").read_bytes())
    rows = [line.split(",") for line in lines.decode("ascii").splitlines()[1:]]
    text = {
        split: "".join(" ".join(row[:10]) + "\n" for row in rows if row[10] == split)
        for split in ("train", "test")
    }
    return {
        "shuttle.trn.Z": compress_lzw(text["train"].encode("ascii")),
        "shuttle.tst": text["test"].encode("ascii"),
    }


@pytest.fixture(scope="session")
def uci_connect4(data_dir):
    """UCI's ``connect-4.data.Z``, rebuilt from the shared file."""
    content = gzip.decompress(_shared_file(data_dir, "connect-4.data.gz").read_bytes())
    return {"connect-4.data.Z": compress_lzw(content)}
