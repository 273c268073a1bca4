"""The app's offline demo model alone: core.web.demo_route's router, with the faults and pacing of the app's own
settings (BOTARMY_DEMO_FAULTS, BOTARMY_DEMO_TOKEN_DELAY_MS) and its logging, served over real HTTP by uvicorn as
`python main.py` serves it, without the rest of the app. A fault plan is a script the requests use up, so a test
that needs an endpoint misbehaving its own way needs a process of its own: this one starts on a fraction of the
app's CPU.

    python tests/support/demo_model.py --port PORT --data-dir PATH
"""

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from core.demo.faults import FaultPlan
from core.obs.logs import configure_logging
from core.settings import Settings
from core.web.demo_route import demo_router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    configure_logging(settings.data_dir, [])
    app = FastAPI()
    app.include_router(demo_router(settings.demo_token_delay_ms, FaultPlan(settings.demo_faults)))

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
