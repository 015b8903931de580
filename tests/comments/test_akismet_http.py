"""The lean Akismet HTTP client against real sockets on loopback: answers in every framing
HTTP allows, dead and broken connections, timeouts, and HTTPS with a certificate check."""

import asyncio
import contextlib
from urllib.parse import parse_qs

import httpx
import pytest

from newsroom.comments.akismet_http import AkismetHTTPClient

API = "https://rest.akismet.com/1.1/comment-check"  # what the library posts to
FORM = {"api_key": "k", "user_ip": "203.0.113.9", "comment_content": "Hé & co = 1+1", "t": True}


class RawServer:
    """Answers each request with the next scripted bytes (or a close); records requests."""

    def __init__(self, *answers: bytes | None, ssl_context=None):
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.ssl_context = ssl_context

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")),
                    0,
                )  # fmt: skip
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers.pop(0) if self.answers else None
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                framed = b"Content-Length" in answer or b"chunked" in answer
                if b"Connection: close" in answer or not framed:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def client_for(server: RawServer, scheme="http", **kwargs) -> AkismetHTTPClient:
    return AkismetHTTPClient(
        redirect_to=f"{scheme}://127.0.0.1:{server.port}", timeout=kwargs.pop("timeout", 2),
        **kwargs,
    )  # fmt: skip


def answer(body: bytes, *headers: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Length: %d" % len(body), *headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def test_the_form_is_sent_as_httpx_would_and_connections_are_kept():
    async def go():
        async with RawServer(answer(b"false"), answer(b"true")) as server:
            client = client_for(server, headers={"User-Agent": "Newsroom-test"})
            first = await client.post(API, data=FORM)
            second = await client.post(API, data=FORM)
            await client.aclose()
            return server, first, second

    server, first, second = asyncio.run(go())
    assert (first.status_code, first.text, second.text) == (200, "false", "true")
    assert server.connections == 1  # the second request reused the first connection
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /1.1/comment-check HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"User-Agent: Newsroom-test" in lines
    assert b"Content-Type: application/x-www-form-urlencoded" in lines
    assert body == httpx.Request("POST", API, data=FORM).read()
    assert parse_qs(body.decode())["comment_content"] == ["Hé & co = 1+1"]


def test_chunked_and_close_delimited_answers():
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfal\r\n2\r\nse\r\n0\r\n\r\n"
    )
    until_close = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ntrue"

    async def go():
        async with RawServer(chunked, until_close) as server:
            client = client_for(server)
            texts = [(await client.post(API, data=FORM)).text for _ in range(2)]
            await client.aclose()
            return texts

    assert asyncio.run(go()) == ["false", "true"]


def test_a_connection_the_server_dropped_while_idle_is_replaced_once():
    async def go():
        # the first connection answers once, then closes without a word on the next request
        async with RawServer(answer(b"false"), None, answer(b"true")) as server:
            client = client_for(server)
            first = (await client.post(API, data=FORM)).text
            second = (await client.post(API, data=FORM)).text
            await client.aclose()
            return first, second, server.connections

    assert asyncio.run(go()) == ("false", "true", 2)


