"""Where photo bytes live, behind one small interface (filesystem now, S3 for many servers)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str = "") -> list[str]: ...


class StorageMissing(KeyError):
    """The key is not in the store."""


def check_key(key: str) -> str:
    """Refuse keys that could address something outside the store, on every backend."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(f"key escapes the store: {key!r}")
    return key


class FilesystemStorage:
    """Keys are relative paths under one folder outside static/; writes are atomic."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageMissing(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        base = self.root
        if not base.exists():
            return []
        out = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(base).as_posix()
                if key.startswith(prefix):
                    out.append(key)
        return sorted(out)


def from_config(config, area: str = "photos") -> Storage:
    """Build the configured store for one area: PHOTO_STORAGE=filesystem (DATA_DIR/<area>) or s3.

    Photos are the evidence store; other areas ("jobs": bulk exports) share the backend
    under their own folder or key prefix, so several app servers see the same objects.
    """
    if config.get("PHOTO_STORAGE", "filesystem") == "s3":
        # Imported here: boto3 is only loaded by instances that use it.
        from . import storage_s3

        return storage_s3.from_config(config, area=area)
    return FilesystemStorage(Path(config["DATA_DIR"]) / area)
