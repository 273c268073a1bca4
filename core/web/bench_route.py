"""GET /bench/trace: the live path's stage stamps (core.trace) for bench/live_path.py, mounted only with
BOTARMY_BENCH_PAGES=1. Each call hands over the stamps noted since the last one."""

from fastapi import APIRouter

from core.trace import TRACE


def bench_router() -> APIRouter:
    router = APIRouter(prefix="/bench", include_in_schema=False)

    @router.get("/trace")
    async def trace() -> dict:
        return {"stamps": TRACE.drain()}

    return router
