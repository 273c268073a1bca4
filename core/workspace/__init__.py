"""A folder per run on the server's disk: the project the agents wrote, materialised for commands to run in, and
the logs of those commands beside it (where the commands cannot reach them)."""
