"""A self-signed certificate for 127.0.0.1, made with openssl: servers on loopback that a
client must refuse unless it is told to trust this certificate."""

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class SelfSigned:
    key: Path
    cert: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def trusting_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture
def self_signed(tmp_path) -> SelfSigned:
    return make_self_signed(tmp_path)


def make_self_signed(folder: Path) -> SelfSigned:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return SelfSigned(key, cert)
