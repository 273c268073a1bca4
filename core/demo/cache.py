"""The offline demo model's prompt cache, counted the way OpenAI counts it: a request reads from the cache the longest
prefix it shares with an earlier request, in steps of 128 tokens, once that prefix is at least 1,024 tokens long.

The demo model counts a token as four characters of the prompt (core.llm.client.estimate_tokens), so a step is 512
characters. What it remembers is a chained hash per step of every request's prompt, at most `capacity` of them,
the least recently used forgotten first: one process's memory, as a provider's cache is one server's.
"""

import hashlib
from collections import OrderedDict

CHARS_PER_TOKEN = 4
STEP_TOKENS = 128
MIN_CACHED_TOKENS = 1024
_STEP = STEP_TOKENS * CHARS_PER_TOKEN


class PromptCache:
    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._steps: OrderedDict[bytes, None] = OrderedDict()

    def read(self, prompt: str) -> int:
        """The tokens of `prompt` read from the cache; then the prompt is remembered for the requests after it."""
        shared = 0
        key = b""
        keys = []
        for start in range(0, len(prompt) - _STEP + 1, _STEP):
            key = hashlib.blake2b(key + prompt[start:start + _STEP].encode(), digest_size=16).digest()
            keys.append(key)
            if shared == len(keys) - 1 and key in self._steps:
                shared += 1
        for key in keys:
            self._steps[key] = None
            self._steps.move_to_end(key)
        while len(self._steps) > self.capacity:
            self._steps.popitem(last=False)
        cached = shared * STEP_TOKENS
        return cached if cached >= MIN_CACHED_TOKENS else 0
