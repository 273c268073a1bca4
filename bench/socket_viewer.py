"""A viewer of a run page without a browser: it loads the page over HTTP and follows it over NiceGUI's socket as the
page's own script does (nicegui.js), with python-socketio, noting when each streamed answer's text arrived.

NiceGUI's page carries its client id and socket query in its HTML (`createApp(parseElements(...), {... query: {...}
})`); the socket connects to `/_nicegui_ws/socket.io` with that query plus a document and tab id, and with
`implicit_handshake` the server takes it into the page's client on connect. Updates of elements arrive as `update`
(element dicts: which message element belongs to which agent), a flush's calls as one `run_javascript` whose code
is `return runMethod(<Calls id>, "apply", [[[id, method, args], ...]])` (ui/calls.py), and the page acks what it got
every few seconds (`ack`), which lets the server drop its resend history.
"""

import ast
import asyncio
import json
import re
import time
import uuid
from collections import defaultdict
from urllib.parse import urlencode

import httpx
import socketio

_QUERY = re.compile(r"query: (\{.*?\}),\n")
_ELEMENTS = re.compile(r"parseElements\(String\.raw`(.*?)`\)", re.S)
_CALL = re.compile(r"^return runMethod\((\d+), \"(\w+)\", (.*)\)$", re.S)
ACK_EVERY_S = 3


class SocketViewer:
    """One simulated tab of a run: `received[agent]` holds (length of the agent's latest answer, Unix ms) per append."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http, self.url = http, url
        self.received: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.agent_of: dict[int, str] = {}  # the answer element's id -> its agent
        self.next_message_id = 0
        self.messages = 0
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("update", self._update)
        self.sio.on("run_javascript", self._run_javascript)

    async def open(self) -> None:
        page = await self.http.get(self.url)
        page.raise_for_status()
        query = ast.literal_eval(_QUERY.search(page.text)[1])  # a Python dict, as NiceGUI's template writes it
        self._elements(json.loads(_ELEMENTS.search(page.text)[1].replace("\\`", "`")))
        self.client_id = query["client_id"]
        self.next_message_id = query["next_message_id"]
        query |= {"document_id": str(uuid.uuid4()), "tab_id": str(uuid.uuid4()), "old_tab_id": "null"}
        origin = str(self.http.base_url).rstrip("/")
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        query = {key: str(value).lower() if isinstance(value, bool) else value for key, value in query.items()}
        await self.sio.connect(f"{origin}?{urlencode(query)}", socketio_path="/_nicegui_ws/socket.io", transports=["websocket"],
                               headers={"Origin": origin, "Cookie": cookies}, wait_timeout=60)
        self._acking = asyncio.create_task(self._ack())

    async def close(self) -> None:
        self._acking.cancel()
        await self.sio.disconnect()

    async def _ack(self) -> None:
        while True:
            await asyncio.sleep(ACK_EVERY_S)
            await self.sio.emit("ack", {"client_id": self.client_id, "next_message_id": self.next_message_id})

    def _seen(self, data: dict) -> None:
        self.messages += 1
        self.next_message_id = max(self.next_message_id, data.get("_id", -1) + 1)

    def _elements(self, elements: dict) -> None:
        for element in elements.values():
            props = (element or {}).get("props", {})
            if props.get("data-testid") == "message":
                for child in element.get("children", []):
                    self.agent_of[child] = props["data-agent"]

    def _update(self, data: dict) -> None:
        self._seen(data)
        self._elements({key: value for key, value in data.items() if key != "_id"})

    def _run_javascript(self, data: dict) -> None:
        at = time.time() * 1000
        self._seen(data)
        sent = _CALL.match(data.get("code", ""))
        if not sent:
            return
        args = json.loads(sent[3])
        calls = args[0] if sent[2] == "apply" else [[int(sent[1]), sent[2], args]]
        for element_id, method, call_args in calls:
            if method == "append" and (agent := self.agent_of.get(element_id)):
                offset, delta = call_args
                self.received[agent].append((offset + len(delta), at))
