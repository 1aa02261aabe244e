"""Attachment files: size and type limits, unguessable names outside the web root.

The type is decided by the file's extension *and* its first bytes, so a script
renamed to ``.pdf`` is refused; the Content-Type served is ours, never the upload's.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage

#: Extension → (content type served, accepted leading bytes; empty: text checked as UTF-8).
KNOWN_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "txt": ("text/plain; charset=utf-8", ()),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
}

CHUNK = 64 * 1024


class AttachmentError(Exception):
    """The upload is refused; ``reason`` is ``too_large``, ``type`` or ``empty``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    filename: str
    content_type: str
    size: int


def allowed_extensions() -> list[str]:
    """The extensions this deployment accepts (a subset of the known types)."""
    wanted = [e.strip().lower().lstrip(".")
              for e in current_app.config["MESSAGE_ATTACHMENT_TYPES"].split(",")]
    return [e for e in wanted if e in KNOWN_TYPES]


def max_bytes() -> int:
    return current_app.config["MESSAGE_ATTACHMENT_MAX_BYTES"]


def size_text(size: int) -> str:
    """A file size as people read it: "10 MB", "300 kB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{-(-size // 1024)} kB"


def storage_dir() -> Path:
    """Where attachment files live: under the instance folder, never under static/."""
    configured = current_app.config["MESSAGE_ATTACHMENT_DIR"]
    path = Path(configured) if configured else Path(current_app.instance_path) / "attachments"
    return path


def sanitise_filename(name: str | None, extension: str) -> str:
    """A safe display name: no path, no control or quote characters, bounded length."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w \-()\[\]]+", "_", stem, flags=re.UNICODE).strip(" ._") or "zalacznik"
    return f"{stem[:100]}.{extension}"


def _extension(name: str | None) -> str:
    base = (name or "").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _looks_like(extension: str, head: bytes, written: Path) -> bool:
    """True if the first bytes match the extension (text: UTF-8 without NUL bytes)."""
    signatures = KNOWN_TYPES[extension][1]
    if signatures:
        return any(head.startswith(sig) for sig in signatures)
    data = written.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def store(upload: FileStorage, school_id: int) -> StoredFile:
    """Check and write an upload; raise :class:`AttachmentError` when it is refused."""
    extension = _extension(upload.filename)
    if extension not in allowed_extensions():
        raise AttachmentError("type")
    limit = max_bytes()
    folder = storage_dir() / str(school_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(32)
    target = folder / stored_name
    size, head = 0, b""
    try:
        with open(target, "xb") as out:
            while chunk := upload.stream.read(CHUNK):
                head += chunk[:16 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise AttachmentError("too_large")
                out.write(chunk)
        if size == 0:
            raise AttachmentError("empty")
        if not _looks_like(extension, head, target):
            raise AttachmentError("type")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredFile(f"{school_id}/{stored_name}", sanitise_filename(upload.filename, extension),
                      KNOWN_TYPES[extension][0], size)


def path_of(stored_name: str) -> Path:
    """The file on disk for a stored name (names are ours: ``<school>/<hex>``)."""
    if not re.fullmatch(r"\d+/[0-9a-f]{64}", stored_name):
        raise ValueError("not a stored attachment name")
    return storage_dir() / stored_name


def discard(stored: StoredFile) -> None:
    """Remove a file written for a message that was not sent."""
    path_of(stored.stored_name).unlink(missing_ok=True)


def download(stored_name: str, content_type: str, filename: str) -> Response | None:
    """The file as a download that a browser never renders (None: the file is gone).

    Our Content-Type, never the upload's; no caching; a sandboxing CSP in case a browser
    opens it anyway. The web page and the JSON API answer with this same response.
    """
    path = path_of(stored_name)
    if not path.is_file():
        return None
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=filename, max_age=0, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
