"""Raw inbound messages in the bucket, as SES receiving's S3 action stored them: only deleted here (on erasure)."""

from collections.abc import Callable
from typing import Any


class S3RawMail:
    def __init__(self, s3: Callable[[], Any]) -> None:
        self._s3 = s3  # built on first use (cold start, moto)

    def delete(self, storage_key: str) -> None:
        bucket, _, key = storage_key.removeprefix("s3://").partition("/")
        if bucket and key:
            self._s3().delete_object(Bucket=bucket, Key=key)  # deleting what is gone already succeeds in S3
