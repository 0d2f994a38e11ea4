"""Photo bytes in S3-compatible object storage, so several app servers share one store."""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .storage import StorageMissing, check_key

# S3 answers a missing object with one of these, depending on the call and the server.
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3Storage:
    """Keys map to objects under an optional prefix in one bucket.

    A PUT replaces an object whole or not at all, so overwrites are atomic
    without the temporary-file dance the filesystem store needs.
    """

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "path",
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Path-style addressing works on every S3-compatible server (MinIO, Ceph,
        # the clouds' compatibility endpoints) without wildcard DNS for buckets.
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": 5, "mode": "standard"},
        )
        # With no keys given, boto3 falls back to its own chain (environment,
        # instance role); keys are never written anywhere by this class.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=config,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise StorageMissing(key) from exc
            raise
        with obj["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        # Deleting a missing object succeeds on S3, as unlink(missing_ok=True) does here.
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str = "") -> list[str]:
        out = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            out.extend(obj["Key"][len(self.prefix) :] for obj in page.get("Contents", []))
        return sorted(out)


def from_config(config, area: str = "photos") -> S3Storage:
    """Build the S3 store from S3_* settings; areas other than photos get a key prefix of their own."""
    prefix = (config.get("S3_PREFIX") or "").strip("/")
    if area != "photos":  # photos keep the bare prefix, as they always had
        prefix = f"{prefix}/{area}" if prefix else area
    return S3Storage(
        bucket=config["S3_BUCKET"],
        prefix=prefix,
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        region=config.get("S3_REGION"),
        access_key_id=config.get("S3_ACCESS_KEY_ID"),
        secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        addressing_style=config.get("S3_ADDRESSING_STYLE") or "path",
    )
