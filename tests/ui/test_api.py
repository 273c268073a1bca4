"""The REST API's first calls: start, read, list, cancel, resume, with clear 4xx answers; as a user whose token
was made on the Account page."""

import asyncio

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User


@pytest.fixture
async def client(user: User) -> httpx.AsyncClient:
    """The app's HTTP client carrying an API token that the simulated user created on the Account page."""
    await user.open("/account")
    user.find("Create token").click()
    await user.should_see("Your new API token")
    [token] = [field.value for field in user.find(ui.input).elements if str(field.value).startswith("bat_")]
    user.http_client.headers["Authorization"] = f"Bearer {token}"
    return user.http_client


async def test_start_read_and_list_a_run(client: httpx.AsyncClient):
    created = await client.post("/api/runs", json={"brief": "A queue board for a barber shop."})
    assert created.status_code == 201
    run_id = created.json()["run_id"]
    assert created.json()["url"] == f"/runs/{run_id}"
    for _ in range(200):
        run = (await client.get(f"/api/runs/{run_id}")).json()
        if run["status"] == "completed":
            break
        await asyncio.sleep(0.05)
    assert run["status"] == "completed" and len(run["artifacts"]) == 5 and run["tokens"] > 0
    listed = (await client.get("/api/runs")).json()
    assert listed["total"] == 1 and [r["run_id"] for r in listed["runs"]] == [run_id]
    assert listed["runs"][0]["status"] == "completed" and listed["runs"][0]["tokens"] == run["tokens"]
    assert (await client.post(f"/api/runs/{run_id}/cancel")).status_code == 409
    assert (await client.post(f"/api/runs/{run_id}/resume")).status_code == 409


async def test_bad_input_gets_a_clear_4xx(client: httpx.AsyncClient):
    empty = await client.post("/api/runs", json={"brief": "   "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    huge = await client.post("/api/runs", json={"brief": "x" * 501})
    assert huge.status_code == 422 and "limit is 500" in huge.json()["detail"]
    missing = await client.get("/api/runs/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "No such run."


async def test_rename_takes_one_line_and_refuses_a_long_name(client: httpx.AsyncClient):
    run_id = (await client.post("/api/runs", json={"brief": "A tide table for a harbour.", "approvals": "all"})).json()[
        "run_id"]
    renamed = await client.patch(f"/api/runs/{run_id}", json={"title": "  Harbour\n tides "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Harbour tides"
    too_long = await client.patch(f"/api/runs/{run_id}", json={"title": "x" * 201})
    assert too_long.status_code == 422 and "limit is 200" in too_long.json()["detail"]
    assert (await client.patch("/api/runs/nope", json={"title": "x"})).status_code == 404
    assert (await client.post("/api/runs/nope/approve")).status_code == 404
    for _ in range(200):
        if (await client.get(f"/api/runs/{run_id}")).json()["status"] == "waiting_approval":
            break
        await asyncio.sleep(0.05)
    assert (await client.post(f"/api/runs/{run_id}/pause")).status_code == 409
    assert (await client.post(f"/api/runs/{run_id}/cancel")).status_code == 204
