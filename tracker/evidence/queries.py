"""Evidence read: a library filtered, what may be linked, where a piece is used, each
response's links, and triangulation counted by the database. Other areas read evidence here."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, column, distinct, exists, func, or_, select, table
from sqlalchemy.orm import joinedload, selectinload

from tracker.evidence import pii, triangulation
from tracker.extensions import db
from tracker.models import Assessment, Evidence, EvidenceLink, Organisation, Response
from tracker.models.evidence import EVIDENCE_KINDS

# Every column that names a file in the store: evidence, and each published statement's frozen
# web page and PDF. Sweeping and backups must both know all of them.
STORED_FILE_COLUMNS = (
    ("evidence", "sha256"),
    ("published_statement", "pdf_sha256"),
    ("published_statement", "html_sha256"),
)


def referenced_addresses(connection=None, columns=STORED_FILE_COLUMNS) -> set[str]:
    """The store addresses the database refers to (through `connection`, e.g. a backup's
    snapshot, or the app's session), in `columns` (those an older schema has)."""
    run = connection if connection is not None else db.session
    found: set[str] = set()
    for table_name, column_name in columns:
        col = column(column_name)
        found.update(
            run.execute(select(col).select_from(table(table_name)).where(col.is_not(None)))
            .scalars()
            .all()
        )
    return found


@dataclass
class Filters:
    kind: str | None = None
    source_id: int | None = None
    linked: str | None = None  # "linked" | "unlinked"
    withdrawn: bool = False
    search: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character \\) for lower-cased text containing `text`, taken
    literally: a %, _ or \\ typed by the user matches only itself."""
    literal = text.strip().lower()
    for special in ("\\", "%", "_"):
        literal = literal.replace(special, "\\" + special)
    return f"%{literal}%"


def library(org: Organisation, filters: Filters) -> Select:
    """A query of an organisation's evidence, newest first, with the filters applied."""
    query = (
        select(Evidence)
        .where(Evidence.organisation_id == org.id)
        .options(selectinload(Evidence.source_organisation), selectinload(Evidence.links))
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
    )
    if not filters.withdrawn:
        query = query.where(Evidence.withdrawn_at.is_(None))
    if filters.kind in EVIDENCE_KINDS:
        query = query.where(Evidence.kind == filters.kind)
    if filters.source_id:
        query = query.where(Evidence.source_organisation_id == filters.source_id)
    used = exists().where(EvidenceLink.evidence_id == Evidence.id)
    if filters.linked == "linked":
        query = query.where(used)
    elif filters.linked == "unlinked":
        query = query.where(~used)
    if filters.search:
        pattern = contains_pattern(filters.search)
        query = query.where(
            or_(
                func.lower(Evidence.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(Evidence.description, "")).like(pattern, escape="\\"),
            )
        )
    if filters.date_from:
        query = query.where(Evidence.evidence_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Evidence.evidence_date <= filters.date_to)
    return query


# A library gathers evidence cycle after cycle; a choice list offers the newest this many, so an
# item page costs the same in the tenth year as in the first (DESIGN §10).
LINKABLE_LIMIT = 200


def linkable(organisation_id: int, response_id: int, title: str | None = None) -> list[Evidence]:
    """The library's current evidence not yet linked to this response, whose title contains
    `title` if given: the newest LINKABLE_LIMIT pieces, by title, with their source
    organisations loaded. Searching by title reaches pieces older than the newest."""
    # The database leaves out what is linked: a response may have thousands of links, which
    # are never read here.
    linked = exists().where(
        EvidenceLink.evidence_id == Evidence.id, EvidenceLink.response_id == response_id
    )
    newest = (
        select(Evidence)
        .where(
            Evidence.organisation_id == organisation_id, Evidence.withdrawn_at.is_(None), ~linked
        )
        # In the library's own order, which its index gives without sorting the library.
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        .limit(LINKABLE_LIMIT)
        .options(selectinload(Evidence.source_organisation))
    )
    if title and title.strip():
        newest = newest.where(func.lower(Evidence.title).like(contains_pattern(title), escape="\\"))
    return sorted(db.session.scalars(newest), key=lambda e: (e.title, e.id))


def is_linked(evidence_id, response_id: int) -> bool:
    """Whether this evidence is linked to this response now."""
    return bool(
        db.session.scalar(
            select(EvidenceLink.id).where(
                EvidenceLink.evidence_id == evidence_id, EvidenceLink.response_id == response_id
            )
        )
    )


def where_used(evidence: Evidence) -> list[EvidenceLink]:
    """The responses an item of evidence is linked to, each with its item and its assessment
    (with cycle and reviewers): two statements, however many links."""
    response = joinedload(EvidenceLink.response)
    assessment = response.joinedload(Response.assessment)
    return list(
        db.session.scalars(
            select(EvidenceLink)
            .where(EvidenceLink.evidence_id == evidence.id)
            .options(
                response.joinedload(Response.item),
                assessment.joinedload(Assessment.cycle),
                assessment.selectinload(Assessment.assignments),
            )
        )
    )


