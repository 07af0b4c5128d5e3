"""API tokens expire (90 days unless chosen), are warned of a week before, and may be
read-only (issue #16 point 13)."""

from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import TEST_PASSWORD, csrf_token, page_text
from tracker.auth import tokens
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.models.base import utcnow
from tracker.notifications import mail


def _make(client, email, **extra):
    return client.post(
        "/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD, "name": "t", **extra}
    )


def test_a_token_lasts_90_days_unless_chosen(client, make_user):
    user = make_user()
    made = _make(client, user.email)
    assert made.status_code == 201
    body = made.get_json()
    token = db.session.get(ApiToken, body["id"])
    left = token.expires_at - utcnow()
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)
    assert body["read_only"] is False and body["expires_at"]
    week = _make(client, user.email, expires_in_days=7).get_json()
    assert db.session.get(ApiToken, week["id"]).expires_at - utcnow() <= timedelta(days=7)
    for bad in (0, 366, -1):
        refused = _make(client, user.email, expires_in_days=bad)
        assert refused.status_code == 422
        assert refused.get_json()["error"]["field"] == "expires_in_days"


def test_an_expired_token_gets_401_saying_so(client, make_user):
    user = make_user()
    raw = _make(client, user.email).get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/frameworks", headers=headers).status_code == 200
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get("/api/v1/frameworks", headers=headers)
    assert expired.status_code == 401
    error = expired.get_json()["error"]
    assert error["code"] == "token_expired" and "expired on" in error["message"]


def test_a_read_only_token_reads_and_changes_nothing(client, make_user, make_org):
    admin = make_user("admin", make_org("national"))
    raw = _make(client, admin.email, read_only=True).get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/organisations", headers=headers).status_code == 200
    change = client.post("/api/v1/evidence", headers=headers, data={"title": "x"})
    assert change.status_code == 403
    assert change.get_json()["error"]["code"] == "read_only_token"
    # It may still revoke itself.
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/organisations", headers=headers).status_code == 401


def test_the_account_page_makes_a_read_only_token_for_a_chosen_time(client, login, make_user):
    user = make_user()
    login(user.email)
    page = client.post(
        "/account",
        data={
            "name": "Dashboard",
            "expires_in": "30",
            "read_only": "y",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert page.status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert token.read_only and timedelta(days=29) < token.expires_at - utcnow() <= timedelta(30)
    text = page_text(client.get("/account"))
    assert "Read only" in text and "Expires" in text


def test_owners_are_warned_once_a_week_before(app, make_user, smtp_sink):
    user = make_user(locale="en")
    soon, _raw = tokens.issue(user, "Soon", days=6)
    later, _raw = tokens.issue(user, "Later", days=30)
    mail.wait()
    with app.test_request_context(base_url=app.config["TRACKER_BASE_URL"]):
        assert tokens.warn_expiring() == 1
        assert tokens.warn_expiring() == 0  # once
    mail.wait()
    (message,) = smtp_sink.parsed()
    assert message["To"] == user.email and "Soon" in message["Subject"]
    assert "/account" in message.get_body(("plain",)).get_content()
    db.session.refresh(later)
    assert later.expiry_warned_at is None
