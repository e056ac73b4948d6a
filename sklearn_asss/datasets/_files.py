"""Known data files: verification, clear errors, and verified downloads.

Every loader names its file with a :class:`KnownFile`: the size and SHA-256 of
the known gzip file, and the SHA-256 of its decompressed content. A file in the
data home is accepted when it is the known file byte for byte (a fast check),
or when it decompresses to the known content (any other gzip encoding of the
same data: a re-compressed copy, or a download converted from the public
original). Anything else raises a :class:`DataFileError` that names the file,
what is wrong and what to do.
"""

import gzip
import hashlib
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from urllib.request import urlopen

from ._home import DATA_ENV_VAR, get_data_home

#: Environment variable naming a mirror: when set, every remote file is fetched
#: from ``<mirror>/<its file name>`` instead of its public URL (a local copy of
#: the archives, or a test server).
DOWNLOAD_URL_ENV_VAR = "SKLEARN_ASSS_DATA_URL"

#: Bytes read at a time when hashing or downloading: bounded memory, few calls.
_CHUNK_BYTES = 1 << 20
#: Seconds a download may wait for the server before failing with a clear error.
_DOWNLOAD_TIMEOUT_S = 60


class DataFileError(OSError):
    """A data file is damaged, or its download failed or brought the wrong bytes.

    The message names the file, what is wrong and what to do. No partial or
    unverified file is left in the data home by a failed download.
    """


@dataclass(frozen=True)
class Remote:
    """A public file the local file is made from: its URL and its file name."""

    url: str

    @property
    def name(self):
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class KnownFile:
    """A data file the loaders accept, and where a verified copy comes from.

    Parameters
    ----------
    filename : str
        Path relative to the data home (``"panel/ring.csv.gz"``).
    size, sha256 : int, str
        Size and SHA-256 of the known gzip file.
    content_sha256 : str
        SHA-256 of its decompressed content.
    loader : str
        The public function reading it, for the messages.
    remotes : tuple of Remote
        The public files the local file is made from; empty when there is no
        public download.
    convert : callable or None
        ``convert(paths) -> bytes``: the decompressed local content from the
        downloaded `remotes`; None when the single remote *is* the local file.
    source : str
        Where the data come from, in words, for the messages.
    """

    filename: str
    size: int
    sha256: str
    content_sha256: str
    loader: str
    remotes: tuple = ()
    convert: object = field(default=None, compare=False)
    source: str = ""


#: Files verified in this process, keyed on (path, size, mtime): a file is
#: hashed once per process unless it changes.
_VERIFIED = set()


def data_file(known, data_home=None, *, download_if_missing=False):
    """The verified path of `known` in the data home, downloading it if allowed.

    Raises
    ------
    FileNotFoundError
        The file is absent and `download_if_missing` is False or there is no
        public download.
    DataFileError
        The file is damaged, or the download failed.
    """
    home = get_data_home(data_home)
    path = home / known.filename
    if not path.is_file():
        if not (download_if_missing and known.remotes):
            raise FileNotFoundError(_missing_message(known, home))
        _download(known, path)
    verify(path, known)
    return path


