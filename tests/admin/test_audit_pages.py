"""Administration: the audit log, its filters, its pages and its CSV (issue #15)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import event as sql_event

from tests.conftest import date_parts, page_text
from tracker.extensions import db
from tracker.models import AuditEvent

ROW = re.compile(r'<tr class="govuk-table__row app-audit-event" id="event-(\d+)">')


@pytest.fixture
def admin(make_org, make_user, login):
    user = make_user("admin", make_org("national"), email="admin@national.test")
    login(user.email)
    return user


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _event(user, action, entity_name, entity_id, at, before=None, after=None) -> AuditEvent:
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        action=action,
        entity=entity_name,
        entity_id=entity_id,
        at=at,
        before=before,
        after=after,
    )
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def history(admin, make_org, make_user):
    """Four events in early 2026 by two people of two organisations and by the system."""
    org_a, org_b = make_org(code="ORG-A", name="Alpha Board"), make_org(code="ORG-B")
    alice = make_user(organisation=org_a, email="alice@alpha.test", name="Alice")
    bob = make_user(organisation=org_b, email="bob@beta.test", name="Bob")
    events = {
        "invited": _event(alice, "user.invited", "user_account", bob.id, _at("2026-01-10")),
        "renamed": _event(
            bob,
            "organisation.changed",
            "organisation",
            org_b.id,
            _at("2026-02-15"),
            before={"name": "Old name"},
            after={"name": "New name"},
        ),
        "retired": _event(alice, "framework.retired", "framework", 7, _at("2026-03-20", 23)),
        "started": _event(None, "assessment.started", "assessment", 3, _at("2026-03-25")),
    }
    return {"alice": alice, "bob": bob, "org_a": org_a, "org_b": org_b, **events}


def _rows(response) -> list[int]:
    assert response.status_code == 200, page_text(response)[:2000]
    return [int(n) for n in ROW.findall(response.get_data(as_text=True))]


def _ids(history, *names) -> list[int]:
    return [history[name].id for name in names]


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
@pytest.mark.parametrize("role, kind", [("coordinator", "rsb"), ("inspector", "inspectorate")])
def test_only_administrators_read_the_log(client, login, make_org, make_user, path, role, kind):
    login(make_user(role, make_org(kind)).email)
    assert client.get(path).status_code == 403


def test_every_event_newest_first(client, history):
    rows = _rows(client.get("/admin/audit"))
    # The administrator's own sign-in, today, comes first.
    assert rows[1:] == _ids(history, "started", "retired", "renamed", "invited")
    assert db.session.get(AuditEvent, rows[0]).action == "user.signed_in"


def boxes(query: str) -> str:
    """A query with each `date_from=…`/`date_to=…` sent as the date input's three boxes."""
    return re.sub(
        r"\b(date_(?:from|to))=([^&]*)", lambda m: urlencode(date_parts(m[1], m[2])), query
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("person=alice", ["retired", "invited"]),
        ("person=BETA.TEST", ["renamed"]),
        ("organisation={org_a}", ["retired", "invited"]),
        ("organisation={org_b}", ["renamed"]),
        ("action=organisation.changed", ["renamed"]),
        ("entity=framework", ["retired"]),
        ("entity=user_account&entity_id={bob}&date_to=2026-12-01", ["invited"]),
        ("entity=framework&entity_id=8", []),
        ("date_from=2026-02-01&date_to=2026-03-20", ["retired", "renamed"]),
        ("date_from=21/03/2026&date_to=31/03/2026", ["started"]),
        ("date_to=2026-01-10", ["invited"]),
        ("person=alice&action=user.invited", ["invited"]),
    ],
)
def test_each_filter_narrows_the_list(client, history, query, expected):
    query = query.format(
        org_a=history["org_a"].id, org_b=history["org_b"].id, bob=history["bob"].id
    )
    response = client.get(f"/admin/audit?{boxes(query)}")
    assert _rows(response) == _ids(history, *expected)
    if not expected:
        assert "No event matches these filters." in page_text(response)


def test_the_filters_offer_the_actions_and_objects_recorded(client, history):
    page = page_text(client.get("/admin/audit"))
    for action in ("user.invited", "organisation.changed", "framework.retired"):
        assert f'<option value="{action}">{action}</option>' in page
    assert '<option value="framework">framework</option>' in page
    assert "Alpha Board" in page


