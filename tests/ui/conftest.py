"""The `user` fixture runs main.py in-process; its LLM calls go over real HTTP to a real demo-model server."""

import pytest


@pytest.fixture(autouse=True)
def app_environment(monkeypatch, tmp_path, llm_server):
    monkeypatch.setenv("BOTARMY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-for-the-demo-endpoint")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{llm_server.url}/demo/v1")
    monkeypatch.setenv("BOTARMY_MODEL", "botarmy-demo")
    monkeypatch.setenv("BOTARMY_MAX_BRIEF_CHARS", "500")
    monkeypatch.setenv("BOTARMY_APPROVALS", "none")
