"""The tests' own OpenAI-compatible endpoint: it records every chat completion request it gets, and answers each in
plain prose (as an ordinary model that ignores the file format does), or forwards it to an upstream endpoint (the
app's offline demo model) and relays the answer. It can fail chosen requests with a 500 after the upstream saw them,
as a provider that processed a prompt and then broke does."""

import json
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

AGENT_HEADER = "X-BotArmy-Agent"
PROSE = ("Thank you for the brief. This is a fine idea, and I would be glad to help with it. The team should start "
         "small, talk to the people who will use it, and grow it step by step.")


@dataclass(frozen=True)
class Request:
    agent: str
    body: dict

    @property
    def model(self) -> str:
        return self.body["model"]

    @property
    def messages(self) -> list[dict]:
        return self.body["messages"]

    @property
    def system(self) -> str:
        return next(message["content"] for message in self.messages if message["role"] == "system")

    @property
    def user(self) -> str:
        return "\n".join(message["content"] for message in self.messages if message["role"] == "user")

    @property
    def prompt(self) -> str:
        """The messages as one text, in order, each after its role: what a provider's prompt cache compares."""
        return "".join(f"<{message['role']}>{message['content']}" for message in self.messages)


def _sse(payload: dict) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def prose_stream(body: dict, text: str) -> bytes:
    """`text` as a streamed chat completion, with its usage when asked for."""
    made, model = int(time.time()), body.get("model", "")
    frames = [{"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": made, "model": model,
               "choices": [{"index": 0, "delta": {"content": f"{word} "}, "finish_reason": None}]}
              for word in text.split(" ")]
    frames.append({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": made, "model": model,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        prompt = sum(len(message.get("content") or "") for message in body["messages"]) // 4
        frames.append({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": made, "model": model,
                       "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": len(text) // 4,
                                                "total_tokens": prompt + len(text) // 4}})
    return b"".join(_sse(frame) for frame in frames) + b"data: [DONE]\n\n"


class Endpoint:
    def __init__(self, upstream: str | None, fail: Callable[[Request, list[Request]], bool]) -> None:
        self.upstream, self.fail = upstream, fail
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def of(self, agent: str) -> list[Request]:
        return [request for request in self.requests if request.agent == agent]

    def answer(self, agent: str, body: dict) -> tuple[int, bytes]:
        request = Request(agent, body)
        with self._lock:
            earlier = list(self.requests)
            self.requests.append(request)
        if self.upstream is None:
            answer = (200, prose_stream(body, PROSE))
        else:
            relayed = httpx.post(f"{self.upstream}/chat/completions", json=body, timeout=60,
                                 headers={AGENT_HEADER: agent, "Authorization": "Bearer stub"})
            answer = (relayed.status_code, relayed.content)
        if self.fail(request, earlier):
            error = {"error": {"message": "The server had an error.", "type": "server_error", "code": None}}
            return 500, json.dumps(error).encode()
        return answer


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            status, content = endpoint.answer(self.headers.get(AGENT_HEADER, ""), body)
            self.send_response(status)
            self.send_header("Content-Type", "text/event-stream" if status == 200 else "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args) -> None:
            pass

    return Handler


def never(request: Request, earlier: list[Request]) -> bool:
    return False


@contextmanager
def openai_endpoint(upstream: str | None = None, fail: Callable[[Request, list[Request]], bool] = never):
    """An Endpoint listening on a free port while the block runs: prose answers, or `upstream`'s (a base URL that
    ends in /v1). `fail(request, earlier)` says which requests get a 500 instead."""
    endpoint = Endpoint(upstream, fail)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    endpoint.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
