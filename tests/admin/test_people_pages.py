"""The administration area's People pages (issue #15): the list and its filters, inviting
through the form with the e-mail at a real SMTP server, every refusal in the form's error
summary, a delegating coordinator's narrower view, unlocking, deactivating (which ends the
person's sessions and tokens at once) and reactivating."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD, csrf_token, page_text
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, User
from tracker.models.base import utcnow
from tracker.notifications import mail

LINK = re.compile(r"http://[^\s]+(/password/set/[A-Za-z0-9_-]+)")
ROW = re.compile(r'<th scope="row" class="govuk-table__header"><a [^>]*>([^<]+)</a>')


@pytest.fixture
def world(make_org, make_user):
    """The national team, two regions each with a council, an inspectorate, and people."""
    national = make_org("national", code="NAT", name="National team")
    rsb = make_org("rsb", code="RSB-A", name="Region A Board", name_cy="Bwrdd Rhanbarth A")
    council = make_org("local_authority", region=rsb, code="LA-A", name="Region A Council")
    other = make_org("rsb", code="RSB-B", name="Region B Board")
    other_council = make_org("local_authority", region=other, code="LA-B", name="Region B Council")
    inspectorate = make_org("inspectorate", code="CIW", name="Care Inspectorate")
    return {
        "national": national,
        "rsb": rsb,
        "council": council,
        "other": other,
        "other_council": other_council,
        "inspectorate": inspectorate,
        "admin": make_user("admin", national, email="admin@tracker.test", name="Ada Admin"),
        "coordinator": make_user("coordinator", rsb, email="coord@a.test", name="Cai Coordinator"),
        "contributor": make_user("contributor", council, email="con@a.test", name="Carys Con"),
        "far": make_user("contributor", other_council, email="far@b.test", name="Fred Far"),
        "inspector": make_user("inspector", inspectorate, email="insp@ciw.test", name="Ifan"),
    }


@pytest.fixture
def as_admin(world, login):
    assert login(world["admin"].email).status_code == 302
    return world


@pytest.fixture
def send(client):
    """POST a form with the CSRF token from the page it is on."""

    def _send(path: str, data: dict | None = None, page: str | None = None):
        token = csrf_token(client, page or path)
        return client.post(path, data={**(data or {}), "csrf_token": token})

    return _send


def _names(response) -> list[str]:
    return ROW.findall(response.get_data(as_text=True))


def _invite(send, org, **fields):
    data = {"email": "new.person@example.test", "name": "Nia Jones", "role": "contributor"}
    data |= {"organisation": str(org.id), "locale": "en", **fields}
    return send("/admin/people/invite", data)


def _error_against(response, field: str) -> str:
    """The error message shown against one field (and so in the summary too)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert match, f"no error against {field}"
    message = re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip()
    import html as html_module

    message = html_module.unescape(message)
    assert f'href="#{field}' in html and message in page_text(response)  # in the summary
    return message


# --- the list ----------------------------------------------------------------------------------


def test_the_list_filters_and_pages(client, as_admin, make_user):
    world = as_admin
    council = world["council"]
    for n in range(55):
        make_user("contributor", council, email=f"bulk{n:02}@a.test", name=f"Bulk {n:02}")
    world["far"].locked_until = utcnow() + timedelta(minutes=10)
    world["inspector"].active = False
    invited = make_user("contributor", council, email="Percent%50@a.test", name="Pat 100%")
    invited.password_hash = None
    world["contributor"].last_signed_in_at = utcnow()
    db.session.commit()

    first = client.get("/admin/people")
    assert first.status_code == 200
    text = page_text(first)
    assert "61 people" in text and "page 1 of 2" in text
    assert len(_names(first)) == 50
    assert 'aria-current="page"' in first.get_data(as_text=True)
    assert "/admin/people?page=2" in text
    second = client.get("/admin/people?page=2")
    assert len(_names(second)) == 11
    assert not set(_names(first)) & set(_names(second))
    assert _names(client.get("/admin/people?page=99999999999999999999")) == _names(second)
    for nonsense in (
        "page=x&status=nonsense&organisation=y",
        "organisation=%C2%B2&role=boss",
        "organisation=99999999999999999999",
        "page=-1",
    ):
        assert len(_names(client.get(f"/admin/people?{nonsense}"))) == 50, nonsense

    # Search by name or address, without regard to case, "%" taken literally.
    assert _names(client.get("/admin/people?q=CARYS")) == ["Carys Con"]
    assert _names(client.get("/admin/people?q=FAR@B")) == ["Fred Far"]
    assert _names(client.get("/admin/people?q=100%25")) == ["Pat 100%"]
    assert _names(client.get("/admin/people?q=%25")) == ["Pat 100%"]
    assert _names(client.get("/admin/people?q=_")) == []
    # Status, role and organisation.
    assert _names(client.get("/admin/people?status=locked")) == ["Fred Far"]
    assert _names(client.get("/admin/people?status=deactivated")) == ["Ifan"]
    assert _names(client.get("/admin/people?status=invited")) == ["Pat 100%"]
    active = _names(client.get("/admin/people?status=active&role=coordinator"))
    assert active == ["Cai Coordinator"]
    in_b = client.get(f"/admin/people?organisation={world['other_council'].id}")
    assert _names(in_b) == ["Fred Far"]
    # The filters stay chosen, and paging keeps them.
    both = client.get(f"/admin/people?organisation={council.id}&q=bulk")
    html = both.get_data(as_text=True)
    assert f'<option value="{council.id}" selected>' in html and 'value="bulk"' in html
    assert f"organisation={council.id}" in html and "page=2" in html
    # The columns: status, last sign-in ("Never" when none).
    row = client.get("/admin/people?q=con@a.test")
    assert "Active" in page_text(row) and "Never" not in page_text(row)
    assert "Never" in page_text(client.get("/admin/people?q=far@b"))
    assert "Locked" in page_text(client.get("/admin/people?q=far@b"))


