"""Token buckets in Redis, shared by every web instance and worker: one Lua script takes, reserves or refunds
atomically, on Redis's own clock, so two processes together never get more than one would."""

import redis.asyncio as redis

PREFIX = "botarmy:bucket:"
# KEYS[1]: the bucket. ARGV: rate per second, capacity, amount, mode (take | reserve | refund).
# Returns the seconds to wait, as a string (Lua numbers become integers on the way out).
_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate, capacity, amount, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local state = redis.call('HMGET', KEYS[1], 'level', 'stamp')
local level = tonumber(state[1]) or capacity
local stamp = tonumber(state[2]) or now
level = math.min(capacity, level + math.max(0, now - stamp) * rate)
local wait = 0
if mode == 'take' then
  if level >= amount then level = level - amount else wait = (amount - level) / rate end
elseif mode == 'reserve' then
  level = level - amount
  if level < 0 then wait = -level / rate end
else
  level = math.min(capacity, level + amount)
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - math.min(level, capacity)) / rate) + 60)
return tostring(wait)
"""


class RedisBuckets:
    def __init__(self, url: str) -> None:
        self.client = redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._script = self.client.register_script(_SCRIPT)

    async def _call(self, key: str, per_minute: float, amount: float, mode: str) -> float:
        wait = await self._script(keys=[PREFIX + key], args=[per_minute / 60, per_minute, amount, mode])
        return float(wait)

    async def take(self, key: str, per_minute: float, amount: float = 1) -> float:
        return await self._call(key, per_minute, amount, "take")

    async def reserve(self, key: str, per_minute: float, amount: float) -> float:
        return await self._call(key, per_minute, amount, "reserve")

    async def refund(self, key: str, per_minute: float, amount: float) -> None:
        await self._call(key, per_minute, amount, "refund")

    async def close(self) -> None:
        await self.client.aclose()
