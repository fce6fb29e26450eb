"""Files on Amazon S3: conversation transcripts and report files, with presigned downloads.

AWS resources: the bucket `settings.AWS_STORAGE_BUCKET_NAME` in `settings.AWS_REGION`, with
default encryption on (we also ask for SSE-S3 per object) and no public access.
IAM actions on `arn:aws:s3:::<bucket>/*`: s3:PutObject, s3:GetObject (presigned URLs are signed
with the caller's credentials, so the signer needs GetObject too), s3:DeleteObject (retention);
on `arn:aws:s3:::<bucket>`: s3:ListBucket (finding Connect call recordings by key prefix).

`AICC_STORAGE=s3` selects `AwsFiles` here, and `django_storages_setting()` gives the STORAGES
"default" entry that routes Django FileFields through django-storages to the same bucket.
`LocalFiles` keeps files under MEDIA_ROOT and signs its URLs with SECRET_KEY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core import signing

from apps.integrations.aws import _client
from apps.integrations.aws.errors import wrap_client_error

DEFAULT_EXPIRY_SECONDS = 15 * 60  # downloads of personal data: short-lived links (DESIGN §11)
_SALT = "apps.integrations.aws.s3.local-url"


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int


class FileStore(Protocol):
    def upload(self, *, key: str, content: bytes, content_type: str) -> StoredFile: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def presigned_url(self, key: str, *, expires_in: int = DEFAULT_EXPIRY_SECONDS) -> str: ...
    def list_keys(self, prefix: str) -> list[str]: ...


def transcript_key(conversation_id: int, started: datetime) -> str:
    return f"transcripts/{started:%Y/%m}/conversation-{conversation_id}.txt"


def report_key(name: str, day: datetime) -> str:
    return f"reports/{day:%Y/%m/%d}/{name}"


def django_storages_setting(bucket: str, region: str) -> dict[str, Any]:
    """STORAGES["default"] for AICC_STORAGE=s3: private objects, signed URLs, no overwrites."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "region_name": region,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": DEFAULT_EXPIRY_SECONDS,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }


class AwsFiles:
    def __init__(self, client: Any | None = None, bucket: str | None = None) -> None:
        self._client = client
        self.bucket = bucket or settings.AWS_STORAGE_BUCKET_NAME

    @property
    def client(self) -> Any:
        return self._client or _client.client("s3")

    def _call(self, operation: str, *args: Any, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(*args, **params)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc

    def upload(self, *, key: str, content: bytes, content_type: str) -> StoredFile:
        self._call(
            "put_object",
            Bucket=self.bucket,
            Key=key,
            Body=content,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )
        return StoredFile(key, len(content))

    def read(self, key: str) -> bytes:
        return self._call("get_object", Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self._call("delete_object", Bucket=self.bucket, Key=key)

    def presigned_url(self, key: str, *, expires_in: int = DEFAULT_EXPIRY_SECONDS) -> str:
        return self._call(
            "generate_presigned_url",
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_in,
        )

    def list_keys(self, prefix: str) -> list[str]:
        """Every key starting with `prefix`, sorted (S3 lists keys in UTF-8 binary order)."""
        keys: list[str] = []
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = self._call("list_objects_v2", **params)
            keys += [obj["Key"] for obj in page.get("Contents") or []]
            if not page.get("IsTruncated"):
                return keys
            params["ContinuationToken"] = page["NextContinuationToken"]


class LocalFiles:
    """Under MEDIA_ROOT/files; URLs carry a signed, expiring token (`verify_token`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or Path(settings.MEDIA_ROOT) / "files")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key escapes the storage root: {key}")
        return path

    def upload(self, *, key: str, content: bytes, content_type: str) -> StoredFile:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return StoredFile(key, len(content))

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        # A prefix may end inside a file name ("…/<contact id>_"): walk its folder, then filter.
        folder = self._path(prefix)
        if prefix and not prefix.endswith("/"):
            folder = folder.parent
        if not folder.is_dir():
            return []
        root = self.root.resolve()
        keys = (path.relative_to(root).as_posix() for path in folder.rglob("*") if path.is_file())
        return sorted(key for key in keys if key.startswith(prefix))

    def presigned_url(self, key: str, *, expires_in: int = DEFAULT_EXPIRY_SECONDS) -> str:
        token = signing.dumps({"key": key, "ttl": expires_in}, salt=_SALT)
        return f"{settings.SITE_URL.rstrip('/')}{settings.MEDIA_URL}files/{key}?token={token}"

    @staticmethod
    def verify_token(token: str) -> str | None:
        """The key a token grants, or None when it is forged or expired."""
        try:
            data = signing.loads(token, salt=_SALT, max_age=None)
            return signing.loads(token, salt=_SALT, max_age=data["ttl"])["key"]
        except (signing.BadSignature, KeyError):
            return None


def get_file_store() -> FileStore:
    if settings.AICC_STORAGE == "s3":
        return AwsFiles()
    return LocalFiles()