def test_only_admins_and_delegating_coordinators_see_the_list(client, world, login):
    login(world["contributor"].email)
    assert client.get("/admin/people").status_code == 403
    assert client.get("/admin/people/invite").status_code == 403
    assert client.get(f"/admin/people/{world['contributor'].id}").status_code == 404


# --- inviting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_an_invitation_through_the_form_arrives_and_its_link_opens(
    client, as_admin, send, smtp_sink, locale
):
    world = as_admin
    response = _invite(
        send, world["rsb"], email="New.Person@Example.test", role="coordinator", locale=locale
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert response.headers["Location"].endswith(f"/admin/people/{person.id}")
    assert (person.name, person.role, person.locale, person.status) == (
        "Nia Jones",
        "coordinator",
        locale,
        "invited",
    )
    assert person.organisation_id == world["rsb"].id and person.password_hash is None
    shown = client.get(response.headers["Location"])
    assert "Nia Jones is invited" in page_text(shown) and "Invited" in page_text(shown)
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.invited")
        )
        == 1
    )

    mail.wait()
    (message,) = smtp_sink.parsed()
    assert message["To"] == "new.person@example.test"
    body = message.get_body(("plain",)).get_content()
    # In the person's language: their board's Welsh name for a Welsh speaker.
    assert ("Bwrdd Rhanbarth A" in body) == (locale == "cy")
    path = LINK.search(body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    opened = client.get(path)
    assert opened.status_code == 200 and "new.person@example.test" in page_text(opened)


def test_an_address_in_use_is_refused_with_what_was_typed_kept(client, as_admin, send):
    world = as_admin
    response = _invite(send, world["rsb"], email="  CON@A.Test ", name="Another Carys", locale="cy")
    assert response.status_code == 400
    assert _error_against(response, "email") == (
        "An account with this e-mail address exists already."
    )
    html = response.get_data(as_text=True)
    assert 'value="  CON@A.Test "' in html and 'value="Another Carys"' in html
    assert f'<option value="{world["rsb"].id}" selected>' in html
    assert '<option value="contributor" selected>' in html
    assert re.search(r'value="cy" checked', html)
    assert db.session.scalar(select(func.count(User.id))) == 5


@pytest.mark.parametrize(
    ("org", "role", "field", "message"),
    [
        ("rsb", "inspector", "role", "Inspectors must belong to an inspectorate."),
        ("inspectorate", "contributor", "role", "must belong to a safeguarding board"),
        ("rsb", "admin", "role", "Administrators must belong to the national team."),
        (None, "contributor", "organisation", "Choose an organisation."),
        ("²", "contributor", "organisation", "Choose an organisation."),
        ("99999999999999999999", "contributor", "organisation", "Choose an organisation."),
        ("rsb", "", "role", "Choose a role."),
    ],
)
def test_a_role_that_does_not_fit_the_organisation_is_refused(
    as_admin, send, org, role, field, message
):
    world = as_admin
    data = {"role": role}
    if org not in world:
        data["organisation"] = org or ""
    response = _invite(send, world[org if org in world else "rsb"], **data)
    assert response.status_code == 400
    assert message in _error_against(response, field)
    assert db.session.scalar(select(func.count(User.id))) == 5


def test_empty_fields_are_all_named_at_once(as_admin, send):
    response = send("/admin/people/invite", {"email": "", "name": " ", "organisation": ""})
    assert response.status_code == 400
    assert _error_against(response, "email") == "Enter the person's e-mail address."
    assert _error_against(response, "name") == "Enter the person's name."
    assert _error_against(response, "organisation") == "Choose an organisation."


# --- a delegating coordinator ---------------------------------------------------------------


def test_a_delegate_sees_and_invites_only_their_regions_contributors(
    client, world, login, send, smtp_sink
):
    login(world["coordinator"].email)
    listed = client.get("/admin/people")
    assert listed.status_code == 200 and _names(listed) == ["Carys Con"]
    assert client.get(f"/admin/people/{world['contributor'].id}").status_code == 200
    for other in ("far", "admin", "inspector", "coordinator"):
        assert client.get(f"/admin/people/{world[other].id}").status_code == 404, other
        assert (
            send(f"/admin/people/{world[other].id}/reactivate", page="/admin/people").status_code
            == 404
        )
    # What only an administrator may do is refused (403) for one they may see.
    contributor = world["contributor"].id
    assert client.get(f"/admin/people/{contributor}/edit").status_code == 403
    assert send(f"/admin/people/{contributor}/unlock", page="/admin/people").status_code == 403

    form = client.get("/admin/people/invite").get_data(as_text=True)
    assert '<option value="contributor"' in form and '<option value="coordinator"' not in form
    assert f'value="{world["other_council"].id}"' not in form

    wrong_role = _invite(send, world["council"], role="coordinator")
    assert wrong_role.status_code == 400
    assert _error_against(wrong_role, "role") == "You can invite contributors only."
    elsewhere = _invite(send, world["other_council"])
    assert elsewhere.status_code == 400
    assert "organisations of your region" in _error_against(elsewhere, "organisation")
    assert db.session.scalar(select(func.count(User.id))) == 5

    done = _invite(send, world["council"])
    assert done.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert (person.role, person.organisation_id) == ("contributor", world["council"].id)


# --- the person's page and its actions -------------------------------------------------------


def test_the_persons_page_shows_their_details_and_actions(client, as_admin):
    world = as_admin
    far = world["far"]
    far.locked_until = utcnow() + timedelta(minutes=5)
    db.session.commit()
    page = client.get(f"/admin/people/{far.id}")
    text = page_text(page)
    for shown in ("Fred Far", "far@b.test", "Region B Council", "Contributor", "English"):
        assert shown in text
    assert "Locked" in text and "Never" in text
    html = page.get_data(as_text=True)
    for action in ("unlock", "reset"):
        assert f'action="/admin/people/{far.id}/{action}"' in html
    assert f'href="/admin/people/{far.id}/deactivate"' in html
    assert f'href="/admin/people/{far.id}/edit#role"' in html
    assert "/resend" not in html and "/reactivate" not in html
    assert client.get("/admin/people/99999").status_code == 404


def test_unlocking_lets_the_person_sign_in_again(app, client, as_admin, send):
    world = as_admin
    far = world["far"]
    far.locked_until = utcnow() + timedelta(minutes=15)
    db.session.commit()
    other = app.test_client()
    refused = other.post(
        "/login",
        data={"email": far.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert refused.status_code == 400 and "locked" in page_text(refused)

    done = send(f"/admin/people/{far.id}/unlock", page=f"/admin/people/{far.id}")
    assert done.status_code == 302
    assert "is unlocked" in page_text(client.get(done.headers["Location"]))
    db.session.refresh(far)
    assert far.locked_until is None and far.status == "active"
    signed_in = other.post(
        "/login",
        data={"email": far.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert signed_in.status_code == 302
    # Again: nothing to unlock, said plainly.
    again = send(f"/admin/people/{far.id}/unlock", page=f"/admin/people/{far.id}")
    assert "was not locked" in page_text(client.get(again.headers["Location"]))
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.unlocked")
        )
        == 1
    )


def test_deactivating_ends_their_session_and_tokens_and_reactivating_lets_them_back(
    app, client, as_admin, send
):
    world = as_admin
    person = world["contributor"]
    theirs = app.test_client()
    theirs.post(
        "/login",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(theirs)},
    )
    assert theirs.get("/account").status_code == 200
    made = theirs.post(
        "/api/v1/tokens", json={"email": person.email, "password": TEST_PASSWORD, "name": "t"}
    )
    bearer = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert theirs.get("/api/v1/frameworks", headers=bearer).status_code == 200

    page = f"/admin/people/{person.id}/deactivate"
    missing = send(page, {"reason": "  "})
    assert missing.status_code == 400
    assert _error_against(missing, "reason") == "Say why the account is being deactivated."
    db.session.refresh(person)
    assert person.active

    done = send(page, {"reason": "Left the council on 31 March"})
    assert done.status_code == 302
    assert "is deactivated" in page_text(client.get(done.headers["Location"]))
    db.session.refresh(person)
    assert not person.active and person.deactivated_reason == "Left the council on 31 March"
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    shown = page_text(client.get(f"/admin/people/{person.id}"))
    assert "Deactivated" in shown and "Left the council on 31 March" in shown

    # Their open session ends on its next request, and the token is refused.
    next_request = theirs.get("/account")
    assert next_request.status_code == 302 and "/login" in next_request.headers["Location"]
    assert theirs.get("/api/v1/frameworks", headers=bearer).status_code == 401

    # Deactivating again says so plainly; reactivating lets them sign in again.
    again = send(page, {"reason": "Twice"})
    assert "already deactivated" in page_text(client.get(again.headers["Location"]))
    back = send(f"/admin/people/{person.id}/reactivate", page=f"/admin/people/{person.id}")
    assert "is reactivated" in page_text(client.get(back.headers["Location"]))
    db.session.refresh(person)
    assert person.active and person.deactivated_reason is None
    signed_in = theirs.post(
        "/login",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(theirs)},
    )
    assert signed_in.status_code == 302
    assert theirs.get("/api/v1/frameworks", headers=bearer).status_code == 401  # stays revoked
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == person.id).order_by(AuditEvent.id)
    ).all()
    # One event for each change: the second deactivation changed nothing.
    assert [a for a in actions if a.endswith("activated")] == [
        "user.deactivated",
        "user.reactivated",
    ]


