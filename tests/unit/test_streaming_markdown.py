from ui.markdown import streaming_view


def test_complete_text_is_unchanged():
    text = "# Title\n\n```python\nx = 1\n```\n"
    assert streaming_view(text) == text


def test_an_open_code_fence_is_closed_for_display():
    assert streaming_view("intro\n```python\n# a comment\nx = 1") == "intro\n```python\n# a comment\nx = 1\n```"


def test_an_open_mermaid_block_shows_as_plain_code_until_complete():
    assert streaming_view("```mermaid\nflowchart LR\n  A -->") == "```\nflowchart LR\n  A -->\n```"


def test_a_fence_still_being_typed_is_held_back():
    assert streaming_view("text\n```pyt") == "text\n"
