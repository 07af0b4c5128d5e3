"""A response with very many evidence links (issue #16 point 7): the API answers with its first
links, how many there are and where the next page is, never the whole list; GET and PATCH read
it in at most six SQL statements, however many links it has."""

import pytest
from sqlalchemy import event, select

from tracker import synthetic
from tracker.api.responses import FIRST_LINKS
from tracker.evidence import queries as evidence_queries
from tracker.extensions import db
from tracker.models import EvidenceLink


def _linked(response_id) -> list[int]:
    return list(
        db.session.scalars(
            select(EvidenceLink.evidence_id)
            .where(EvidenceLink.response_id == response_id)
            .order_by(EvidenceLink.id)
        )
    )


@pytest.fixture
def large(draft):
    response = draft.responses[0]
    synthetic.large_records(response.id, links=FIRST_LINKS * 2 + 30, library=0)
    return response.id


def test_a_response_carries_its_first_links_a_total_and_the_next_page(client, coordinator, large):
    body = client.get(f"/api/v1/responses/{large}", headers=coordinator).get_json()
    every = _linked(large)
    assert body["evidence_ids"] == every[:FIRST_LINKS]
    assert [link["evidence_id"] for link in body["evidence_links"]] == every[:FIRST_LINKS]
    assert body["evidence_links_total"] == len(every)
    read = []
    url = body["evidence_links_next"]
    assert url == f"/api/v1/responses/{large}/evidence?page=2&per_page={FIRST_LINKS}"
    for page in (2, 3):
        answer = client.get(url, headers=coordinator).get_json()
        assert answer["page"] == page and answer["total"] == len(every)
        read += [link["evidence_id"] for link in answer["items"]]
        url = url.replace(f"page={page}", f"page={page + 1}")
    assert body["evidence_ids"] + read == every
    assert client.get(url, headers=coordinator).get_json()["items"] == []


def test_a_response_with_few_links_has_them_all_and_no_next_page(client, coordinator, draft):
    response = draft.responses[1]
    synthetic.large_records(response.id, links=3, library=0)
    body = client.get(f"/api/v1/responses/{response.id}", headers=coordinator).get_json()
    assert body["evidence_ids"] == _linked(response.id)
    assert body["evidence_links_total"] == 3
    assert body["evidence_links_next"] is None
    listed = client.get(f"/api/v1/responses/{response.id}/evidence", headers=coordinator)
    assert [link["evidence_id"] for link in listed.get_json()["items"]] == _linked(response.id)


def test_patch_answers_with_the_first_page_of_links_only(client, coordinator, large):
    version = client.get(f"/api/v1/responses/{large}", headers=coordinator).get_json()["version"]
    answer = client.patch(
        f"/api/v1/responses/{large}",
        json={"version": version, "narrative": "Changed"},
        headers=coordinator,
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["narrative"] == "Changed" and body["version"] == version + 1
    assert len(body["evidence_links"]) == FIRST_LINKS
    assert body["evidence_links_total"] == FIRST_LINKS * 2 + 30
    assert body["evidence_links_next"]


def test_the_responses_list_carries_each_ones_first_links(client, coordinator, draft, large):
    body = client.get(f"/api/v1/assessments/{draft.id}/responses", headers=coordinator).get_json()
    mine = next(r for r in body["items"] if r["id"] == large)
    assert len(mine["evidence_links"]) == FIRST_LINKS
    assert mine["evidence_links_total"] == FIRST_LINKS * 2 + 30


@pytest.mark.parametrize("query", ["page=0", "per_page=101", "page=x"])
def test_a_bad_page_of_links_is_a_400(client, coordinator, large, query):
    answer = client.get(f"/api/v1/responses/{large}/evidence?{query}", headers=coordinator)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_request"


def test_another_organisations_links_are_not_found(client, people, token, large):
    outsider = token("coord@b.test")
    assert client.get(f"/api/v1/responses/{large}/evidence", headers=outsider).status_code == 404


def _statements(client, method, path, headers, **kwargs) -> tuple[int, object]:
    counted = []

    def count(*_args):
        counted.append(1)

    client.open(path, method=method, headers=headers, **kwargs)  # the token's last use noted
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = client.open(path, method=method, headers=headers, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert answer.status_code == 200, answer.get_json()
    return len(counted), answer


def test_reading_a_response_takes_at_most_six_statements_however_many_links(
    client, coordinator, draft, large
):
    few = draft.responses[1].id
    synthetic.large_records(few, links=2, library=0)
    path = "/api/v1/responses/{}"
    small, _ = _statements(client, "GET", path.format(few), coordinator)
    big, answer = _statements(client, "GET", path.format(large), coordinator)
    assert big == small <= 6, (small, big)
    level = evidence_queries.levels_by_response([large], evidence_queries.rule_of(draft.framework))[
        large
    ]
    assert answer.get_json()["triangulation"] == level
