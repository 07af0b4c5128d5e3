"""A bilingual statement cannot quietly contradict itself (issue #17, point 3), and publishing
is a page that says what will happen before anything does (point 13)."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import page_text
from tests.statements.test_pages import build, publish, wales  # noqa: F401 (fixture)
from tracker.extensions import db
from tracker.models import PublishedStatement, Statement


@pytest.fixture
def bilingual(login, post, wales):  # noqa: F811
    login("insp@ciw.test")
    created = build(post, wales, language="both")
    return db.session.get(Statement, int(created.headers["Location"].rsplit("/", 1)[1]))


def section_html(client, statement_id: int, section_id: str) -> str:
    """The builder's block for one section, as a reader of the page sees it."""
    html = page_text(client.get(f"/statements/{statement_id}"))
    start = html.find(f'<div class="app-statement-section" id="{section_id}"')
    assert start >= 0, section_id
    end = html.find('<div class="app-statement-section"', start + 1)
    return html[start : end if end > 0 else len(html)]


def version(statement_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Statement, statement_id).version


def edit(post, statement_id: int, locale: str, key: str, text: str, **headers):
    return post(
        f"/statements/{statement_id}/sections/{locale}/{key}",
        {"version": version(statement_id), "text": text},
        headers=headers or None,
    )


def test_editing_one_language_marks_the_other_as_needing_an_update(client, post, bilingual):
    sid = bilingual.id
    assert "Needs updating" not in page_text(client.get(f"/statements/{sid}"))
    edit(post, sid, "en", "progress", "Notable progress in front doors only.")
    assert "Needs updating" in section_html(client, sid, "cy-progress")
    assert "Needs updating" not in section_html(client, sid, "en-progress")
    assert "Needs updating" not in section_html(client, sid, "cy-remaining")
    editor = page_text(client.get(f"/statements/{sid}/sections/cy/progress"))
    assert "Needs updating" in editor and "The English text of this section changed" in editor

    # Bringing the Welsh up to date clears it, and does not mark the English in turn.
    edit(post, sid, "cy", "progress", "Cynnydd nodedig yn y drws ffrynt yn unig.")
    page = page_text(client.get(f"/statements/{sid}"))
    assert "Needs updating" not in page


def test_someone_may_confirm_the_other_language_still_matches(client, post, bilingual):
    sid = bilingual.id
    edit(post, sid, "cy", "review", "Geiriau newydd.")
    assert "Needs updating" in section_html(client, sid, "en-review")
    confirmed = post(
        f"/statements/{sid}/sections/en/review",
        {"version": version(sid), "confirm": "matches"},
        page=f"/statements/{sid}",
    )
    assert confirmed.status_code == 302
    assert "Needs updating" not in page_text(client.get(f"/statements/{sid}"))
    db.session.expire_all()
    assert "en" not in (db.session.get(Statement, sid).sections or {})  # the text is untouched


def test_the_mark_shows_after_an_edit_in_place(client, post, bilingual):
    sid = bilingual.id
    swapped = edit(post, sid, "en", "progress", "Ours.", **{"HX-Request": "true"})
    html = swapped.get_data(as_text=True)
    # The Welsh section on the page is swapped too, with its new tag.
    assert re.search(r'id="cy-progress"[^>]*hx-swap-oob="true"', html)
    assert "Needs updating" in html


def test_publishing_asks_for_confirmation_while_any_section_differs(client, post, bilingual):
    sid = bilingual.id
    edit(post, sid, "en", "progress", "Notable progress in front doors only.")
    confirm = page_text(client.get(f"/statements/{sid}/publish"))
    assert "may no longer say the same" in confirm
    assert "Notable progress (Cymraeg)" in confirm

    refused = publish(post, sid, version(sid))
    assert refused.status_code == 400
    assert "Confirm that you want to publish" in page_text(refused)
    assert db.session.scalar(select(func.count(PublishedStatement.id))) == 0

    body = post(
        f"/statements/{sid}/publish",
        {"version": version(sid), "differences": "publish"},
        page=f"/statements/{sid}/publish",
    ).get_data(as_text=True)
    assert "Version 1 is published" in body


def test_publishing_is_a_page_that_says_what_will_happen(client, post, login, wales):  # noqa: F811
    login("insp@ciw.test")
    created = build(post, wales)
    sid = int(created.headers["Location"].rsplit("/", 1)[1])
    builder = client.get(f"/statements/{sid}").get_data(as_text=True)
    # The builder's button opens the confirmation page; it publishes nothing itself.
    assert f'action="/statements/{sid}/publish"' not in builder
    assert f'href="/statements/{sid}/publish"' in builder

    confirm = client.get(f"/statements/{sid}/publish")
    text = page_text(confirm)
    assert confirm.status_code == 200
    assert "Publish version 1" in text and "cannot be undone" in text
    assert "anyone can read" in text
    assert "may no longer say the same" not in text  # English only: nothing to compare
    assert db.session.scalar(select(func.count(PublishedStatement.id))) == 0

    body = publish(post, sid, version(sid)).get_data(as_text=True)
    assert "Version 1 is published" in body


TIMES = 12


@pytest.fixture
def inspectors(app, bilingual):
    """A dozen browsers signed in as the inspector, each with its CSRF token."""
    from tests.conftest import TEST_PASSWORD, FreshContextClient, csrf_token

    app.test_client_class = FreshContextClient
    opened = []
    for _n in range(TIMES):
        browser = app.test_client()
        token = csrf_token(browser, "/login")
        browser.post(
            "/login",
            data={"email": "insp@ciw.test", "password": TEST_PASSWORD, "csrf_token": token},
        )
        opened.append((browser, csrf_token(browser, f"/statements/{bilingual.id}")))
    return opened


def events(action: str) -> int:
    from tracker.models import AuditEvent

    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_dozen_identical_edits_and_confirmations_at_once_count_once(post, bilingual, inspectors):
    from tests.threads import together

    sid, at = bilingual.id, version(bilingual.id)
    path = f"/statements/{sid}/sections/en/progress"
    answers = together(
        TIMES,
        lambda n: inspectors[n][0].post(
            path, data={"version": at, "text": "Ours.", "csrf_token": inspectors[n][1]}
        ),
    )
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [302] + [409] * (TIMES - 1)
    assert events("statement.edited") == 1

    at = version(sid)
    path = f"/statements/{sid}/sections/cy/progress"
    answers = together(
        TIMES,
        lambda n: inspectors[n][0].post(
            path, data={"version": at, "confirm": "matches", "csrf_token": inspectors[n][1]}
        ),
    )
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert {a.status_code for a in answers} == {302}  # each told on the statement page
    assert events("statement.section_confirmed") == 1
    db.session.expire_all()
    assert db.session.get(Statement, sid).needs_updating == []