def test_you_cannot_deactivate_or_demote_yourself(client, as_admin, send):
    world = as_admin
    admin = world["admin"]
    refused = send(f"/admin/people/{admin.id}/deactivate", {"reason": "Leaving"})
    assert refused.status_code == 400
    assert "You cannot deactivate your own account." in page_text(refused)
    assert 'value="Leaving"' not in refused.get_data(as_text=True)  # a textarea keeps it:
    assert ">Leaving</textarea>" in refused.get_data(as_text=True)
    demoted = send(
        f"/admin/people/{admin.id}/edit",
        {"name": admin.name, "organisation": str(world["rsb"].id), "role": "coordinator",
         "locale": "en"},
    )  # fmt: skip
    assert demoted.status_code == 400
    assert "own administrator role" in _error_against(demoted, "role")
    db.session.refresh(admin)
    assert admin.active and admin.role == "admin"


def test_an_administrator_changes_a_persons_details(client, as_admin, send):
    world = as_admin
    person = world["contributor"]
    form = client.get(f"/admin/people/{person.id}/edit")
    assert 'value="Carys Con"' in form.get_data(as_text=True)
    done = send(
        f"/admin/people/{person.id}/edit",
        {"name": "Carys Evans", "organisation": str(world["rsb"].id), "role": "coordinator",
         "locale": "cy"},
    )  # fmt: skip
    assert done.status_code == 302
    db.session.refresh(person)
    assert (person.name, person.role, person.organisation_id, person.locale) == (
        "Carys Evans",
        "coordinator",
        world["rsb"].id,
        "cy",
    )
    misfit = send(
        f"/admin/people/{person.id}/edit",
        {"name": "Carys Evans", "organisation": str(world["inspectorate"].id),
         "role": "coordinator", "locale": "cy"},
    )  # fmt: skip
    assert misfit.status_code == 400
    assert "safeguarding board" in _error_against(misfit, "role")
    db.session.refresh(person)
    assert person.organisation_id == world["rsb"].id


