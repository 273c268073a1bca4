"""The pipeline through the real openai SDK over real HTTP to the demo model, into a real SQLite log."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.roles import ROLES, build_messages
from core.demo.model import tokens_of
from core.llm.errors import CONFIGURATION, CONNECTION_GAVE_UP, classify
from core.domain.fold import apply, fold
from core.storage.backends import sqlite_storage
from tests.support.server import TOKENS_PER_CHUNK, free_port
from tests.support.services import OWNER, llm_for, run_service, run_to_end


async def test_a_run_produces_five_artifacts_and_the_live_view_equals_the_fold_of_the_log(tmp_path, llm_server):
    store = sqlite_storage(tmp_path / "db.sqlite3")
    llm = llm_for(f"{llm_server.url}/demo/v1")
    runs = run_service(store, llm)
    bus = runs.bus
    brief = "A booking tool for a small climbing gym."
    run_id = await runs.start(brief, owner=OWNER)

    live = fold(run_id, [])

    async def watch():
        async for item in bus.subscribe(run_id, 0):
            apply(live, item)
            if live.finished:
                return

    await asyncio.wait_for(watch(), 60)
    stored = fold(run_id, await store.log.read(run_id))
    assert live == stored
    assert stored.status == "completed"
    assert [a.status for a in stored.agents.values()] == ["done"] * 5
    assert list(stored.artifacts) == [role.name for role in ROLES]
    for message in stored.messages:
        assert message.complete and message.text == stored.artifacts[message.agent].content
    assert brief in stored.artifacts["analyst"].content
    assert "```mermaid" in stored.artifacts["architect"].content
    assert all(agent.tokens_in > 0 and agent.tokens_out > 0 for agent in stored.agents.values())
    assert (await store.catalogue.get_run(run_id)).status == "completed"
    await llm.close()
    await store.close()


async def test_each_agent_reads_the_brief_and_all_earlier_artifacts(llm_server):
    earlier = {"analyst": "REQ", "architect": "ARCH"}
    user = build_messages(ROLES[2], "the brief", earlier)[1]["content"]
    assert "<brief>\nthe brief\n</brief>" in user and "REQ" in user and "ARCH" in user
    llm = llm_for(f"{llm_server.url}/demo/v1")
    pieces = [p async for p in llm.stream(build_messages(ROLES[0], "Pet sitter marketplace", {}), agent=ROLES[0].name)]
    text = "".join(p for p in pieces if isinstance(p, str))
    assert "Pet sitter marketplace" in text
    assert pieces[-1].completion_tokens == len(tokens_of(text)) and not pieces[-1].estimated
    await llm.close()


async def test_the_demo_model_streams_the_tokens_a_chunk_it_is_set_to_and_the_same_answer_either_way(
        llm_server, fault_server):
    """The test servers stream TOKENS_PER_CHUNK tokens a chunk (tests/support/server.py), OpenAI one."""
    messages = build_messages(ROLES[0], "Pet sitter marketplace", {})
    answers = []
    for url, most in ((f"{fault_server('', tokens_per_chunk=1).url}/demo/v1", 1),
                      (f"{llm_server.url}/demo/v1", TOKENS_PER_CHUNK)):
        llm = llm_for(url)
        pieces = [p for p in [p async for p in llm.stream(messages, agent=ROLES[0].name)] if isinstance(p, str)]
        await llm.close()
        sizes = [len(tokens_of(piece)) for piece in pieces if piece]
        assert max(sizes) == most and sizes.count(most) >= len(sizes) - 1, sizes  # only the last chunk may be short
        answers.append("".join(pieces))
    assert answers[0] == answers[1]


class _RejectingEndpoint(BaseHTTPRequestHandler):
    """Answers every request like an OpenAI endpoint given a bad key."""

    def do_POST(self):
        body = json.dumps({"error": {"message": "Incorrect API key provided: sk-te****", "type": "invalid_request_error",
                                     "code": "invalid_api_key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rejecting_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectingEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.parametrize("case", ["bad key", "no server"])
async def test_a_failing_ai_service_ends_the_run_with_a_plain_sentence(tmp_path, rejecting_endpoint, case):
    store = sqlite_storage(tmp_path / "db.sqlite3")
    if case == "bad key":
        llm = llm_for(rejecting_endpoint)
        expected = CONFIGURATION
    else:
        llm = llm_for(f"http://127.0.0.1:{free_port()}/v1")
        expected = CONNECTION_GAVE_UP
    view = await run_to_end(run_service(store, llm), "Anything")
    assert view.status == "failed"
    assert view.agents["analyst"].status == "failed" and view.agents["analyst"].error == expected
    assert [a.status for a in list(view.agents.values())[1:]] == ["skipped"] * 4
    assert view.error.startswith("Analyst could not finish:")
    for text in (view.error, view.agents["analyst"].error):
        assert "Error code" not in text and "openai" not in text.lower()
    await llm.close()
    await store.close()


async def test_the_demo_model_refuses_an_agent_it_has_no_answers_for(llm_server):
    llm = llm_for(f"{llm_server.url}/demo/v1")
    with pytest.raises(Exception) as refused:
        [piece async for piece in llm.stream(build_messages(ROLES[0], "A reading list", {}), agent="auditor")]
    assert classify(refused.value).kind == "invalid_request"
    assert "cannot answer as agent 'auditor'" in str(refused.value)
    await llm.close()
