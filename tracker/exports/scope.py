"""The scope of an export: everything a user may see, one region (an RSB and its partner
organisations) or one organisation; with a framework and a cycle, the assessments it covers.

Who may see what comes only from tracker/access.py: `visible_assessments` for assessments,
and the "evidence.add" rule for the evidence libraries a user keeps.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select, true
from sqlalchemy.orm import selectinload

from tracker.access import can, visible_assessments
from tracker.extensions import db
from tracker.models import Assessment, Cycle, Framework, Organisation, User

ALL, REGION, ORGANISATION = "all", "region", "organisation"


@dataclass(frozen=True)
class Scope:
    """Everything the user may see, one region (an RSB and its partners), or one organisation."""

    kind: str = ALL
    organisation: Organisation | None = None  # the organisation, or the region's RSB

    @property
    def value(self) -> str:
        return self.kind if self.kind == ALL else f"{self.kind}-{self.organisation.id}"

    def condition(self, column):
        """A condition on an organisation id column that keeps rows in this scope."""
        if self.kind == ORGANISATION:
            return column == self.organisation.id
        if self.kind == REGION:
            rsb = self.organisation.id
            members = select(Organisation.id).where(
                or_(Organisation.id == rsb, Organisation.region_id == rsb)
            )
            return column.in_(members)
        return true()


def libraries_kept(user: User) -> list[Organisation]:
    """The evidence libraries a user works in (their own, and a contributor's region's)."""
    candidates = [user.organisation, user.organisation.region]
    return [org for org in candidates if org is not None and can(user, "evidence.add", org)]


def _visible_organisations(user: User) -> list[Organisation]:
    """Organisations with something the user may see: an assessment, or a library they keep."""
    with_assessments = visible_assessments(user).with_only_columns(Assessment.organisation_id)
    kept = [org.id for org in libraries_kept(user)]
    return list(
        db.session.scalars(
            select(Organisation)
            .where(or_(Organisation.id.in_(with_assessments), Organisation.id.in_(kept)))
            .options(selectinload(Organisation.region))
        )
    )


def scope_choices(user: User, locale: str = "en") -> tuple[list[Organisation], list[Organisation]]:
    """The regions (by their RSB) and organisations a user may choose as a scope: those with
    something for them to see, in alphabetical order of their names in `locale`."""
    organisations = sorted(_visible_organisations(user), key=lambda o: o.display_name(locale))
    regions = {}
    for org in organisations:
        rsb = org if org.kind == "rsb" else org.region
        if rsb is not None:
            regions[rsb.id] = rsb
    return sorted(regions.values(), key=lambda r: r.display_name(locale)), organisations


def find_scope(user: User, kind: str, organisation_id: int | None) -> Scope | None:
    """The scope asked for, or None when it is not one the user may choose."""
    if kind == ALL:
        return Scope()
    regions, organisations = scope_choices(user)
    offered = regions if kind == REGION else organisations if kind == ORGANISATION else []
    chosen = next((org for org in offered if org.id == organisation_id), None)
    return Scope(kind, chosen) if chosen else None


@dataclass(frozen=True)
class Filters:
    scope: Scope
    framework: Framework | None = None
    cycle: Cycle | None = None

    @property
    def narrowed(self) -> bool:
        return self.framework is not None or self.cycle is not None


def assessment_ids(user: User, filters: Filters):
    """A subquery of the ids of the visible assessments the export covers."""
    query = visible_assessments(user).where(filters.scope.condition(Assessment.organisation_id))
    if filters.framework is not None:
        query = query.where(Assessment.framework_id == filters.framework.id)
    if filters.cycle is not None:
        query = query.where(Assessment.cycle_id == filters.cycle.id)
    return query.with_only_columns(Assessment.id)