def test_resending_an_invitation_or_sending_a_reset_e_mails_a_new_link(
    client, as_admin, send, smtp_sink
):
    world = as_admin
    assert _invite(send, world["council"]).status_code == 302
    person = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    page = f"/admin/people/{person.id}"
    assert f'action="{page}/resend"' in client.get(page).get_data(as_text=True)
    resent = send(f"{page}/resend", page=page)
    assert "new invitation is on its way" in page_text(client.get(resent.headers["Location"]))
    mail.wait()
    first, second = (LINK.search(m.get_body(("plain",)).get_content()).group(1)
                     for m in smtp_sink.parsed())  # fmt: skip
    assert client.get(first).status_code == 410 and client.get(second).status_code == 200

    # A password reset, for someone who has a password.
    far = world["far"]
    reset = send(f"/admin/people/{far.id}/reset", page=f"/admin/people/{far.id}")
    assert "password reset link is on its way" in page_text(client.get(reset.headers["Location"]))
    mail.wait()
    assert smtp_sink.parsed()[-1]["To"] == far.email
    # Once they have a password, resending an invitation is refused plainly.
    again = send(f"/admin/people/{far.id}/resend", page=f"/admin/people/{far.id}")
    assert "already set a password" in page_text(client.get(again.headers["Location"]))


