"""A lean HTTP/1.1 client over asyncio streams: one connection per request, as gunicorn's
sync workers close each one anyway, and nothing else between the bench and the server."""

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    def cookies(self) -> dict[str, str]:
        jar = {}
        for line in self.headers.get("set-cookie", []):
            name, _, rest = line.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0].strip().strip('"')
        return jar


class ClientError(Exception):
    """The request got no HTTP answer (refused, reset, timed out, garbled)."""


@dataclass(slots=True)
class Server:
    host: str
    port: int
    label: str = field(default="")


async def request(
    server: Server,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Response:
    """Send one request and read the whole answer; the clock covers connect to last byte."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {server.host}:{server.port}", "Connection: close",
            "User-Agent: bphc-bench", "Accept: text/html"]
    if cookies:
        head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    body = b""
    if form is not None:
        body = urlencode(form).encode()
        head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            try:
                writer.write(payload)
                data = await reader.read()
            finally:
                writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        raise ClientError(type(exc).__name__) from exc
    seconds = time.perf_counter() - started
    return _parse(data, seconds)


def _parse(data: bytes, seconds: float) -> Response:
    raw_head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise ClientError("NoHead")
    lines = raw_head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ClientError("BadStatusLine")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in (headers.get("transfer-encoding") or [""])[0].lower():
        body = _dechunk(body)
    return Response(int(parts[1]), headers, body, seconds)


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    for _ in range(1_000_000):
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ClientError("BadChunk")
        size = int(body[pos:end].split(b";")[0] or b"0", 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    raise ClientError("TooManyChunks")
