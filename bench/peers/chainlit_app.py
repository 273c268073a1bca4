"""The peer for bench/live_path.py --peer chainlit: a Chainlit chat that streams the offline demo model's Analyst
answer to the brief the user sends, token by token, as Chainlit's own examples stream an OpenAI answer.

Runs inside bench/.venv-chainlit; DEMO_BASE_URL names the BotArmy server's demo endpoint.
"""

import os

import chainlit as cl
from openai import AsyncOpenAI

client = AsyncOpenAI(base_url=os.environ["DEMO_BASE_URL"], api_key="offline-demo", max_retries=0)


@cl.on_message
async def answer(message: cl.Message) -> None:
    reply = cl.Message(content="")
    stream = await client.chat.completions.create(
        model="botarmy-demo", stream=True, extra_headers={"X-BotArmy-Agent": "analyst"},
        messages=[{"role": "user", "content": f"<brief>\n{message.content}\n</brief>"}])
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            await reply.stream_token(chunk.choices[0].delta.content)
    await reply.send()