def test_faults_are_httpx_errors():
    async def go():
        errors = []
        async with RawServer(b"NOT HTTP AT ALL\r\n\r\n", None) as server:
            client = client_for(server)
            for _ in range(2):  # garbage, then a connection closed before any answer
                with pytest.raises(httpx.HTTPError) as caught:
                    await client.post(API, data=FORM)
                errors.append(caught.value)
            await client.aclose()
        silent = await asyncio.start_server(_never_answers, "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        client = AkismetHTTPClient(redirect_to=f"http://127.0.0.1:{port}", timeout=0.3)
        with pytest.raises(httpx.ReadTimeout):
            await client.post(API, data=FORM)
        await client.aclose()
        silent.close()
        client = AkismetHTTPClient(redirect_to=f"http://127.0.0.1:{port}", timeout=1)
        with pytest.raises(httpx.ConnectError):  # nothing listens there any more
            await client.post(API, data=FORM)
        await client.aclose()
        return errors

    garbage, closed = asyncio.run(go())
    assert isinstance(garbage, httpx.RemoteProtocolError) and "Malformed" in str(garbage)
    assert isinstance(closed, httpx.RemoteProtocolError)
    assert garbage.request.url.path == "/1.1/comment-check"


async def _never_answers(reader, writer):
    await reader.read(65536)
    await asyncio.sleep(1)
    writer.close()


def test_an_oversized_answer_is_refused():
    huge = b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n" + b"x" * 2_000_000

    async def go():
        async with RawServer(huge) as server:
            client = client_for(server)
            with pytest.raises(httpx.RemoteProtocolError, match="too large"):
                await client.post(API, data=FORM)
            await client.aclose()

    asyncio.run(go())


@pytest.mark.parametrize(
    "head",
    [
        b"".join(b"X-Filler-%d: x\r\n" % i for i in range(200_000)),  # 20 MB of headers
        b"X-Long: " + b"x" * 200_000 + b"\r\n",  # one huge header
    ],
    ids=["many headers", "one long header"],
)
def test_headers_are_limited(head):
    async def go():
        async with RawServer(
            b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: 4\r\n\r\ntrue"
        ) as server:
            client = client_for(server)
            with pytest.raises(httpx.RemoteProtocolError, match="headers"):
                await client.post(API, data=FORM)
            await client.aclose()

    asyncio.run(go())


def test_answers_are_asked_for_uncompressed_and_a_compressed_one_is_refused():
    """65 KB of gzip would become 64 MiB of answer: the client asks for identity and
    refuses any encoding it did not ask for, before decompressing anything."""
    import gzip

    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    compressed = answer(bomb, b"Content-Encoding: gzip")

    async def go():
        async with RawServer(compressed, compressed) as server:
            client = client_for(server)
            with pytest.raises(httpx.RemoteProtocolError, match="encoding"):
                await client.post(API, data=FORM)
            with pytest.raises(httpx.RemoteProtocolError, match="encoding"):
                await client.get(API)  # the long way too
            await client.aclose()
            return server.requests

    requests = asyncio.run(go())
    assert all(b"\r\nAccept-Encoding: identity\r\n" in request for request in requests)


def test_https_checks_the_certificate(self_signed):
    server_context = self_signed.server_context()
    trusting = self_signed.trusting_context()

    async def go():
        async with RawServer(answer(b"false"), ssl_context=server_context) as server:
            client = client_for(server, "https", ssl_context=trusting)
            text = (await client.post(API, data=FORM)).text
            await client.aclose()
            stranger = client_for(server, "https")  # certifi's authorities: not this one
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await stranger.post(API, data=FORM)
            await stranger.aclose()
            return text

    assert asyncio.run(go()) == "false"


def test_other_requests_go_the_long_way_on_the_same_connections():
    # The library's GET endpoints (and any post that is not a plain form) go through
    # httpx's machinery and LeanTransport, redirected like the short way.
    async def go():
        async with RawServer(answer(b"[]"), answer(b"ok")) as server:
            client = client_for(server)
            listed = await client.get("https://rest.akismet.com/1.2/key-sites?api_key=k")
            raw = await client.post(API, content=b"user_ip=1")
            await client.aclose()
            return server, listed, raw

    server, listed, raw = asyncio.run(go())
    assert (listed.text, raw.text, server.connections) == ("[]", "ok", 1)
    get_head = server.requests[0].split(b"\r\n")
    assert get_head[0] == b"GET /1.2/key-sites?api_key=k HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in get_head
    head, _, body = server.requests[1].partition(b"\r\n\r\n")
    assert body == b"user_ip=1" and b"Content-Length: 9" in head.split(b"\r\n")


def test_an_endless_header_is_cut_as_it_comes():
    """httptools reports a header only once it has all of it: the bytes are counted as
    they arrive, so a server sending one header forever is cut early, not at the timeout."""

    async def go():
        async def serve(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            with contextlib.suppress(ConnectionError):
                for _ in range(400):  # 400 × 4 KiB, while the client keeps reading
                    writer.write(b"x" * 4096)
                    await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = AkismetHTTPClient(redirect_to=f"http://127.0.0.1:{port}", timeout=30)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(httpx.RemoteProtocolError, match="headers too large"):
            await client.post(API, data=FORM)
        took = loop.time() - started
        await client.aclose()
        server.close()
        return took

    assert asyncio.run(go()) < 5  # well before the 30 s timeout
