"""Demo models that misbehave each their own way, served by one process per test session (or xdist worker).

A fault plan (BOTARMY_DEMO_FAULTS) is a script the requests use up, so each test that wants one needs an endpoint
of its own. Starting `python main.py` for each cost seconds of CPU; this process serves the app's own demo model
(core.web.demo_route's router) on a new port for each plan, over real HTTP with uvicorn as the app does, each on a
thread and loop of its own, with its log lines (the app's JSON lines) in its own folder.

    python -m tests.support.demo_model --port PORT --data-dir PATH      the process (start_server starts it)
    BOTARMY_BENCH_PAGES=1                                                its models note when they sent each chunk,
                                                                         served at /bench/trace (bench/live_path.py)
    add_model(process, folder, faults, delay_ms[, tokens_per_chunk])    a model of it, as a Server
    model.replan(faults)                                                 the model's plan from now on
"""

import argparse
import json
import logging
import os
import socket
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from core.demo.faults import FaultPlan
from core.obs.logs import JsonFormatter, configure_logging
from core.trace import TRACE
from core.web.bench_route import bench_router
from core.web.demo_route import demo_router
from tests.support.server import JSON_LOG, TOKENS_PER_CHUNK, Server


class Plan(BaseModel):
    faults: str
    delay_ms: float
    tokens_per_chunk: int
    folder: Path


class Replan(BaseModel):
    faults: str


@dataclass
class _Model:
    server: uvicorn.Server
    thread: threading.Thread
    handlers: list[logging.Handler]
    plan: FaultPlan


def _handlers(folder: Path, thread: str) -> list[logging.Handler]:
    """The model's log lines, as `python main.py` writes them: to <folder>/logs/botarmy.log, and to the file its
    console output would go to."""
    (folder / JSON_LOG).parent.mkdir(parents=True, exist_ok=True)
    handlers = [logging.FileHandler(folder / JSON_LOG, encoding="utf-8"),
                logging.FileHandler(folder / "model.log", encoding="utf-8")]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(lambda record: record.threadName == thread)
        logging.getLogger().addHandler(handler)
    return handlers


def hub() -> FastAPI:
    app, models = FastAPI(), {}
    if os.environ.get("BOTARMY_BENCH_PAGES") == "1":
        TRACE.on = True
        app.include_router(bench_router())

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/models")
    def add(plan: Plan) -> dict:
        model_app, faults = FastAPI(), FaultPlan(plan.faults)
        model_app.include_router(demo_router(plan.delay_ms, faults, plan.tokens_per_chunk))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)  # connections wait in the backlog until the model's loop accepts them
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(model_app, log_config=None, timeout_graceful_shutdown=1))
        name = f"demo-model-{port}"
        handlers = _handlers(plan.folder, name)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
        thread.start()
        models[port] = _Model(server, thread, handlers, faults)
        return {"port": port}

    @app.put("/models/{port}/faults")
    def replan(port: int, plan: Replan) -> None:
        """The model's router keeps its FaultPlan object, which takes the new plan."""
        models[port].plan.replan(plan.faults)

    @app.delete("/models/{port}")
    def remove(port: int) -> None:
        model = models.pop(port)
        model.server.should_exit = model.server.force_exit = True
        model.thread.join(10)
        for handler in model.handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()

    return app


@dataclass
class FaultModel(Server):
    """One model of the process (`process` is the process's): stop() ends this model, not the process."""

    hub_url: str = ""

    def stop(self, *_) -> int:
        _call("DELETE", f"{self.hub_url}/models/{self.port}")
        return 0

    @property
    def app_env(self) -> dict[str, str]:
        """The settings of an app that asks this model, as it would a real AI service."""
        return {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": f"{self.url}/demo/v1", "BOTARMY_MODEL": "botarmy-demo"}

    def replan(self, faults: str) -> None:
        """This fault plan from the next request on, e.g. "stall=1" to hold every answer mid-stream until the
        client gives up on it, then "" for faultless answers again."""
        _call("PUT", f"{self.hub_url}/models/{self.port}/faults", {"faults": faults})


def add_model(process: Server, folder: Path, faults: str, delay_ms: float,
              tokens_per_chunk: int = TOKENS_PER_CHUNK) -> FaultModel:
    """A demo model of `process` with this fault plan and pacing, its logs under `folder`, ready for requests."""
    folder.mkdir(parents=True, exist_ok=True)
    added = _call("POST", f"{process.url}/models", {"faults": faults, "delay_ms": delay_ms,
                                                    "tokens_per_chunk": tokens_per_chunk, "folder": str(folder)})
    return FaultModel(process.process, added["port"], folder, folder / "model.log", hub_url=process.url)


def _call(method: str, url: str, body: dict | None = None) -> dict | None:
    """With urllib, which logs nothing: tests count the HTTP requests their own clients log."""
    request = urllib.request.Request(url, json.dumps(body).encode() if body else None, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or "null")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    configure_logging(args.data_dir, [])
    uvicorn.run(hub(), host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
