"""Your own account (issue #15): a password set through an e-mailed link, once; a forgotten
password that gives nothing away; changing a password; signing out everywhere. Sessions end
through the session version, checked on every request."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import TEST_PASSWORD, csrf_token, page_text
from tracker.admin import people
from tracker.auth import links
from tracker.extensions import db
from tracker.models import AccountLink, AuditEvent, EndedSession, User
from tracker.models.base import utcnow
from tracker.notifications import mail

NEW_PASSWORD = "kettle-lighthouse-marmalade"
LINK = re.compile(r"http://[^\s]+/password/set/([A-Za-z0-9_-]+)")


def _links_in(sink) -> list[str]:
    mail.wait()
    return [LINK.search(m.get_body(("plain",)).get_content()).group(1) for m in sink.parsed()]


def _set(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    path = f"/password/set/{token}"
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/password/forgot"),  # a form on every state
        },
    )


@pytest.fixture
def invited(make_org, make_user, smtp_sink):
    """A person invited by an administrator, and the secret of the link e-mailed to them."""
    admin = make_user("admin", make_org("national", code="NAT"))
    board = make_org("rsb", code="RSB-A", name_cy="Bwrdd A")
    person = people.invite(
        admin, "New.Person@Example.test", "Nia Jones", board, "coordinator", "cy"
    )
    (token,) = _links_in(smtp_sink)
    return person, token


def test_an_invitation_arrives_in_the_persons_language_and_sets_a_password_once(
    client, login, invited, smtp_sink
):
    person, token = invited
    (message,) = smtp_sink.parsed()
    assert message["To"] == "new.person@example.test"
    body = message.get_body(("plain",)).get_content()
    assert "Bwrdd A" in body  # the organisation's Welsh name, for a Welsh speaker
    assert person.status == "invited" and person.password_hash is None
    # Nobody can sign in to an invited account before the link is used.
    assert login(person.email, "").status_code == 400
    page = client.get(f"/password/set/{token}")
    assert page.status_code == 200 and person.email in page_text(page)
    done = _set(client, token)
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    db.session.refresh(person)
    assert person.status == "active" and person.check_password(NEW_PASSWORD)
    assert login(person.email, NEW_PASSWORD).status_code == 302
    # The link works once: a second use says so plainly and offers a new one.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    again = client.get(f"/password/set/{token}")
    assert again.status_code == 410
    assert "used already" in page_text(again) and "/password/forgot" in page_text(again)
    assert _set(client, token, "another-fine-password").status_code == 410
    db.session.refresh(person)
    assert person.check_password(NEW_PASSWORD)


def test_a_link_refuses_a_weak_or_mismatched_password_and_stays_usable(client, invited):
    person, token = invited
    for password, confirm, message in (
        ("short", None, "at least 12 characters"),
        ("password1234", None, "most common"),
        ("new.person@example.test", None, "e-mail address"),
        (NEW_PASSWORD, "something-else-entirely", "not the same"),
    ):
        response = _set(client, token, password, confirm)
        assert response.status_code == 400, password
        assert message in page_text(response), password
    db.session.refresh(person)
    assert person.password_hash is None
    assert _set(client, token).status_code == 302


def test_an_expired_or_unknown_link_says_so(client, invited):
    person, token = invited
    db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(f"/password/set/{token}")
    assert expired.status_code == 410 and "expired" in page_text(expired)
    assert _set(client, token).status_code == 410
    unknown = client.get("/password/set/not-a-real-token")
    assert unknown.status_code == 404 and "not right" in page_text(unknown)
    assert client.get("/password/set/" + "x" * 500).status_code == 404
    db.session.refresh(person)
    assert person.password_hash is None


def test_only_the_hash_of_a_link_is_stored(invited):
    _person, token = invited
    stored = db.session.scalar(select(AccountLink.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_dozen_simultaneous_uses_of_one_link_set_the_password_once(app, invited):
    person, token = invited
    barrier = threading.Barrier(12)
    results = []

    def use(password):
        with app.app_context():
            barrier.wait()
            try:
                links.use(token, password)
                results.append(password)
            except links.RuleError:
                pass
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use, args=(f"{NEW_PASSWORD}-{n}",)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1
    db.session.expire_all()
    assert db.session.get(User, person.id).check_password(results[0])
    used = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.password_set_by_link")
    )
    assert used == 1


def test_forgotten_password_answers_a_stranger_and_an_owner_alike(client, make_user, smtp_sink):
    owner = make_user(email="owner@example.test")
    answers = []
    for address in ("owner@example.test", "stranger@example.test"):
        path = "/password/forgot"
        response = client.post(
            path, data={"email": address, "csrf_token": csrf_token(client, path)}
        )
        assert response.status_code == 200
        answers.append(page_text(response).replace(address, "ADDRESS"))
    assert answers[0] == answers[1]
    (token,) = _links_in(smtp_sink)
    assert smtp_sink.parsed()[0]["To"] == owner.email
    link = db.session.scalar(select(AccountLink))
    assert link.purpose == "reset"
    assert timedelta(minutes=59) < link.expires_at - utcnow() <= timedelta(hours=1)
    assert _set(client, token).status_code == 302
    db.session.refresh(owner)
    assert owner.check_password(NEW_PASSWORD)
    assert _set(client, token, "yet-another-password").status_code == 410


def test_a_reset_lifts_a_lock_and_ends_other_sessions(app, client, login, make_user, smtp_sink):
    owner = make_user(email="owner@example.test")
    elsewhere = app.test_client()
    assert login(owner.email).status_code == 302
    owner.locked_until = utcnow() + timedelta(minutes=15)
    db.session.commit()
    people.send_reset(None, owner)
    (token,) = _links_in(smtp_sink)
    assert _set(elsewhere, token).status_code == 302
    assert client.get("/").status_code == 302  # the other browser's session has ended
    db.session.refresh(owner)
    assert not owner.is_locked()


def test_a_deactivated_person_cannot_ask_for_a_reset(client, make_user, smtp_sink):
    leaver = make_user(email="leaver@example.test", active=False)
    path = "/password/forgot"
    response = client.post(
        path, data={"email": leaver.email, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 200
    mail.wait()
    assert smtp_sink.messages == []


def test_change_password_needs_the_current_one_and_ends_other_sessions(
    app, client, login, make_user
):
    user = make_user()
    other = app.test_client()
    token = csrf_token(other, "/login")
    other.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert other.get("/").status_code == 200
    login(user.email)
    path = "/account/password"
    wrong = client.post(
        path,
        data={
            "current": "not-my-password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, path),
        },
    )
    assert wrong.status_code == 400 and "current password is not right" in page_text(wrong)
    weak = client.post(
        path,
        data={
            "current": TEST_PASSWORD,
            "password": "password1234",
            "confirm": "password1234",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert weak.status_code == 400 and "most common" in page_text(weak)
    db.session.refresh(user)
    assert user.check_password(TEST_PASSWORD)
    done = client.post(
        path,
        data={
            "current": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, path),
        },
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this browser carries on
    assert other.get("/").status_code == 302  # the other one is signed out
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_sign_out_everywhere_ends_every_session_of_that_person_only(app, client, login, make_user):
    user, colleague = make_user(), make_user()
    copies = []
    for person in (user, user, colleague):
        browser = app.test_client()
        token = csrf_token(browser, "/login")
        browser.post(
            "/login", data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert browser.get("/").status_code == 200
        copies.append(browser)
    mine, also_mine, theirs = copies
    response = mine.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(mine, "/account")}
    )
    assert response.status_code == 302
    assert mine.get("/").status_code == 302
    assert also_mine.get("/").status_code == 302
    assert theirs.get("/").status_code == 200
    # Signing in again works, in a new session.
    assert login(user.email).status_code == 302 and client.get("/").status_code == 200


def test_an_old_style_session_id_is_signed_out_not_an_error(app, make_user):
    user = make_user()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)  # a cookie from before session versions
        session["_fresh"] = True
    assert browser.get("/").status_code == 302


def test_signing_out_ends_that_session_and_every_copy_of_its_cookie(app, client, login, make_user):
    """ASVS 3.3.1: a cookie copied before signing out opens nothing afterwards."""
    user = make_user()
    login(user.email)
    other_browser = app.test_client()
    token = csrf_token(other_browser, "/login")
    other_browser.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    copy = app.test_client()
    copy.set_cookie(
        "session", client.get_cookie("session", domain="tracker.test").value, domain="tracker.test"
    )
    assert copy.get("/").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert out.status_code == 302
    assert copy.get("/").status_code == 302  # the copy is signed out too
    assert copy.get("/account").headers["Location"].startswith("/login")
    assert other_browser.get("/").status_code == 200  # another sign-in of the same person
    ended = db.session.scalar(select(func.count()).select_from(EndedSession))
    assert ended == 1


def test_the_csrf_token_changes_at_sign_in(client, login, make_user):
    user = make_user()
    before = csrf_token(client, "/login")
    login(user.email)
    assert csrf_token(client, "/account") != before
