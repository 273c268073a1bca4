"""Running generated code: the only package that starts processes.

`Sandbox` is the small interface the engine uses; `Bubblewrap` is the default (no network, the system read-only, only
the workspace writable, a private /tmp, no view of the server's files, processes or environment, and limits on
CPU, wall time, memory, processes, file size and output); `Unsandboxed` runs commands on the host and exists only
behind an explicit setting.
"""
