"""GET /metrics: the instance's Prometheus registry in the text exposition format."""

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.obs.metrics import Metrics


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", response_class=PlainTextResponse,
                responses={200: {"description": "Prometheus text exposition format."}})
    async def scrape() -> Response:
        # On the event loop, not in a worker thread: the gauge callbacks read state that only the loop changes.
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