def verify(path, known):
    """Raise a DataFileError unless `path` holds the known file or its content."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    problem = _problem(path, stat.st_size, known)
    if problem is not None:
        raise DataFileError(_damaged_message(path, known, problem))
    _VERIFIED.add(key)


def _problem(path, size, known):
    """What is wrong with `path`, in words, or None when it is good."""
    if size == known.size and _sha256_of_file(path) == known.sha256:
        return None
    try:
        content_sha256 = _sha256_of_content(path)
    except EOFError:
        if size < known.size:
            return (
                f"it is {size:,} bytes, the known file {known.size:,}, and its gzip stream "
                f"ends before the end-of-stream marker: the file is truncated (an "
                f"interrupted copy or download)"
            )
        return _corrupt(size, "its gzip stream ends before the end-of-stream marker")
    except (gzip.BadGzipFile, zlib.error) as error:
        return _corrupt(size, error)
    if content_sha256 != known.content_sha256:
        return (
            f"it is a readable gzip file of {size:,} bytes, but its content differs from "
            f"the known data (SHA-256 of the decompressed content {content_sha256}, "
            f"expected {known.content_sha256})"
        )
    return None


def _corrupt(size, reason):
    return f"it is {size:,} bytes and not a valid gzip file ({reason}): the file is corrupt"


def _sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of_content(path):
    digest = hashlib.sha256()
    with gzip.open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _good_copy(known):
    return (
        f"the known file is {known.size:,} bytes with SHA-256 {known.sha256}; any gzip "
        f"file of the same content is accepted"
    )


def _fix(known):
    """What to do about a damaged file, in words."""
    where = _good_copy(known)
    if known.remotes:
        return (
            f"Delete it and call {known.loader}(..., download_if_missing=True) to download "
            f"a verified copy from {_urls(known)}, or put a good copy there ({where})."
        )
    return (
        f"Delete it and put a good copy there ({where}). There is no download for it: "
        f"{known.source}"
    )


def _damaged_message(path, known, problem):
    return f"The data file {str(path)!r} is damaged: {problem}. {_fix(known)}"


def _missing_message(known, home):
    message = (
        f"{known.loader} needs the file {known.filename!r} in the data directory "
        f"{str(home)!r}, which does not contain it."
    )
    if known.remotes:
        return (
            f"{message} Pass download_if_missing=True to download it from {_urls(known)}, "
            f"or put it there yourself; or pass data_home=<directory holding it>, or set "
            f"the environment variable {DATA_ENV_VAR} to that directory."
        )
    return (
        f"{message} There is no public download of this file in this format: "
        f"{known.source} Put the file there, or pass data_home=<directory holding it>, "
        f"or set the environment variable {DATA_ENV_VAR} to that directory."
    )


def _urls(known):
    return " and ".join(_remote_url(remote) for remote in known.remotes)


def _remote_url(remote):
    mirror = os.environ.get(DOWNLOAD_URL_ENV_VAR)
    if mirror:
        return f"{mirror.rstrip('/')}/{remote.name}"
    return remote.url


def _download(known, path):
    """Download `known` to `path` atomically: a verified file, or no file at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workspace = tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise DataFileError(
            f"Cannot download {known.filename!r} into the data directory "
            f"{str(path.parent)!r}: {error}. Choose a writable data_home or set "
            f"{DATA_ENV_VAR} to a writable directory."
        ) from error
    with workspace as tmp:
        remotes = [_fetch(remote, Path(tmp), known) for remote in known.remotes]
        if known.convert is None:
            (local,) = remotes
        else:
            local = Path(tmp) / path.name
            _write_gzip(local, _converted(known, remotes, path.parent))
        problem = _problem(local, local.stat().st_size, known)
        if problem is not None:
            raise DataFileError(
                f"The download of {known.filename!r} from {_urls(known)} brought the wrong "
                f"data: {problem}. Nothing was written to {str(path.parent)!r}. The public "
                f"file may have changed or the transfer was damaged: try again later, or "
                f"put a good copy there yourself ({_good_copy(known)})."
            )
        os.replace(local, path)


def _converted(known, remotes, home):
    """The local content made from the downloaded `remotes`; a DataFileError if unreadable."""
    try:
        return known.convert(remotes)
    except ValueError as error:  # UnicodeDecodeError included
        raise DataFileError(
            f"The download of {known.filename!r} from {_urls(known)} could not be read: "
            f"{error}. Nothing was written to {str(home)!r}. The public files may have "
            f"changed or the transfer was damaged: try again later, or put a good copy "
            f"there yourself ({_good_copy(known)})."
        ) from error


def _fetch(remote, directory, known):
    """Stream one remote file into `directory`; a DataFileError when incomplete."""
    url = _remote_url(remote)
    target = directory / remote.name
    received = 0
    try:
        with urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response, open(target, "wb") as out:
            expected = response.headers.get("Content-Length")
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                received += len(chunk)
    except (OSError, HTTPException) as error:
        raise DataFileError(
            f"Downloading {url} for {known.filename!r} failed after {received:,} bytes: "
            f"{type(error).__name__}: {error}. Nothing was written. Check the connection "
            f"and try again, or download the file yourself and put it in the data directory."
            f"{_mirror_note()}"
        ) from error
    if expected is not None and received != int(expected):
        raise DataFileError(
            f"Downloading {url} for {known.filename!r} was interrupted: received "
            f"{received:,} of {int(expected):,} bytes. Nothing was written. Try again."
        )
    return target


def _mirror_note():
    mirror = os.environ.get(DOWNLOAD_URL_ENV_VAR)
    if not mirror:
        return ""
    return f" The address comes from the environment variable {DOWNLOAD_URL_ENV_VAR}={mirror!r}."


def _write_gzip(path, content):
    # mtime=0: the same content gives the same file
    with gzip.GzipFile(path, "wb", mtime=0) as stream:
        stream.write(content)
