"""A project's files as a git history: the edits the agents make to them, a zip of existing code taken in, the
repository rebuilt from the run's log, its diffs, what a revision sends the model, and a push to a remote.

Pure building blocks: they know no runs, events or settings (only the domain's path rule), and they are the one
place that speaks to git's objects (dulwich).
"""
