"""What the core knows of the agents: only what the agents package tells it through a Team.

Core never names an agent itself. The agents package builds the Team from its roles, and the composition root
hands it to whatever needs it (the run service for approvals, the project export for the folder layout).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    name: str
    title: str
    document: str | None  # where the agent's artifact goes in the project folder; None: the files it writes
    files_under: str | None = None  # the files it writes go in the project folder under this prefix; None: none
    approval_by_default: bool = False  # its artifact waits for the user's decision unless the run says otherwise
    prompt: str = ""  # its default system prompt, which a run may replace


@dataclass(frozen=True)
class Team:
    members: tuple[Member, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(member.name for member in self.members)

    @property
    def titles(self) -> dict[str, str]:
        return {member.name: member.title for member in self.members}

    @property
    def prompts(self) -> dict[str, str]:
        """Agent → its default system prompt."""
        return {member.name: member.prompt for member in self.members}

    @property
    def default_approvals(self) -> list[str]:
        return [member.name for member in self.members if member.approval_by_default]
