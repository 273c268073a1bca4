"""BOTARMY_AUTH=password in a real browser: users added on the command line sign in, see only their own runs, use
and revoke API tokens, and are signed out by a password change."""

import base64
import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import create_api_token, start_run
from tests.support.server import UNPACED, start_server

PASSWORDS = {"alice": "correct horse battery", "bob": "tr0ub4dor & 3"}


@pytest.fixture
def signed_server(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_AUTH": "password", **UNPACED}) as server:
        for name, password in PASSWORDS.items():
            assert server.users("add", name, password=password + "\n") == f"Added {name}."
        yield server


def sign_in(page: Page, name: str, password: str) -> None:
    page.get_by_test_id("login-name").fill(name)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_sign_in_own_runs_tokens_and_sign_out(signed_server, pages):
    server = signed_server
    page = pages(f"{server.url}/runs?status=all")
    page.wait_for_url("**/login?next=*")  # every page asks who you are first

    sign_in(page, "alice", "wrong password")
    expect(page.get_by_test_id("login-error")).to_have_text("The user name or the password is not right.")
    sign_in(page, "nobody", PASSWORDS["alice"])
    expect(page.get_by_test_id("login-error")).to_have_text("The user name or the password is not right.")
    sign_in(page, "Alice", PASSWORDS["alice"])  # names are not case-sensitive
    page.wait_for_url(f"{server.url}/runs?status=all")  # back where the user was going
    cookie = next(c for c in page.context.cookies() if c["name"].startswith("botarmy_session"))
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert_forged_cookie_is_refused(server, cookie)

    page.goto(server.url)
    start_run(page, "A climbing wall's route-setting schedule.", until_working=None)  # a run of hers, at any stage
    alices_run = page.url

    bobs = pages(alices_run, user="bob")
    bobs.wait_for_url("**/login?next=*")
    sign_in(bobs, "bob", PASSWORDS["bob"])
    bobs.wait_for_url(alices_run)
    expect(bobs.get_by_test_id("run-not-found")).to_be_visible()  # signed in, and still a stranger to it

    token = create_api_token(page, server.url, "alice laptop")
    expect(page.get_by_test_id("account-name")).to_have_text("Signed in as alice.")
    runs = httpx.get(f"{server.url}/api/runs", headers={"Authorization": f"Bearer {token}"}).json()
    assert [row["run_id"] for row in runs["runs"]] == [alices_run.rsplit("/", 1)[-1]]
    page.get_by_test_id("token-row").filter(has_text="alice laptop").get_by_test_id("revoke-token").click()
    expect(page.get_by_test_id("no-tokens")).to_be_visible()
    revoked = httpx.get(f"{server.url}/api/runs", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and "not valid" in revoked.json()["detail"]

    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/login*")
    page.goto(alices_run)
    page.wait_for_url("**/login?next=*")

    # A password changed on the server signs the user out everywhere.
    server.users("passwd", "bob", password="a brand new password\n")
    bobs.goto(f"{server.url}/runs")
    bobs.wait_for_url("**/login?next=*")
    sign_in(bobs, "bob", PASSWORDS["bob"])
    expect(bobs.get_by_test_id("login-error")).to_be_visible()
    sign_in(bobs, "bob", "a brand new password")
    bobs.wait_for_url(f"{server.url}/runs")


def assert_forged_cookie_is_refused(server, cookie: dict) -> None:
    """The session cookie is signed: rewriting who it names (keeping its signature) signs nobody in."""
    payload, signature = cookie["value"].split(".", 1)
    session = json.loads(base64.b64decode(payload))
    session["botarmy_user"]["id"] = "u-someone-else"
    forged = base64.b64encode(json.dumps(session).encode()).decode() + "." + signature
    with httpx.Client(base_url=server.url, cookies={cookie["name"]: cookie["value"]}) as genuine:
        assert genuine.get("/api/runs").status_code == 200
    with httpx.Client(base_url=server.url, cookies={cookie["name"]: forged}) as client:
        assert client.get("/").status_code == 303 and client.get("/api/runs").status_code == 401


def test_sign_in_refuses_guessing_other_sites_and_foreign_redirects(signed_server):
    server = signed_server
    with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as client:
        # After sign-in the user only ever lands on this site.
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            done = client.post("/auth/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                                    "next": target})
            assert (done.status_code, done.headers["location"]) == (303, "/")
        # Another site cannot post the sign-in form (login CSRF).
        forged = client.post("/auth/login", data={"username": "alice", "password": PASSWORDS["alice"]},
                             headers={"Origin": "https://evil.example"})
        assert "error=cross-site" in forged.headers["location"]
        # Five wrong passwords for a name, then even the right one waits.
        for _ in range(5):
            assert "error=wrong" in client.post("/auth/login", data={"username": "bob", "password": "x"}).headers[
                "location"]
        throttled = client.post("/auth/login", data={"username": "bob", "password": PASSWORDS["bob"]})
        assert "error=throttled" in throttled.headers["location"]
    with httpx.Client(base_url=server.url) as fresh:
        page = fresh.get("/login", params={"error": "throttled", "wait": 250})
        assert "Too many failed sign-ins. Please try again in 250 s." in page.text
        # Pages and the API without a session: sign in first, or a 401 with a sentence.
        assert fresh.get("/").status_code == 303
        assert fresh.get("/api/runs").json()["detail"].startswith("Sign in, or send an API token")
