"""The same change to evidence sent a dozen times at once, through the pages and the API: one
request wins, every other is told what a single late request would be, and the audit trail holds
one event (STYLE 13). On SQLite and on PostgreSQL alike."""

import pytest
from sqlalchemy import func, select

from tests.conftest import FreshContextClient, page_text, signed_in_browsers
from tests.threads import together
from tracker.auth import tokens
from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.models import AuditEvent, Evidence, EvidenceLink

TIMES = 12


@pytest.fixture
def evidence_item(region):
    details = evidence_ops.Details("Audit report", "audit", region["rsb"].id, None, None)
    return evidence_ops.add_url(
        region["coordinator"], region["rsb"], details, "https://example.org/a"
    )


@pytest.fixture
def browsers(app, region):
    """A dozen browsers, each signed in as the coordinator; a form posted from each of them
    carries that browser's CSRF token from `page`."""

    def _open(page: str) -> list:
        return signed_in_browsers(app, "coord@a.test", page, TIMES)

    return _open


@pytest.fixture
def bearer(app, region):
    app.test_client_class = FreshContextClient
    _token, raw = tokens.issue(region["coordinator"], "races")
    return {"Authorization": f"Bearer {raw}"}


def _statuses(answers) -> list:
    assert not [a for a in answers if isinstance(a, Exception)], answers
    return sorted(a.status_code for a in answers)


def _events(action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_dozen_links_at_once_through_the_pages(browsers, draft, evidence_item):
    path, evidence_id = f"/assessments/{draft.id}/items/A1/evidence", evidence_item.id
    opened = browsers(f"/assessments/{draft.id}/items/A1")
    answers = together(
        TIMES,
        lambda n: opened[n][0].post(
            path, data={"link-evidence": evidence_id, "csrf_token": opened[n][1]}
        ),
    )
    assert _statuses(answers) == [302] + [400] * (TIMES - 1)
    refused = next(a for a in answers if a.status_code == 400)
    assert "already linked to this item" in page_text(refused)
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 1
    assert _events("evidence.linked") == 1


def test_a_dozen_links_at_once_through_the_api(app, bearer, draft, evidence_item):
    path, evidence_id = f"/api/v1/responses/{draft.responses[0].id}/evidence", evidence_item.id
    answers = together(
        TIMES,
        lambda n: app.test_client().post(path, headers=bearer, json={"evidence_id": evidence_id}),
    )
    assert _statuses(answers) == [200] + [422] * (TIMES - 1)
    refused = next(a for a in answers if a.status_code == 422).get_json()["error"]
    assert refused["field"] == "evidence_id" and "already linked" in refused["message"]
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 1
    assert _events("evidence.linked") == 1


@pytest.fixture
def linked(region, draft, evidence_item):
    return evidence_ops.link(region["coordinator"], evidence_item, draft.responses[0], None)


def test_a_dozen_unlinks_at_once_through_the_pages(browsers, draft, linked):
    path = f"/assessments/{draft.id}/evidence-links/{linked.id}/unlink"
    opened = browsers(f"/assessments/{draft.id}/items/A1")
    answers = together(TIMES, lambda n: opened[n][0].post(path, data={"csrf_token": opened[n][1]}))
    assert _statuses(answers) == [302] + [404] * (TIMES - 1)
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 0
    assert _events("evidence.unlinked") == 1


def test_a_dozen_unlinks_at_once_through_the_api(app, bearer, draft, linked):
    path = f"/api/v1/responses/{draft.responses[0].id}/evidence/{linked.evidence_id}"
    answers = together(TIMES, lambda n: app.test_client().delete(path, headers=bearer))
    assert _statuses(answers) == [200] + [404] * (TIMES - 1)
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 0
    assert _events("evidence.unlinked") == 1


def _withdrawn_once(evidence_id: int, reasons: list[str]) -> str:
    """The one reason kept; exactly one withdrawal recorded."""
    db.session.expire_all()
    kept = db.session.get(Evidence, evidence_id).withdrawn_reason
    assert kept in reasons
    assert _events("evidence.withdrawn") == 1
    return kept


def test_a_dozen_withdrawals_at_once_through_the_pages(browsers, region, evidence_item):
    path = f"/evidence/{evidence_item.id}/withdraw"
    opened = browsers(path)
    reasons = [f"Reason number {n}" for n in range(TIMES)]
    answers = together(
        TIMES,
        lambda n: opened[n][0].post(path, data={"reason": reasons[n], "csrf_token": opened[n][1]}),
    )
    assert _statuses(answers) == [302] + [409] * (TIMES - 1)
    kept = _withdrawn_once(evidence_item.id, reasons)
    told = page_text(next(a for a in answers if a.status_code == 409))
    assert "already withdrawn by " + region["coordinator"].name in told and kept in told


def test_a_dozen_withdrawals_at_once_through_the_api(app, bearer, region, evidence_item):
    path = f"/api/v1/evidence/{evidence_item.id}/withdraw"
    reasons = [f"Reason number {n}" for n in range(TIMES)]
    answers = together(
        TIMES,
        lambda n: app.test_client().post(path, headers=bearer, json={"reason": reasons[n]}),
    )
    assert _statuses(answers) == [200] + [409] * (TIMES - 1)
    kept = _withdrawn_once(evidence_item.id, reasons)
    error = next(a for a in answers if a.status_code == 409).get_json()["error"]
    assert error["code"] == "conflict"
    assert region["coordinator"].name in error["message"] and kept in error["message"]


def test_a_late_withdrawal_says_who_withdrew_it_and_why(app, bearer, region, evidence_item):
    path = f"/api/v1/evidence/{evidence_item.id}/withdraw"
    client = app.test_client()
    assert client.post(path, headers=bearer, json={"reason": "Superseded"}).status_code == 200
    again = client.post(path, headers=bearer, json={"reason": "Wrong year"})
    assert again.status_code == 409
    assert "Superseded" in again.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Evidence, evidence_item.id).withdrawn_reason == "Superseded"
