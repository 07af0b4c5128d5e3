"""Sign-in: generic refusals, lockout, CSRF, safe redirects and sign-out."""

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from tests.conftest import TEST_PASSWORD, csrf_token, page_text
from tracker.auth import operations
from tracker.extensions import db
from tracker.models import AuditEvent, LoginThrottle, User
from tracker.models.base import utcnow

GENERIC = "The email address or password is not right."
LOCKED = "This account is locked for 15 minutes"


def test_sign_in_lands_on_start_page(client, login, make_user):
    user = make_user("coordinator")
    response = login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = page_text(client.get("/"))
    assert "Your organisation's assessments" in page
    assert user.name in page


def test_email_is_matched_without_case_or_spaces(login, make_user):
    user = make_user(email="Mixed@Example.test".lower())
    assert login("  MIXED@example.TEST ").status_code == 302
    assert user.failed_logins == 0


def test_wrong_password_and_unknown_email_get_the_same_answer(login, make_user):
    user = make_user()
    wrong_password = login(user.email, "not-the-password")
    unknown_email = login("nobody@example.test", "not-the-password")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert GENERIC in response.get_data(as_text=True)


def test_empty_fields_are_named(login):
    response = login("", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email address" in page and "Enter your password" in page


def test_five_failures_lock_the_account_for_fifteen_minutes(login, make_user):
    user = make_user()
    for _ in range(4):
        assert GENERIC in login(user.email, "wrong").get_data(as_text=True)
    fifth = login(user.email, "wrong")
    assert LOCKED in fifth.get_data(as_text=True)
    db.session.refresh(user)
    assert user.is_locked()
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # The right password does not get in while the lock holds.
    right = login(user.email, TEST_PASSWORD)
    assert right.status_code == 400 and LOCKED in right.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked"))


def test_lock_expires(login, make_user):
    user = make_user(locked_until=utcnow() - timedelta(seconds=1))
    assert login(user.email).status_code == 302


def test_success_resets_the_failure_count(login, make_user):
    user = make_user()
    login(user.email, "wrong")
    login(user.email, "wrong")
    login(user.email)
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_inactive_user_cannot_sign_in(login, make_user):
    user = make_user(active=False)
    assert GENERIC in login(user.email).get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_post_with_a_forged_csrf_token_is_refused(client, make_user):
    user = make_user()
    csrf_token(client)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_to_another_site_is_refused(login, make_user, target):
    user = make_user()
    response = login(user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(login, make_user):
    user = make_user()
    response = login(user.email, next_url="/frameworks/")
    assert response.headers["Location"] == "/frameworks/"


def test_protected_page_sends_to_sign_in_with_next(client):
    response = client.get("/frameworks/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_out_needs_a_post_with_csrf(client, login, make_user):
    user = make_user()
    login(user.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    assert client.get("/").status_code == 200  # still signed in
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_is_stored_hashed_with_scrypt(make_user):
    user = make_user()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("scrypt:")
    assert TEST_PASSWORD not in stored


def test_unknown_address_locks_the_same_way_so_lockout_reveals_nothing(login, make_user):
    user = make_user()
    answers = {}
    for email in (user.email, "nobody@example.test"):
        answers[email] = [page_text(login(email, "wrong")) for _ in range(6)]
    for known, unknown in zip(answers[user.email], answers["nobody@example.test"], strict=True):
        assert (GENERIC in known) == (GENERIC in unknown)
        assert (LOCKED in known) == (LOCKED in unknown)
    assert LOCKED in answers["nobody@example.test"][-1]
    stored = db.session.scalars(select(LoginThrottle.email_sha256)).all()
    assert stored and "nobody" not in stored[0]  # the address itself is not kept


def test_failures_are_counted_in_the_database_not_in_a_stale_copy(app, make_user):
    """Parallel guesses each count: the increment is one UPDATE, not read-modify-write."""
    from tracker.auth.operations import _count_failure

    user = make_user()
    with app.app_context():  # three other requests failed meanwhile
        db.session.execute(
            update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 3)
        )
        db.session.commit()
    assert user.failed_logins == 0  # this request's copy is stale
    assert _count_failure(user, max_failures=5, lock_minutes=15) is False
    db.session.refresh(user)
    assert user.failed_logins == 4
    assert _count_failure(user, max_failures=5, lock_minutes=15) is True
    db.session.refresh(user)
    assert user.is_locked()


def test_a_locked_account_and_a_locked_unknown_address_take_as_long(make_user, monkeypatch):
    """Timing must not tell whether a locked address has an account: both paths hash the
    password with the real work factor. Medians of several tries, compared as a ratio, so a
    busy machine slows both alike."""
    # The real work factor for both, as deployed (the suite makes hashes cheap).
    monkeypatch.setattr(operations, "_DUMMY_HASH", generate_password_hash("not-a-real-password"))
    owner = make_user(email="owner@example.test")
    owner.password_hash = generate_password_hash(TEST_PASSWORD)
    owner.locked_until = utcnow() + timedelta(minutes=15)
    db.session.commit()
    for _ in range(5):  # lock the unknown address too
        operations.authenticate("stranger@example.test", "guess", 5, 15)

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            refused = operations.authenticate(email, "guess", 5, 15)
            times.append(time.perf_counter() - started)
            assert refused.refusal == "locked"
        return statistics.median(times)

    known, unknown = median_seconds(owner.email), median_seconds("stranger@example.test")
    assert 0.5 < known / unknown < 2, (known, unknown)
