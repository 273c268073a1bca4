"""The offline demo model finishes a task the way a real model does when the request offers a completion tool
(ControlFlow's `mark_task_…_successful`): its answer, then a call of that tool; streamed and not."""

import json

from openai import AsyncOpenAI

from agents.roles import ROLES, build_messages
from core.demo.content import demo_answer
from core.llm.client import AGENT_HEADER, DEMO_API_KEY, DEMO_MODEL

BRIEF = "A rota for a food bank's volunteers."


def tool(name: str, parameters: dict | None = None) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": "…", "parameters": parameters or {"type": "object", "properties": {}}}}


TOOLS = [tool("mark_task_1a2b3c4d_failed", {"type": "object", "properties": {"reason": {"type": "string"}}}),
         tool("mark_task_1a2b3c4d_successful")]


def client_of(server) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=DEMO_API_KEY, base_url=f"{server.url}/demo/v1", max_retries=0,
                       default_headers={AGENT_HEADER: "analyst"})


async def test_a_streamed_answer_ends_with_the_call_that_marks_the_task_done(llm_server):
    async with client_of(llm_server) as client:
        stream = await client.chat.completions.create(
            model=DEMO_MODEL, messages=build_messages(ROLES[0], BRIEF, {}), tools=TOOLS, stream=True)
        text, calls, finish = "", {}, None
        async for chunk in stream:
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for call in choice.delta.tool_calls or []:
                    entry = calls.setdefault(call.index, {"id": call.id, "name": "", "arguments": ""})
                    entry["name"] += call.function.name or ""
                    entry["arguments"] += call.function.arguments or ""
                finish = choice.finish_reason or finish
    assert text == demo_answer("analyst", BRIEF)
    assert finish == "tool_calls" and list(calls) == [0]
    assert calls[0]["name"] == "mark_task_1a2b3c4d_successful" and json.loads(calls[0]["arguments"]) == {}
    assert calls[0]["id"].startswith("call_")


async def test_a_whole_answer_carries_the_call_with_the_result_the_tool_asks_for(llm_server):
    with_result = tool("mark_task_9f_successful", {"type": "object", "properties": {"result": {"type": "string"}},
                                                   "required": ["result"]})
    async with client_of(llm_server) as client:
        completion = await client.chat.completions.create(
            model=DEMO_MODEL, messages=build_messages(ROLES[0], BRIEF, {}), tools=[with_result])
    (choice,) = completion.choices
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "mark_task_9f_successful"
    assert json.loads(call.function.arguments) == {"result": choice.message.content}


async def test_without_a_completion_tool_the_answer_is_plain_text(llm_server):
    async with client_of(llm_server) as client:
        completion = await client.chat.completions.create(
            model=DEMO_MODEL, messages=build_messages(ROLES[0], BRIEF, {}), tools=[tool("search_the_web")])
    (choice,) = completion.choices
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert choice.message.content == demo_answer("analyst", BRIEF)
