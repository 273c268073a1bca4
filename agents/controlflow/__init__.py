"""The optional ControlFlow orchestrator (BOTARMY_ORCHESTRATOR=controlflow, after `pip install -e '.[controlflow]'`).

The same pipeline, roles, prompts, checkpoints and events as the native orchestrator; each agent's work is a
ControlFlow task that its ControlFlow agent finishes by calling the task's completion tool. Nothing here imports
ControlFlow, Prefect or LangChain at import time: `orchestrator` loads them off the event loop when it starts, and
only when this backend is chosen.
"""
