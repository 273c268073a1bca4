"""One agent step as a ControlFlow task: the role as a `cf.Agent` with the role's prompt, the work as a `cf.Task`
finished when the agent calls the task's completion tool, in a flow whose history opens with the same user message
the native step sends (the brief, the earlier artifacts, the feedback). That message goes into the history verbatim:
ControlFlow rewraps a task's objective and instructions as prose, which would mangle markdown and code.

The agent writes its answer as its message, streamed through an async handler; that text is the artifact. Each
attempt is a fresh task in a fresh flow, so a retry starts clean, as a retried chat completion does. The LLM client's
retry policy, rate limit and time limits wrap every attempt (core.llm.client.LLM.stream, `source`), and
agents.step.run_agent turns the text into the same events as the native step.

This module imports ControlFlow, LangChain and, through them, Prefect: only the ControlFlow orchestrator loads it.
"""

import asyncio
from collections.abc import AsyncIterator
from functools import partial

import controlflow as cf
import controlflow.agents.agent
import controlflow.events.message_compiler
import controlflow.tools.tools
from controlflow.events.events import UserMessage
from controlflow.events.history import InMemoryHistory
from controlflow.orchestration.handler import AsyncHandler
from langchain_openai import ChatOpenAI

from core.domain.custom import Usage
from core.domain.events import Event
from core.llm.client import AGENT_HEADER, LLM, estimate_tokens, estimated_usage
from core.llm.errors import NotFinished, StreamCut

from ..roles import Role
from ..step import AgentInputs, AgentStep, run_agent

FINISH = ("Write your whole answer as your message, in markdown, then call the tool that marks this task "
          "successful. Put nothing else in your message.")
# Model calls in one attempt: the answer with the completion call, and one more should the model forget the call.
MAX_LLM_CALLS = 2
BETWEEN_CALLS = "\n\n"  # joins the text of a second call to the first, as one answer


def _approximate_tokens(message) -> int:
    return estimate_tokens(message.model_dump_json())


def _no_artifact(**_) -> None:
    """ControlFlow copies every model answer and tool call into Prefect, with a blocking HTTP call on the event loop;
    the run's event log already holds them."""


# ControlFlow counts tokens only to trim a long history, "approximately" in its own words, with tiktoken, which
# downloads its encoding at first use: offline that fails. BotArmy's own estimate counts the same way everywhere.
controlflow.events.message_compiler.count_tokens = _approximate_tokens
controlflow.agents.agent.create_markdown_artifact = _no_artifact
controlflow.tools.tools.create_markdown_artifact = _no_artifact


class Models:
    """One LangChain chat model per agent and model it calls, on the LLM client's endpoint, key and limits, naming
    its agent in the agent header (the offline demo model answers as that agent)."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm
        self._models: dict[tuple[str, str], ChatOpenAI] = {}

    def __call__(self, role: Role, model: str) -> ChatOpenAI:
        if (role.name, model) not in self._models:
            client = self.llm.client
            self._models[role.name, model] = ChatOpenAI(
                model=model, base_url=str(client.base_url), api_key=client.api_key,
                default_headers={AGENT_HEADER: role.name}, timeout=client.timeout,
                max_retries=0,  # the LLM client's retry policy retries whole attempts, visibly
                use_responses_api=False,  # chat completions, which every OpenAI-compatible endpoint serves
                stream_usage=True, max_tokens=self.llm.max_output_tokens)
        return self._models[role.name, model]

    async def close(self) -> None:
        for model in self._models.values():
            await model.root_async_client.close()
        self._models.clear()


def controlflow_step(models: Models) -> AgentStep:
    def step(role: Role, inputs: AgentInputs, llm: LLM) -> AsyncIterator[Event]:
        messages = inputs.messages(role)
        model = models(role, inputs.model or llm.model)
        return run_agent(role, inputs, llm, source=partial(_attempt, role, messages, model))
    return step


class _Relay(AsyncHandler):
    """ControlFlow's events of one attempt, as the text the agent writes and, at the end, what it used."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.prompt_tokens = self.completion_tokens = self.cached_tokens = 0
        self.estimated = False
        self.text: list[str] = []
        self._call_ended = False

    async def on_agent_content_delta(self, event) -> None:
        if isinstance(event.content_delta, str) and event.content_delta:
            if self._call_ended and self.text:
                self._put(BETWEEN_CALLS)
            self._call_ended = False
            self._put(event.content_delta)

    async def on_agent_message(self, event) -> None:
        if not (event.message.get("response_metadata") or {}).get("finish_reason"):
            raise StreamCut()  # LangChain takes a stream that broke off for a whole answer; the LLM client does not
        self._call_ended = True
        usage = event.message.get("usage_metadata")
        if usage:
            self.prompt_tokens += usage.get("input_tokens", 0)
            self.completion_tokens += usage.get("output_tokens", 0)
            self.cached_tokens += (usage.get("input_token_details") or {}).get("cache_read") or 0
        else:
            self.estimated = True

    def _put(self, text: str) -> None:
        self.text.append(text)
        self.queue.put_nowait(text)

    def ended(self, _: asyncio.Task) -> None:
        self.queue.put_nowait(None)


async def _attempt(role: Role, messages: list[dict], model: ChatOpenAI) -> AsyncIterator[str | Usage]:
    agent = cf.Agent(name=role.title, description=role.task, instructions=messages[0]["content"], model=model)
    task = cf.Task(objective=f"Write the {role.artifact_title.lower()} from the user's message.", instructions=FINISH,
                   result_type=None, agents=[agent], name=role.artifact_title)
    flow = cf.Flow(name=f"BotArmy {role.title}", history=InMemoryHistory(history={}))
    flow.add_events([UserMessage(content=messages[1]["content"])])
    relay = _Relay()
    run = asyncio.create_task(task.run_async(flow=flow, handlers=[relay], max_llm_calls=MAX_LLM_CALLS,
                                             raise_on_failure=False))
    run.add_done_callback(relay.ended)
    try:
        while (piece := await relay.queue.get()) is not None:
            yield piece
        run.result()  # the attempt's own failure (an error of the AI service), for the retry policy to judge
    finally:
        if not run.done():  # cancelled or timed out: the model's HTTP stream closes with the task
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
    if not task.is_successful():
        raise NotFinished()
    if relay.estimated:
        yield estimated_usage(role.name, messages, "".join(relay.text))
    else:
        yield Usage(agent=role.name, prompt_tokens=relay.prompt_tokens, completion_tokens=relay.completion_tokens,
                    cached_tokens=relay.cached_tokens)
