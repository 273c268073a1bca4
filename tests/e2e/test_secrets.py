"""A recognisable fake API key and session secret, two runs (one against an endpoint that echoes the whole key
back in its error, as some gateways do), and then a scan of everything the server wrote, serves or shows: the
secrets appear nowhere."""

import io
import zipfile

import httpx
from playwright.sync_api import Page, expect

from core.llm.errors import CONFIGURATION
from tests.support.browser import create_api_token
from tests.support.server import start_server

FAKE_KEY = "sk-proj-BotArmyLeakCheck0123456789abcdefXYZ"
SESSION_SECRET = "session-secret-BotArmyLeakCheck-9f8e7d6c5b4a"
# Pieces that would betray a partial leak (a key cut, wrapped or masked differently).
FRAGMENTS = [FAKE_KEY, FAKE_KEY[8:32], FAKE_KEY[-16:], SESSION_SECRET, SESSION_SECRET[8:32]]


def run_to_end(page: Page, base_url: str, brief: str, status: str) -> str:
    page.goto(base_url)
    page.get_by_test_id("brief-input").fill(brief)
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", status, timeout=90_000)
    return page.url.rsplit("/", 1)[-1]


def test_the_api_key_and_the_session_secret_never_leak(tmp_path, fault_server, pages):
    # What the endpoint below does to the second run's first request: it quotes the whole key back.
    probe = fault_server("script:leaky401")
    echoed = httpx.post(f"{probe.url}/demo/v1/chat/completions", headers={"Authorization": f"Bearer {FAKE_KEY}"},
                        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert echoed.status_code == 401 and FAKE_KEY in echoed.text
    faults = fault_server("script:ok,ok,ok,ok,ok,leaky401")
    with start_server(tmp_path / "app", {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": f"{faults.url}/demo/v1",
                                         "BOTARMY_MODEL": "botarmy-demo",
                                         "BOTARMY_STORAGE_SECRET": SESSION_SECRET}) as app:
        page = pages(app.url)
        done = run_to_end(page, app.url, "A lost-and-found register for a railway station.", "completed")
        failed = run_to_end(page, app.url, "A library of tools for a repair café.", "failed")
        expect(page.get_by_test_id("agent-card-analyst").get_by_test_id("error-notice")).to_contain_text(
            CONFIGURATION)
        token = create_api_token(page, app.url)
        seen = shown(pages, app.url, [done, failed]) + served(app.url, token, [done, failed])
        seen += [(str(path), path.read_bytes().decode("utf-8", "replace"))
                 for path in app.data_dir.rglob("*") if path.is_file()]  # database, WAL, logs, console output
        app.stop()
        seen.append(("server output after stop", app.log()))
    assert len(seen) > 25
    for where, text in seen:
        for fragment in FRAGMENTS:
            assert fragment not in text, f"a secret ({fragment[:12]}…) leaked into {where}"


def shown(pages, base_url: str, runs: list[str]) -> list[tuple[str, str]]:
    """What the browser shows: each page's whole document once it has settled."""
    page = pages(base_url)
    documents = []
    for path in ["/", "/runs", "/account", *(f"/runs/{run}" for run in runs)]:
        page.goto(base_url + path)
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
        page.wait_for_timeout(300)
        documents.append((f"page {path}", page.content()))
    return documents


def served(base_url: str, token: str, runs: list[str]) -> list[tuple[str, str]]:
    """Every answer of the HTTP interface: operational endpoints, the API for both runs, and its errors."""
    answers = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        paths = ["/health", "/metrics", "/openapi.json", "/docs", "/api/runs", "/api/runs/nope",
                 "/api/runs?status=failed"]
        for run in runs:
            paths += [f"/api/runs/{run}", f"/api/runs/{run}/events?follow=false", f"/api/runs/{run}/artifacts"]
        answers += [(path, api.get(path).text) for path in paths]
        for run in runs:
            archive = zipfile.ZipFile(io.BytesIO(api.get(f"/api/runs/{run}/artifacts.zip").content))
            answers += [(f"zip {name}", archive.read(name).decode()) for name in archive.namelist()]
        answers += [(f"{path} error", api.post(path, json=body).text) for path, body in [
            ("/api/runs", {"brief": ""}), ("/api/runs", {"brief": 1}), (f"/api/runs/{runs[0]}/approve", None),
            ("/agui", {"threadId": "x"})]]
    answers.append(("401", httpx.get(f"{base_url}/api/runs").text))
    return answers
