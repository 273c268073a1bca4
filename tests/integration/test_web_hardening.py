"""The web layer of a real server: security headers and CSP on every answer, a nonce per page, the request size
limit (413 with a sentence, whether the size is declared or not), CORS closed unless configured, and socket.io
refusing pages of other sites.

The API's status codes are left alone where authentication may decide them; the headers and the 413 come first.
"""

import json
import re
import socket

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.server import start_server

LIMIT = 1_048_576
FOREIGN = "https://evil.example"
ALLOWED = "https://app.example"
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
SOCKET_HANDSHAKE = "/_nicegui_ws/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def server(servers, request):
    return servers.get({"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}, request.node.nodeid)


@pytest.fixture(scope="module")
def cors_server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cors"), env={"BOTARMY_CORS_ORIGINS": f"{ALLOWED}, "}) as server:
        yield server


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = (part.split() for part in response.headers["content-security-policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


def raw_request(server, head: str, chunks: list[bytes] = ()) -> tuple[int, dict[str, str], bytes]:
    """Send a request byte for byte (httpx would add or fix the framing headers) and read the answer until the
    server closes the connection (the request says `Connection: close`; a half-close would make uvicorn drop it)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for chunk in chunks:
            sock.sendall(chunk)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(status_line.split()[1]), headers, body


def _unchunk(body: bytes) -> bytes:
    data = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return data
        data, body = data + body[:size], body[size + 2:]


def chunked(payload: bytes, size: int = 65536) -> list[bytes]:
    return [b"%x\r\n%s\r\n" % (len(payload[i:i + size]), payload[i:i + size])
            for i in range(0, len(payload), size)] + [b"0\r\n\r\n"]


def test_every_kind_of_answer_carries_the_security_headers(server):
    page = httpx.get(server.url)
    static = re.search(r'src="(/_nicegui/[^"]+/static/nicegui\.js)"', page.text).group(1)
    answers = {path: httpx.get(server.url + path) for path in
               ["/", "/runs", "/health", "/metrics", "/openapi.json", "/api/runs", "/api/runs/no-such-run", static]}
    for path, response in answers.items():
        for name, value in COMMON.items():
            assert response.headers.get(name) == value, (path, name)
        assert "camera=()" in response.headers["permissions-policy"], path
        assert policy(response)["frame-ancestors"] == ["'none'"], path
    for path in ("/", "/runs"):
        page_policy = policy(answers[path])
        assert page_policy["object-src"] == ["'none'"] and page_policy["base-uri"] == ["'none'"]
        assert page_policy["img-src"] == ["'self'", "data:", "blob:"]  # no remote image can beacon data out
        assert page_policy["connect-src"] == ["'self'"]
        assert "'unsafe-inline'" not in page_policy["script-src"]
    for path in ("/health", "/metrics", "/openapi.json", "/api/runs", static):
        assert policy(answers[path]) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}, path
    for path in ("/api/runs", "/api/runs/no-such-run"):  # a user's data is never kept in a cache
        assert answers[path].headers["cache-control"] == "no-store", path
    assert "no-store" not in answers[static].headers["cache-control"]  # NiceGUI's own files stay cacheable


def test_every_script_of_a_page_carries_that_page_s_fresh_nonce(server):
    nonces = []
    for path in ("/", "/", "/runs", "/runs/no-such-run"):
        response = httpx.get(server.url + path, headers={"Accept-Encoding": "identity"})  # the length as sent
        (nonce,) = [source[len("'nonce-"):-1] for source in policy(response)["script-src"]
                    if source.startswith("'nonce-")]
        tags = re.findall(r"<script\b[^>]*>", response.text, flags=re.IGNORECASE)
        assert len(tags) >= 5 and all(f'nonce="{nonce}"' in tag for tag in tags), tags
        assert int(response.headers["content-length"]) == len(response.content)
        nonces.append(nonce)
    assert len(set(nonces)) == len(nonces)


def test_only_the_api_docs_may_load_their_scripts_from_the_cdn(server):
    docs = policy(httpx.get(f"{server.url}/docs"))
    assert "https://cdn.jsdelivr.net" in docs["script-src"] and "'unsafe-inline'" not in docs["script-src"]
    assert docs["frame-ancestors"] == ["'none'"]
    assert "https://cdn.jsdelivr.net" not in policy(httpx.get(server.url))["script-src"]


def test_the_renderer_is_framed_by_this_site_s_pages_only_and_any_origin_reads_the_modules(server):
    """The pages draw diagrams and code in a sandboxed frame (ui/model_content/renderer.html), whose origin is
    opaque: it may be framed by this site only, runs this site's scripts only and connects nowhere; its module
    scripts are fetched with CORS, so the ES modules, the same public code for everyone, may be read from any
    origin."""
    page = httpx.get(server.url).text
    imports = json.loads(re.search(r'<script[^>]*type="importmap"[^>]*>(.*?)</script>', page, re.S).group(1))["imports"]
    renderer = httpx.get(server.url + imports["botarmy-model-content/"] + "renderer.html")
    assert renderer.status_code == 200 and renderer.headers["content-type"].startswith("text/html")
    assert policy(renderer) == {"default-src": ["'none'"], "script-src": ["'self'"], "style-src": ["'unsafe-inline'"],
                                "img-src": ["data:"], "font-src": ["'self'", "data:"], "frame-ancestors": ["'self'"]}
    assert renderer.headers["x-frame-options"] == "SAMEORIGIN"
    renderer_script = imports["botarmy-model-content/"] + "renderer.js"
    for module in (imports["nicegui-mermaid"], imports["botarmy-highlight"], renderer_script):
        answer = httpx.get(server.url + module, headers={"Origin": "null"})
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*", module
    static = re.search(r'src="(/_nicegui/[^"]+/static/nicegui\.js)"', page).group(1)
    for path in ("/", "/runs", "/api/runs", "/health", static):
        answer = httpx.get(server.url + path, headers={"Origin": "null"})
        assert "access-control-allow-origin" not in answer.headers, path
        assert policy(answer)["frame-ancestors"] == ["'none'"] and answer.headers["x-frame-options"] == "DENY", path


@pytest.mark.parametrize("path", ["/api/runs", "/agui", "/"])
def test_a_declared_body_over_the_limit_gets_413_before_it_is_sent(server, path):
    # No credentials either: the size is judged before authentication would answer 401.
    status, headers, body = raw_request(
        server, f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
                f"Content-Length: {2 * LIMIT}\nConnection: close\n")  # and not one byte of it follows
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": "The request is 2.0 MB; the limit is 1.0 MB."}
    assert headers["x-content-type-options"] == "nosniff"


def test_a_page_s_zip_upload_is_held_to_the_import_s_limit_not_an_ordinary_request_s(server):
    """The dashboard's zip chooser posts to NiceGUI's upload route: up to the import's 10 MB zip (and a form's
    worth beside it), like POST /api/runs with a zip."""
    def declared(size: int) -> tuple[int, bytes]:
        status, _, body = raw_request(
            server, f"POST /_nicegui/client/no-such-client/upload/1 HTTP/1.1\nHost: 127.0.0.1\n"
                    f"Content-Type: multipart/form-data; boundary=x\nContent-Length: {size}\nConnection: close\n")
        return status, body

    status, body = declared(12 * LIMIT)
    assert status == 413 and json.loads(body) == {"detail": "The request is 12.0 MB; the limit is 11.0 MB."}
    assert declared(2 * LIMIT)[0] == 404  # past the size check: no such upload here


def test_a_chunked_body_is_counted_and_refused_past_the_limit(server):
    head = "POST /api/runs HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n" \
           "Transfer-Encoding: chunked\nConnection: close\n"
    brief = json.dumps({"brief": "x" * (LIMIT + 10)}).encode()
    status, _, body = raw_request(server, head, chunked(brief))
    assert status == 413
    assert json.loads(body) == {"detail": "The request is larger than the limit of 1.0 MB."}

    small = json.dumps({"brief": "A chunked brief for a tool library."}).encode()
    status, _, body = raw_request(server, head, chunked(small, size=7))
    assert status not in (400, 413, 422), body  # read whole and handed on: the body parsed as JSON
    assert "Traceback" not in server.log()


def test_cors_is_closed_by_default(server):
    preflight = httpx.options(f"{server.url}/api/runs", headers={
        "Origin": FOREIGN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    simple = httpx.get(f"{server.url}/api/runs", headers={"Origin": FOREIGN})
    health = httpx.get(f"{server.url}/health", headers={"Origin": FOREIGN})
    for response in (preflight, simple, health):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_cors_answers_exactly_the_configured_origins(cors_server):
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(f"{cors_server.url}/api/runs", headers={
            "Origin": origin, "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type"})

    allowed = preflight(ALLOWED)
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert {m.strip() for m in allowed.headers["access-control-allow-methods"].split(",")} == {
        "GET", "POST", "PATCH", "DELETE"}
    assert "access-control-allow-credentials" not in allowed.headers  # callers from other sites use tokens
    simple = httpx.get(f"{cors_server.url}/api/runs", headers={"Origin": ALLOWED})
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-expose-headers" not in simple.headers
    for response in (preflight(FOREIGN), httpx.get(f"{cors_server.url}/api/runs", headers={"Origin": FOREIGN})):
        assert "access-control-allow-origin" not in response.headers


def test_socket_io_refuses_pages_of_other_sites(server, cors_server):
    refused = httpx.get(server.url + SOCKET_HANDSHAKE, headers={"Origin": FOREIGN})
    assert refused.status_code == 400 and "0{" not in refused.text
    assert "access-control-allow-origin" not in refused.headers
    own = httpx.get(server.url + SOCKET_HANDSHAKE, headers={"Origin": server.url})
    assert own.status_code == 200 and own.text.startswith("0{")
    listed = httpx.get(cors_server.url + SOCKET_HANDSHAKE, headers={"Origin": ALLOWED})
    assert listed.status_code == 200 and listed.text.startswith("0{")
    assert "access-control-allow-credentials" not in listed.headers
    assert httpx.get(cors_server.url + SOCKET_HANDSHAKE, headers={"Origin": FOREIGN}).status_code == 400


def test_a_websocket_from_another_site_is_refused(server):
    url = f"ws://127.0.0.1:{server.port}/_nicegui_ws/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=FOREIGN, open_timeout=10).close()
    assert refused.value.response.status_code == 403  # uvicorn's answer to a socket closed before it opened
    with connect(url, origin=server.url, open_timeout=10) as own:
        assert own.recv(timeout=10).startswith("0{")  # engine.io's open packet
