"""Organisations: boards, health bodies, councils, police, inspectorates (DESIGN §3)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import Timestamped, one_of

ORGANISATION_KINDS = (
    "rsb",
    "health_board",
    "nhs_trust",
    "local_authority",
    "police",
    "education",
    "inspectorate",
    "national",
)


class Organisation(Timestamped, db.Model):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(one_of("kind", ORGANISATION_KINDS), name="kind"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_cy: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # A deactivated organisation is kept (its work and people refer to it) but offered for
    # nothing new: no invitations, no new assessments.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    region: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    def display_name(self, locale: str = "en") -> str:
        """The name in the given language, English where no Welsh form exists."""
        return (self.name_cy if locale == "cy" else None) or self.name

    @property
    def region_rsb_id(self) -> int | None:
        """The id of the RSB whose region this organisation is in; an RSB is its own region."""
        return self.id if self.kind == "rsb" else self.region_id

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"
