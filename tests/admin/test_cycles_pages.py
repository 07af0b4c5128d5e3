"""Reporting cycles in the administration area (issue #15): the list, opening the next cycle
with its label and dates suggested, changing dates with each refusal against its field, and
closing. Which cycle is current follows the window that contains today, with "today" fixed."""

import re
import threading
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import page_text, with_dates
from tracker import cycles
from tracker.extensions import db
from tracker.models import AuditEvent, Cycle, User
from tracker.models.base import utcnow

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


@pytest.fixture
def world(make_org, make_user, make_cycle):
    make_user("admin", make_org("national", code="NAT"), email="admin@wales.test")
    make_user("coordinator", make_org("rsb", code="RSB-A"), email="coord@a.test")
    return {"old": make_cycle("2025–26", 2025), "running": make_cycle("2026–27", 2026)}


@pytest.fixture
def as_admin(world, login):
    login("admin@wales.test")


def _add(label, opens, due, closes, closed=False) -> Cycle:
    cycle = Cycle(label=label, opens_on=opens, due_on=due, closes_on=closes)
    if closed:
        cycle.closed_at = utcnow()
    db.session.add(cycle)
    db.session.commit()
    return cycle


def _status_of(html: str, label: str) -> str:
    """The text of the list's row for the cycle `label`."""
    row = html.split(f">{label}<span")[1].split("</tr>")[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def test_the_list_shows_every_cycle_with_its_dates_and_which_is_current(client, as_admin):
    _add("2027–28", date(2027, 4, 1), date(2028, 1, 31), date(2028, 3, 31))
    html = client.get("/admin/cycles").get_data(as_text=True)
    assert "31 January 2027" in _status_of(html, "2026–27")
    assert "Current" in _status_of(html, "2026–27")
    assert "Not open yet" in _status_of(html, "2027–28")  # a future cycle does not take over
    assert "Ended" in _status_of(html, "2025–26")
    assert html.index("2027–28") < html.index("2026–27") < html.index("2025–26")


@pytest.mark.parametrize(
    "on, expected",
    [
        (date(2026, 12, 3), "2026–27"),  # inside its window
        (date(2027, 3, 31), "2026–27"),  # its last day
        (date(2027, 4, 1), "2027–28"),  # the next one's first day
        (date(2027, 3, 1), "2026–27"),  # the next one exists but has not opened
    ],
)
def test_a_future_cycle_never_hides_the_one_in_progress(world, on, expected):
    _add("2027–28", date(2027, 4, 1), date(2028, 1, 31), date(2028, 3, 31))
    assert cycles.current_cycle(on).label == expected


def test_between_cycles_the_latest_opened_is_current(world):
    _add("2028–29", date(2028, 6, 1), date(2029, 1, 31), date(2029, 3, 31))
    assert cycles.current_cycle(date(2027, 5, 1)).label == "2026–27"
    assert not cycles.current_cycle(date(2027, 5, 1)).contains(date(2027, 5, 1))


def test_the_new_cycle_form_suggests_the_next_label_and_dates(client, as_admin):
    html = client.get("/admin/cycles/new").get_data(as_text=True)
    assert 'value="2027–28"' in html
    for name, day in (
        ("opens_on", "1 4 2027"),
        ("due_on", "31 1 2028"),
        ("closes_on", "31 3 2028"),
    ):
        for part, value in zip(("day", "month", "year"), day.split(), strict=True):
            assert f'name="{name}-{part}" type="text" inputmode="numeric" value="{value}"' in html


def test_with_no_cycle_yet_it_suggests_this_financial_year(client, login, make_org, make_user):
    make_user("admin", make_org("national"), email="first@wales.test")
    login("first@wales.test")
    html = client.get("/admin/cycles/new").get_data(as_text=True)
    assert 'value="2026–27"' in html
    for part, value in (("day", "1"), ("month", "4"), ("year", "2026")):
        assert f'name="opens_on-{part}" type="text" inputmode="numeric" value="{value}"' in html


@pytest.mark.parametrize("opens_on", ["2027-04-01", "1/4/2027"])  # with or without noughts
def test_open_a_cycle(client, as_admin, post, opens_on):
    response = post(
        "/admin/cycles/new",
        with_dates(
            {
                "label": "2027-28",
                "opens_on": opens_on,
                "due_on": "2028-01-31",
                "closes_on": "31/03/2028",
            },
            *DATES,
        ),
    )
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.label == "2027–28"))
    assert (cycle.opens_on, cycle.due_on, cycle.closes_on) == (
        date(2027, 4, 1),
        date(2028, 1, 31),
        date(2028, 3, 31),
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.opened"))
    assert "Cycle 2027–28 opened." in page_text(client.get("/admin/cycles"))


DATES = ("opens_on", "due_on", "closes_on")
NEXT = {
    "label": "2027–28",
    "opens_on": "2027-04-01",
    "due_on": "2028-01-31",
    "closes_on": "2028-03-31",
}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"label": ""}, "label", "Enter a label for the cycle"),
        ({"label": "next year"}, "label", "Enter the label as two years"),
        (
            {
                "label": "2026–27",
                "opens_on": "2030-04-01",
                "due_on": "2031-01-31",
                "closes_on": "2031-03-31",
            },
            "label",
            "A cycle called 2026–27 exists already.",
        ),
        ({"due_on": "2027-03-31"}, "due_on", "The due date must be on or after"),
        ({"closes_on": "2028-01-30"}, "closes_on", "The cycle must close on or after its due"),
        ({"opens_on": "2027-03-31"}, "opens_on", "These dates overlap the cycle 2026–27"),
        ({"opens_on": "2025-01-01"}, "opens_on", "These dates overlap the cycle 2025–26"),
        ({"opens_on": "31/02/2027"}, "opens_on", "The date the cycle opens must be a real date"),
        ({"due_on-day": "tomorrow"}, "due_on", "The due date must be a real date"),
        ({"due_on-month": ""}, "due_on", "The due date must include a month"),
        ({"closes_on": "2028-13-01"}, "closes_on", "The date the cycle closes must be a real"),
        ({"closes_on": ""}, "closes_on", "Enter the date the cycle closes"),
    ],
)
def test_each_refusal_is_shown_against_its_field_with_the_typed_values_kept(
    client, as_admin, post, change, field, message
):
    boxes = {k: v for k, v in change.items() if "-" in k}  # boxes typed one by one
    data = {**with_dates({**NEXT, **change}, *DATES), **boxes}
    response = post("/admin/cycles/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert f'href="#{field}' in summary and message in unescape(summary)
    assert f'id="{field}-error"' in html
    assert f'value="{data["label"]}"' in html
    for name, value in data.items():  # what was typed, even if not a date
        if name not in ("label", "csrf_token"):
            assert f'name="{name}" type="text" inputmode="numeric" value="{value}"' in html, name
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


def test_change_a_cycles_dates(client, as_admin, post, world):
    running = world["running"]
    response = post(
        f"/admin/cycles/{running.id}/edit",
        with_dates(
            {
                "label": "2026–27",
                "opens_on": "2026-04-01",
                "due_on": "2027-02-28",
                "closes_on": "2027-03-31",
            },
            *DATES,
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert running.due_on == date(2027, 2, 28)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.changed"))
    assert event.before == {"due_on": "2027-01-31"} and event.after == {"due_on": "2027-02-28"}


def test_a_change_that_would_overlap_is_refused(client, as_admin, post, world):
    running = world["running"]
    response = post(
        f"/admin/cycles/{running.id}/edit",
        with_dates(
            {
                "label": "2026–27",
                "opens_on": "2026-03-01",
                "due_on": "2027-01-31",
                "closes_on": "2027-03-31",
            },
            *DATES,
        ),
    )
    assert response.status_code == 400
    assert "These dates overlap the cycle 2025–26" in page_text(response)
    db.session.expire_all()
    assert running.opens_on == date(2026, 4, 1)


def test_close_a_cycle(client, as_admin, post, world):
    running = world["running"]
    edit = f"/admin/cycles/{running.id}/edit"
    assert "cannot be undone" in page_text(client.get(edit))
    response = post(f"/admin/cycles/{running.id}/close", {}, page=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert running.closed_at is not None
    html = client.get("/admin/cycles").get_data(as_text=True)
    assert "Closed on" in _status_of(html, "2026–27")
    # Closed, it is no longer current: the latest cycle that opened is, here itself (ended).
    assert not cycles.current_cycle(TODAY).contains(TODAY)
    # Closing twice changes nothing and says so.
    post(f"/admin/cycles/{running.id}/close", {}, page="/admin/cycles")
    assert "was already closed" in page_text(client.get("/admin/cycles"))
    closed = select(func.count(AuditEvent.id)).where(AuditEvent.action == "cycle.closed")
    assert db.session.scalar(closed) == 1


@pytest.mark.parametrize(
    "path, method",
    [
        ("/admin/cycles", "get"),
        ("/admin/cycles/new", "get"),
        ("/admin/cycles/new", "post"),
        ("/admin/cycles/{id}/edit", "get"),
        ("/admin/cycles/{id}/edit", "post"),
        ("/admin/cycles/{id}/close", "post"),
    ],
)
def test_only_administrators_may_use_them(client, login, world, post, path, method):
    login("coord@a.test")
    path = path.format(id=world["running"].id)
    if method == "get":
        response = client.get(path)
    else:
        response = post(path, {**NEXT, "label": "2031–32"}, page="/account")
    assert response.status_code == 403
    db.session.expire_all()
    assert world["running"].closed_at is None
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


def test_an_unknown_cycle_is_not_found(client, as_admin):
    assert client.get("/admin/cycles/999999/edit").status_code == 404


def test_two_closes_at_once_close_it_once(app, world):
    admin = db.session.scalar(select(User).where(User.email == "admin@wales.test"))
    ids = (admin.id, world["running"].id)
    db.session.commit()
    barrier = threading.Barrier(2)
    results = []

    def close():
        with app.app_context():
            try:
                actor, cycle = db.session.get(User, ids[0]), db.session.get(Cycle, ids[1])
                barrier.wait()
                results.append(cycles.close_cycle(actor, cycle))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    closed = select(func.count(AuditEvent.id)).where(AuditEvent.action == "cycle.closed")
    assert db.session.scalar(closed) == 1