def test_a_delegate_deactivates_and_reactivates_their_regions_contributor(
    client, world, login, send
):
    login(world["coordinator"].email)
    person = world["contributor"]
    page = f"/admin/people/{person.id}"
    shown = client.get(page).get_data(as_text=True)
    assert f'href="{page}/deactivate"' in shown and "/edit" not in shown and "/unlock" not in shown
    assert send(f"{page}/deactivate", {"reason": "Moved on"}).status_code == 302
    db.session.refresh(person)
    assert not person.active
    assert send(f"{page}/reactivate", page=page).status_code == 302
    db.session.refresh(person)
    assert person.active
    far = world["far"]
    assert send(f"/admin/people/{far.id}/deactivate", {"reason": "x"}, page=page).status_code == 404
    db.session.refresh(far)
    assert far.active


# --- the same change, many times at once -------------------------------------------------------


def _browser(app, email: str):
    """A browser of its own, signed in, and a CSRF token for its forms."""
    browser = app.test_client()
    token = csrf_token(browser)
    signed_in = browser.post(
        "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    return browser, csrf_token(browser, "/admin/people")


def _at_once(app, requests: list[tuple[tuple, str, dict]]) -> list[int]:
    """POST each (browser, path, data) at the same moment, each from its own copy of the
    browser's session; their status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = []

    def post(source, path: str, data: dict):
        original, token = source
        browser = app.test_client()
        cookie = original.get_cookie("session", domain="tracker.test").value
        browser.set_cookie("session", cookie, domain="tracker.test")
        barrier.wait()
        statuses.append(browser.post(path, data={**data, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=post, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    return statuses


def _events(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_dozen_identical_unlocks_and_deactivations_at_once_change_once(app, world):
    far, person = world["far"], world["contributor"]
    far.locked_until = utcnow() + timedelta(minutes=15)
    db.session.commit()
    admin = _browser(app, world["admin"].email)

    unlocks = _at_once(app, [(admin, f"/admin/people/{far.id}/unlock", {})] * 12)
    assert unlocks == [302] * 12
    assert db.session.get(User, far.id).status == "active"
    assert _events("user.unlocked") == 1

    path, reason = f"/admin/people/{person.id}/deactivate", {"reason": "Left"}
    assert _at_once(app, [(admin, path, reason)] * 12) == [302] * 12
    assert db.session.get(User, person.id).status == "deactivated"
    assert _events("user.deactivated") == 1

    path = f"/admin/people/{person.id}/reactivate"
    assert _at_once(app, [(admin, path, {})] * 12) == [302] * 12
    assert db.session.get(User, person.id).active and _events("user.reactivated") == 1


def test_two_administrators_demoting_each_other_at_once_leave_one(app, world, make_user):
    """Each sees the other as an administrator; had both changes gone through, nobody could
    administer the tracker any more."""
    ada = world["admin"]
    bea = make_user("admin", world["national"], email="bea@tracker.test", name="Bea")

    def demote(browser, target):
        data = {"name": target.name, "organisation": str(world["rsb"].id)}
        return (
            browser,
            f"/admin/people/{target.id}/edit",
            data | {"role": "coordinator", "locale": "en"},
        )

    for _ in range(3):  # a race: run it a few times
        for person in (ada, bea):
            person.role, person.organisation = "admin", world["national"]
        db.session.commit()
        ada_browser, bea_browser = _browser(app, ada.email), _browser(app, bea.email)
        statuses = _at_once(app, [demote(ada_browser, bea), demote(bea_browser, ada)])
        roles = sorted(db.session.scalars(select(User.role).where(User.id.in_([ada.id, bea.id]))))
        assert roles == ["admin", "coordinator"], statuses
        # The loser is refused, or finds its session ended (a redirect to sign in).
        assert sorted(statuses) in ([302, 302], [302, 400], [302, 403]), statuses
