"""Progress statements: an editable draft and its frozen, published versions (DESIGN §5, §7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.assessments import Cycle
from tracker.models.base import Timestamped, UTCDateTime, one_of
from tracker.models.frameworks import Framework
from tracker.models.organisations import Organisation
from tracker.models.users import User

SCOPES = ("organisation", "region", "national")
STATEMENT_LANGUAGES = ("en", "cy", "both")


class Statement(Timestamped, db.Model):
    __tablename__ = "statement"
    __table_args__ = (
        CheckConstraint(one_of("scope", SCOPES), name="scope"),
        CheckConstraint(one_of("language", STATEMENT_LANGUAGES), name="language"),
        CheckConstraint(
            "(scope = 'national') = (organisation_id IS NULL)", name="scope_organisation"
        ),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
    )

    scope: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    language: Mapped[str] = mapped_column(String(5), default="en")
    # The inspector's edits, {"en": {"progress": "..."}, "cy": {...}}; a section not here is
    # drafted afresh from the data each time it is shown.
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    # The sections of a bilingual statement whose other language was edited since this one
    # was, as "cy/progress": they may no longer say the same thing (issue #17, point 3).
    needs_updating: Mapped[list | None] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation | None] = relationship()
    framework: Mapped[Framework] = relationship()
    cycle: Mapped[Cycle] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list[PublishedStatement]] = relationship(
        back_populates="statement", order_by="PublishedStatement.version"
    )

    def needs_update(self, locale: str, key: str) -> bool:
        """Whether this section's other language was edited since this one was."""
        return f"{locale}/{key}" in (self.needs_updating or [])

    def note_edit(self, locale: str, key: str, languages: tuple[str, ...]) -> None:
        """Mark the other languages of an edited section as needing an update. An edit that
        brings a marked section up to date clears it and marks nothing; once no language of
        the section is edited, all say what the data says, so none is marked."""
        marks = set(self.needs_updating or [])
        own = f"{locale}/{key}"
        if own in marks:
            marks.discard(own)
        else:
            marks |= {f"{other}/{key}" for other in languages if other != locale}
        if not any(key in (self.sections or {}).get(lang, {}) for lang in languages):
            marks -= {f"{lang}/{key}" for lang in languages}
        self.needs_updating = sorted(marks)

    def confirm_matches(self, locale: str, key: str) -> bool:
        """Clear the mark on a section someone checked still matches; False if none was."""
        marks = list(self.needs_updating or [])
        if f"{locale}/{key}" not in marks:
            return False
        self.needs_updating = [m for m in marks if m != f"{locale}/{key}"]
        return True


class PublishedStatement(Timestamped, db.Model):
    """A published version: frozen HTML and a content-addressed PDF. Never changed."""

    __tablename__ = "published_statement"
    __table_args__ = (
        db.UniqueConstraint("statement_id", "version"),
        CheckConstraint("version >= 1", name="version"),
    )

    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    html: Mapped[str] = mapped_column(Text)
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    statement: Mapped[Statement] = relationship(back_populates="versions")
    published_by: Mapped[User] = relationship()


@event.listens_for(PublishedStatement, "before_update")
def _refuse_change(_mapper, _connection, target: PublishedStatement) -> None:
    """A published version never changes: the ORM refuses to write an edit to one."""
    raise ValueError(f"published statement {target.id} is frozen and cannot be changed")
