"""Frameworks as data: a versioned set of sections, items and a scoring scale (DESIGN §4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, localised, one_of

FRAMEWORK_KINDS = ("progress", "maturity")
RAG = ("red", "amber", "green")


class Framework(Timestamped, db.Model):
    __tablename__ = "framework"
    __table_args__ = (
        db.UniqueConstraint("key", "version"),
        # Lets an assessment name (framework, key) together: one assessment per framework key.
        db.UniqueConstraint("id", "key"),
        CheckConstraint(one_of("kind", FRAMEWORK_KINDS), name="kind"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("min_kinds >= 1 AND min_sources >= 1", name="triangulation"),
    )

    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))
    applies_to: Mapped[list] = mapped_column(JSON)  # organisation kinds
    min_kinds: Mapped[int] = mapped_column(Integer)
    min_sources: Mapped[int] = mapped_column(Integer)
    required_from: Mapped[int] = mapped_column(Integer)
    source_file: Mapped[str | None] = mapped_column(String(300))
    # A retired version is offered for no new assessment; answers given against it stay as
    # they are.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scale: Mapped[list[ScaleLevel]] = relationship(
        back_populates="framework", order_by="ScaleLevel.value", cascade="all, delete-orphan"
    )
    sections: Mapped[list[Section]] = relationship(
        back_populates="framework", order_by="Section.position", cascade="all, delete-orphan"
    )
    items: Mapped[list[Item]] = relationship(
        order_by="Item.position", viewonly=True, overlaps="section,items"
    )

    def title_in(self, locale: str = "en") -> str:
        return localised(self.title, locale)

    def level(self, value: int | None) -> ScaleLevel | None:
        """The scale level with this value, or None."""
        return next((lvl for lvl in self.scale if lvl.value == value), None)

    @property
    def scale_values(self) -> list[int]:
        return [lvl.value for lvl in self.scale]

    def applies_to_kind(self, kind: str) -> bool:
        return kind in (self.applies_to or [])

    def __repr__(self) -> str:
        return f"<Framework {self.key} v{self.version}>"


class ScaleLevel(Timestamped, db.Model):
    """One step of a framework's scale; scores refer to it, so the database refuses others."""

    __tablename__ = "scale_level"
    __table_args__ = (
        db.UniqueConstraint("framework_id", "value"),
        CheckConstraint(one_of("rag", RAG), name="rag"),
    )

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    value: Mapped[int] = mapped_column(Integer)
    label: Mapped[dict] = mapped_column(JSON)
    rag: Mapped[str] = mapped_column(String(10))
    descriptor: Mapped[dict | None] = mapped_column(JSON)

    framework: Mapped[Framework] = relationship(back_populates="scale")

    def label_in(self, locale: str = "en") -> str:
        return localised(self.label, locale)


class Section(Timestamped, db.Model):
    __tablename__ = "section"
    __table_args__ = (db.UniqueConstraint("framework_id", "key"),)

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)

    framework: Mapped[Framework] = relationship(back_populates="sections")
    items: Mapped[list[Item]] = relationship(
        back_populates="section", order_by="Item.position", cascade="all, delete-orphan"
    )

    def title_in(self, locale: str = "en") -> str:
        return localised(self.title, locale)


class Item(Timestamped, db.Model):
    __tablename__ = "item"
    __table_args__ = (
        db.UniqueConstraint("framework_id", "key"),
        # Lets a response name (item, framework) together, so its score can be checked
        # against that framework's scale by a foreign key.
        db.UniqueConstraint("id", "framework_id"),
        ForeignKeyConstraint(["framework_id"], ["framework.id"]),
    )

    framework_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    theme: Mapped[dict] = mapped_column(JSON)
    text: Mapped[dict] = mapped_column(JSON)
    guidance: Mapped[dict | None] = mapped_column(JSON)
    levels: Mapped[dict | None] = mapped_column(JSON)  # {"3": {"en": ...}}

    section: Mapped[Section] = relationship(back_populates="items")
    framework: Mapped[Framework] = relationship(overlaps="items")

    def theme_in(self, locale: str = "en") -> str:
        return localised(self.theme, locale)

    def descriptor_for(self, value: int, locale: str = "en") -> str:
        """The item's own descriptor for a level, else the framework scale's."""
        own = (self.levels or {}).get(str(value))
        if own:
            return localised(own, locale)
        level = self.framework.level(value)
        return localised(level.descriptor, locale) if level else ""
