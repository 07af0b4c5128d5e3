"""Very large records (issue #16 point 7): an item with thousands of evidence links and a
library of thousands of pieces cost the item page the same SQL statements as small ones; the
links are read a page at a time, and the evidence chooser offers a capped list searched in SQL.
Timings at full size (10,000 links, 20,000 pieces) are in `make bench`."""

import re

import pytest

from tests.assessments.test_access_and_queries import _count_queries
from tests.conftest import csrf_token, page_text
from tracker import synthetic
from tracker.evidence import queries as evidence_queries
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import EvidenceLink
from tracker.paging import PER_PAGE

LINKED = re.compile(r'<li class="[^"]*">\s*(?:<del>)?<a class="govuk-link" href="/evidence/(\d+)"')
OPTION = re.compile(r'<option [^>]*value="(\d*)"')


def _grow(draft, links, library):
    synthetic.large_records(draft.responses[0].id, links=links, library=library)
    return draft.responses[0]


def _item(draft, query=""):
    key = draft.responses[0].item.key
    return f"/assessments/{draft.id}/items/{key}{query}"


def test_the_item_page_shows_links_a_page_at_a_time(client, login, draft):
    response = _grow(draft, links=PER_PAGE * 2 + 7, library=0)
    login("coord@a.test")
    first = page_text(client.get(_item(draft)))
    shown = LINKED.findall(first)
    assert len(shown) == PER_PAGE
    assert f"{PER_PAGE * 2 + 7} in all" in first
    assert 'class="govuk-pagination"' in first
    next_page = f"{_item(draft)}?page=2#evidence"
    assert f'href="{next_page}" rel="next"' in first.replace("&amp;", "&")
    last = page_text(client.get(_item(draft, "?page=3")))
    assert len(LINKED.findall(last)) == 7
    assert 'rel="prev"' in last and 'rel="next"' not in last
    # Oldest first, each link once, across the pages.
    every = [
        int(i)
        for n in (1, 2, 3)
        for i in LINKED.findall(page_text(client.get(_item(draft, f"?page={n}"))))
    ]
    linked = db.session.scalars(
        EvidenceLink.__table__.select()
        .with_only_columns(EvidenceLink.evidence_id)
        .where(EvidenceLink.response_id == response.id)
        .order_by(EvidenceLink.id)
    ).all()
    assert every == linked


@pytest.mark.parametrize("page", ["0", "-1", "x", "999"])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, login, draft, page):
    _grow(draft, links=PER_PAGE + 1, library=0)
    login("coord@a.test")
    answer = client.get(_item(draft, f"?page={page}"))
    assert answer.status_code == 200
    assert len(LINKED.findall(page_text(answer))) in (1, PER_PAGE)


def test_the_item_page_costs_the_same_statements_with_many_links_and_a_large_library(
    client, login, draft
):
    _grow(draft, links=3, library=5)
    login("coord@a.test")
    small = _count_queries(client, _item(draft))
    _grow(draft, links=600, library=1500)
    assert _count_queries(client, _item(draft)) == small


def test_the_triangulation_shown_is_counted_from_every_link(client, login, draft):
    response = _grow(draft, links=PER_PAGE * 3, library=0)
    rule = evidence_queries.rule_of(draft.framework)
    pieces = [
        triangulation.Piece(e.kind, e.source_organisation_id, e.is_withdrawn)
        for e in (
            link.evidence for link in evidence_queries.links_by_response([response.id])[response.id]
        )
    ]
    expected = triangulation.level(pieces, rule)
    assert evidence_queries.levels_by_response([response.id], rule) == {response.id: expected}
    login("coord@a.test")
    row = db.session.get(type(response), response.id)
    assert row is not None
    text = page_text(client.get(_item(draft)))
    assert {
        "triangulated": "Triangulated",
        "partial": "Partial",
        "single_source": "Single source",
        "unevidenced": "Unevidenced",
    }[expected] in text


def test_the_chooser_offers_a_capped_list_without_linked_pieces_and_searches_the_rest(
    client, login, draft
):
    response = _grow(draft, links=300, library=evidence_queries.LINKABLE_LIMIT * 3)
    linked = set(
        db.session.scalars(
            EvidenceLink.__table__.select()
            .with_only_columns(EvidenceLink.evidence_id)
            .where(EvidenceLink.response_id == response.id)
        )
    )
    login("coord@a.test")
    text = page_text(client.get(_item(draft)))
    offered = {int(v) for v in OPTION.findall(text) if v}
    assert len(offered) == evidence_queries.LINKABLE_LIMIT
    assert not offered & linked
    # An old piece, beyond the newest offered, is found by its title.
    oldest = evidence_queries.linkable(draft.organisation_id, response.id, "piece 00")
    assert oldest and all(e.id not in linked for e in oldest)
    found = page_text(client.get(_item(draft, f"?find={oldest[0].title}")))
    assert {int(v) for v in OPTION.findall(found) if v} == {oldest[0].id}


# --- issue #17 point 11: an empty choice, refused -------------------------------------------


def test_the_chooser_starts_empty_and_an_empty_choice_is_refused_keeping_the_note(
    client, login, draft
):
    response = _grow(draft, links=1, library=5)
    login("coord@a.test")
    page = page_text(client.get(_item(draft)))
    options = OPTION.findall(page)
    assert options[0] == ""
    assert re.search(r'<option value="" selected>Choose evidence</option>', page)
    answer = client.post(
        f"{_item(draft)}/evidence",
        data={
            "link-evidence": "",
            "link-note": "Shows the audit was done",
            "csrf_token": csrf_token(client, _item(draft)),
        },
    )
    assert answer.status_code == 400
    text = page_text(answer)
    assert "There is a problem" in text
    assert "Choose the evidence to link" in text
    assert 'href="#link-evidence"' in text
    assert "Shows the audit was done" in text
    assert db.session.query(EvidenceLink).filter_by(response_id=response.id).count() == 1


def test_the_upload_page_for_an_item_costs_the_same_statements_with_many_links(
    client, login, draft
):
    upload = f"/evidence/new?assessment={draft.id}&item={draft.responses[0].item.key}"
    _grow(draft, links=3, library=0)
    login("coord@a.test")
    small = _count_queries(client, upload)
    _grow(draft, links=600, library=0)
    assert _count_queries(client, upload) == small