def test_a_date_evening_in_summer_time_counts_on_its_own_day(client, history):
    """23:30 UTC on 20 June is 00:30 on 21 June in Wales."""
    late = _event(None, "cycle.changed", "cycle", 1, _at("2026-06-20", 23) + timedelta(minutes=30))
    on_21 = boxes("date_from=2026-06-21&date_to=2026-06-21")
    on_20 = boxes("date_from=2026-06-20&date_to=2026-06-20")
    assert _rows(client.get(f"/admin/audit?{on_21}")) == [late.id]
    assert _rows(client.get(f"/admin/audit?{on_20}")) == []


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2026-02-30", "The 'from' date must be a real date"),
        ("date_to-day=yesterday&date_to-month=1&date_to-year=2026", "The 'to' date must be a real"),
        ("date_to-day=1&date_to-year=2026", "The 'to' date must include a month"),
        ("date_from=2026-03-01&date_to=2026-02-01", "must be the same as or after the 'from'"),
        ("entity_id=abc", "Enter the object number as a whole number"),
    ],
)
def test_filters_that_are_not_right_get_a_clear_message(client, history, query, message):
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(f"{path}?{boxes(query)}")
        assert response.status_code == 400
        page = page_text(response)
        assert "There is a problem" in page and message in page
        assert not ROW.search(page)


def test_before_and_after_are_shown_readably(client, history):
    page = page_text(client.get("/admin/audit?action=organisation.changed"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "name Old name → changed to New name" in text
    assert "Bob bob@beta.test" in text
    system = page_text(client.get("/admin/audit?action=assessment.started"))
    assert "The system" in system


def _many(count: int, start: datetime) -> None:
    db.session.add_all(
        AuditEvent(
            action="cycle.changed",
            entity="cycle",
            entity_id=n,
            at=start + timedelta(minutes=n),
            after={"n": n},
        )
        for n in range(1, count + 1)
    )
    db.session.commit()


def test_pages_of_fifty(client, admin):
    _many(120, _at("2026-01-01"))
    query = "/admin/audit?action=cycle.changed"
    first, third = client.get(query), client.get(f"{query}&page=3")
    entity_ids = lambda response: [  # noqa: E731
        db.session.get(AuditEvent, n).entity_id for n in _rows(response)
    ]
    assert entity_ids(first) == list(range(120, 70, -1))
    assert entity_ids(third) == list(range(20, 0, -1))
    page = page_text(first)
    assert "120 in all" in page
    assert "page=2" in page and 'rel="next"' in page and "action=cycle.changed" in page
    assert entity_ids(client.get(f"{query}&page=2")) == list(range(70, 20, -1))


def _statements_for(client, path: str) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sql_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        sql_event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_a_page_reads_one_page_of_events_whatever_the_log_holds(client, admin, make_user):
    def people_act(count: int, day: str):
        for n in range(count):  # each of a different organisation
            person = make_user()
            _event(person, "user.changed", "user_account", person.id, _at(day, n))

    people_act(2, "2026-01-02")
    _many(60, _at("2026-01-01"))
    small = _statements_for(client, "/admin/audit")
    people_act(12, "2026-01-03")
    _many(600, _at("2025-01-01"))
    large = _statements_for(client, "/admin/audit")
    assert len(large) == len(small)
    events = [s for s in large if "FROM audit_event" in s and "count(" not in s.lower()]
    assert any("LIMIT" in s.upper() for s in events)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=audit-log.csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "query", ["person=alice", "date_from=2026-02-01&date_to=2026-03-31", "entity=organisation"]
)
def test_the_csv_holds_the_filtered_rows(client, history, query):
    query = boxes(query)
    page = _rows(client.get(f"/admin/audit?{query}"))
    rows = _csv(client.get(f"/admin/audit.csv?{query}"))
    assert rows[0][:5] == [
        "When (UTC)",
        "Person",
        "E-mail address",
        "Organisation",
        "Kind of change",
    ]
    expected = [db.session.get(AuditEvent, n) for n in page]
    assert [(r[4], r[5], r[6]) for r in rows[1:]] == [
        (e.action, e.entity, str(e.entity_id)) for e in expected
    ]


def test_the_csv_shows_changes_and_neutralises_formulas(client, history, make_user):
    sneaky = make_user(name='=HYPERLINK("http://example.test","x")', email="sneaky@x.test")
    _event(
        sneaky,
        "user.changed",
        "user_account",
        sneaky.id,
        _at("2026-01-05"),
        before={"name": "Ann"},
        after={"name": "=1+2"},
    )
    rows = _csv(client.get("/admin/audit.csv?person=sneaky"))
    assert len(rows) == 2
    when, person, email, org, action, entity, entity_id, changes, before, after = rows[1]
    assert person == '\'=HYPERLINK("http://example.test","x")'
    assert (email, action, when) == ("sneaky@x.test", "user.changed", "2026-01-05T12:00:00+00:00")
    assert changes == "name: Ann → =1+2"
    assert (before, after) == ('{"name": "Ann"}', '{"name": "=1+2"}')
    renamed = _csv(client.get("/admin/audit.csv?action=organisation.changed"))[1]
    assert renamed[1:4] == ["Bob", "bob@beta.test", "ORG-B"]
