"""`dreamvideo models download/list`: the published weights fetched once, hash-checked, from a
local HTTP server on 127.0.0.1 serving a small generated file (no internet needed)."""

import hashlib
import http.server
import threading

import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.errors import UserError
from dreamvideo.backbone.weights import PUBLISHED, WeightsFile, download, installed_path

PAYLOAD = np.random.default_rng(0).bytes(300_000)


class Handler(http.server.BaseHTTPRequestHandler):
    """``/good/NAME``: the payload; ``/cut/NAME``: announces it all, sends a third, hangs up."""

    requests: list[str] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        if self.path.startswith("/cut/"):
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 3])
            self.wfile.flush()
            self.connection.close()  # the server goes away mid-download
            return
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    Handler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def entry(md5: str) -> WeightsFile:
    return WeightsFile("tiny", "tiny_weights.h5", "http://unused.invalid/tiny_weights.h5", md5, "1 MB", "test")


def test_good_file_is_installed_once(server, tmp_path):
    good = entry(hashlib.md5(PAYLOAD).hexdigest())
    path = download(good, tmp_path, url=f"{server}/good/tiny_weights.h5")
    assert path == tmp_path / "tiny_weights.h5" and path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny_weights.h5"]
    lines = []
    assert download(good, tmp_path, url=f"{server}/good/tiny_weights.h5", report=lines.append) == path
    assert len(Handler.requests) == 1 and "already installed" in lines[0]  # no second fetch


def test_wrong_hash_leaves_nothing(server, tmp_path):
    with pytest.raises(UserError, match="has MD5 .* not the published 0{32}; nothing was installed"):
        download(entry("0" * 32), tmp_path, url=f"{server}/good/tiny_weights.h5")
    assert list(tmp_path.iterdir()) == []


def test_server_gone_mid_download_leaves_nothing(server, tmp_path):
    with pytest.raises(UserError, match=r"cannot download tiny weights from .*/cut/tiny_weights.h5 .*"
                                        r"set model.weights: PATH"):
        download(entry(hashlib.md5(PAYLOAD).hexdigest()), tmp_path, url=f"{server}/cut/tiny_weights.h5")
    assert list(tmp_path.iterdir()) == []


def test_offline_is_one_line_naming_the_url_and_the_manual_way(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["models", "download", "inception_v3", "--mirror", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"http://127.0.0.1:{port}/inception_v3_weights_tf_dim_ordering_tf_kernels.h5" in err[0]
    assert "model.weights: PATH" in err[0]
    assert not (tmp_path / "models" / PUBLISHED["inception_v3"].filename).exists()


def test_cli_checks_the_published_hash_and_lists(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert main(["models", "download", "vgg19", "--mirror", f"{server}/good"]) == 2  # not vgg19's bytes
    assert "not the published cbe5617147190e668d6c5d5026f83318" in capsys.readouterr().err
    assert list((tmp_path / "models").iterdir()) == []
    assert main(["models", "download", "vgg19", "nonsense"]) == 2  # every name checked first
    assert "unknown name 'nonsense'" in capsys.readouterr().err and not Handler.requests[1:]

    installed_path("inception_v3").write_bytes(b"placed by hand")
    assert main(["models", "list"]) == 0
    listing = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "installed" in listing["vgg16-hed"]
    assert str(installed_path("inception_v3")) in listing["inception_v3"]
    assert "dreamvideo models download vgg19" in listing["vgg19"]