def links_of(response_id: int) -> Select:
    """A query of a response's links, oldest first, with their evidence and its source: for
    reading a page at a time (a response may have thousands)."""
    return (
        select(EvidenceLink)
        .where(EvidenceLink.response_id == response_id)
        .options(selectinload(EvidenceLink.evidence).selectinload(Evidence.source_organisation))
        .order_by(EvidenceLink.id)
    )


def kinds_and_sources(*columns) -> Select:
    """A query of `columns` of responses with, for each response, how many different kinds and
    different source organisations its current (not withdrawn) linked evidence has: counted by
    the database, one row per response however many links it has. Add a where clause."""
    current = (Evidence.id == EvidenceLink.evidence_id) & Evidence.withdrawn_at.is_(None)
    return (
        select(
            *columns,
            func.count(distinct(Evidence.kind)),
            func.count(distinct(Evidence.source_organisation_id)),
        )
        .select_from(Response)
        .outerjoin(EvidenceLink, EvidenceLink.response_id == Response.id)
        .outerjoin(Evidence, current)
        .group_by(Response.id, *(c for c in columns if c is not Response.id))
    )


def levels_by_response(response_ids, rule: triangulation.Rule) -> dict[int, str]:
    """The triangulation level of each of these responses, counted by the database."""
    rows = db.session.execute(kinds_and_sources(Response.id).where(Response.id.in_(response_ids)))
    return {
        response_id: triangulation.level_of_counts(kinds, sources, rule)
        for response_id, kinds, sources in rows
    }


def summaries_by_response(response_ids, rule: triangulation.Rule) -> dict[int, dict]:
    """What each of these responses' evidence amounts to now, as triangulation.summary says:
    from kinds_and_sources grouped by kind and source, so one row per different kind and source
    of current evidence, however many links there are."""
    rows = db.session.execute(
        kinds_and_sources(Response.id, Evidence.kind, Evidence.source_organisation_id).where(
            Response.id.in_(response_ids)
        )
    )
    pieces: dict[int, list[triangulation.Piece]] = {rid: [] for rid in response_ids}
    for response_id, kind, source_id, _kinds, _sources in rows:
        if kind is not None:  # the outer join's empty row: no current evidence
            pieces[response_id].append(triangulation.Piece(kind, source_id))
    return {rid: triangulation.summary(found, rule) for rid, found in pieces.items()}


def links_by_response(response_ids: list[int]) -> dict[int, list[EvidenceLink]]:
    """Every link of these responses, with its evidence, in one query."""
    links = db.session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.response_id.in_(response_ids))
        .options(selectinload(EvidenceLink.evidence).selectinload(Evidence.source_organisation))
        .order_by(EvidenceLink.id)
    ).all()
    grouped: dict[int, list[EvidenceLink]] = {rid: [] for rid in response_ids}
    for link_row in links:
        grouped[link_row.response_id].append(link_row)
    return grouped


def pieces_by_response(response_ids) -> dict[int, list[triangulation.Piece]]:
    """The linked evidence of these responses (ids, or a query of ids) as triangulation sees
    it, in two queries; a response with none maps to an empty list."""
    links = db.session.execute(
        select(EvidenceLink.response_id, EvidenceLink.evidence_id).where(
            EvidenceLink.response_id.in_(response_ids)
        )
    ).all()
    # The evidence is then read by its ids, not joined: given a join, PostgreSQL's default
    # costs read the whole evidence table to hash it, so a page slowed as the library grew
    # (DESIGN §10); by ids it reads only the rows wanted, whatever the library's size.
    evidence = {
        evidence_id: triangulation.Piece(kind, source_id, withdrawn_at is not None)
        for evidence_id, kind, source_id, withdrawn_at in db.session.execute(
            select(
                Evidence.id, Evidence.kind, Evidence.source_organisation_id, Evidence.withdrawn_at
            ).where(Evidence.id.in_({evidence_id for _r, evidence_id in links}))
        )
    }
    pieces: dict[int, list[triangulation.Piece]] = defaultdict(list)
    for response_id, evidence_id in links:
        pieces[response_id].append(evidence[evidence_id])
    return pieces


def rule_of(framework) -> triangulation.Rule:
    return triangulation.Rule(framework.min_kinds, framework.min_sources, framework.required_from)


def pii_warnings(rows) -> list[tuple]:
    """Likely personal data in the narratives and linked evidence of task-list rows, as
    (item, evidence or None, kinds) for the submit page; the matched text is never kept."""
    found = []
    for row in rows:
        response = row.response
        text = " ".join(filter(None, [response.narrative, response.impact_measure]))
        kinds = pii.scan_text(text)
        if kinds:
            found.append((row.item, None, kinds))
        for link_row in row.links:
            if link_row.evidence.pii_warnings and not link_row.evidence.is_withdrawn:
                found.append((row.item, link_row.evidence, link_row.evidence.pii_warnings))
    return found
