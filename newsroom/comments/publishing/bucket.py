"""An S3 bucket as a publish's target: ``s3://bucket`` or ``s3://bucket/prefix``.

boto3 finds its credentials and region the usual way (the Lambda's role, the
environment, ~/.aws), and its endpoint in ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL`` for S3-compatible servers; certificates are verified. An object is
replaced whole by one PUT: a reader gets the old page or the new one.
"""

from __future__ import annotations

from typing import Any

from newsroom.comments.publishing.target import TargetError


class Bucket:
    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_url(cls, url: str) -> Bucket:
        import boto3  # the Lambda runtime has it; elsewhere the s3 extra

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return cls(boto3.client("s3"), bucket, prefix)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def read(self, path: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(path))
            data: bytes = answer["Body"].read()
            return data
        except self.client.exceptions.NoSuchKey:
            return None
        except Exception as exc:  # botocore's errors: the bucket, the network, the rights
            raise TargetError(f"cannot read {self._key(path)} from {self.bucket}: {exc}") from exc

    def write(self, path: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(path), Body=data, ContentType=content_type
            )
        except Exception as exc:
            raise TargetError(f"cannot write {self._key(path)} to {self.bucket}: {exc}") from exc

    def delete(self, path: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(path))
        except Exception as exc:
            raise TargetError(f"cannot remove {self._key(path)} from {self.bucket}: {exc}") from exc
