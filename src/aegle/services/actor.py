"""Who is acting, and from where. Every service call that touches health data takes one."""

from __future__ import annotations

from dataclasses import dataclass

from aegle.core.types import Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str | None
    role: Role | None
    origin: str

    @classmethod
    def system(cls, origin: str) -> Actor:
        """The platform itself (CLI maintenance, jobs); never reads health data through a grant."""
        return cls(user_id=None, role=None, origin=origin)

    @property
    def role_name(self) -> str:
        return self.role.value if self.role else "system"
