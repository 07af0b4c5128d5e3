"""The account page: make an API token (shown once), see its last use, revoke it."""

import re

from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tests.threads import together
from tracker.auth import tokens
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, User


def _make(client, post, name="Dashboard"):
    response = post("/account", {"name": name})
    assert response.status_code == 200
    match = re.search(
        r'<code class="app-token">(spt_[\w-]+)</code>', response.get_data(as_text=True)
    )
    assert match, "the new token is shown"
    return match.group(1)


def test_make_use_and_revoke_a_token(client, login, people, post):
    login("coord@a.test")
    raw = _make(client, post)
    page = page_text(client.get("/account"))
    assert "Dashboard" in page and "Never" in page and raw not in page  # shown only once
    api = client.application.test_client()
    assert api.get("/api/v1/cycles", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert "Never" not in page_text(client.get("/account"))  # last use is recorded
    token = db.session.scalar(select(ApiToken))
    response = post(f"/account/tokens/{token.id}/revoke", {}, page="/account")
    assert response.status_code == 302
    assert "Revoked" in page_text(client.get("/account"))
    assert api.get("/api/v1/cycles", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_nobody_sees_or_revokes_another_persons_token(client, login, people, post):
    login("coord@a.test")
    _make(client, post, "Mine")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@b.test")
    assert "Mine" not in page_text(client.get("/account"))
    token = db.session.scalar(select(ApiToken))
    assert post(f"/account/tokens/{token.id}/revoke", {}, page="/account").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_token_needs_a_name(client, login, people, post):
    login("coord@a.test")
    response = post("/account", {"name": "  "})
    assert response.status_code == 400
    assert "Give the token a name" in page_text(response)
    assert db.session.scalar(select(ApiToken)) is None


def test_a_dozen_revocations_at_once_record_one(app, people):
    owner = db.session.scalar(select(User).where(User.email == "coord@a.test"))
    token, _raw = tokens.issue(owner, "Dashboard")
    owner_id, token_id = owner.id, token.id

    def revoke(_n):
        with app.app_context():
            try:
                tokens.revoke(db.session.get(User, owner_id), db.session.get(ApiToken, token_id))
            finally:
                db.session.remove()

    assert not [e for e in together(12, revoke) if e is not None]
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    revoked = select(func.count(AuditEvent.id)).where(AuditEvent.action == "token.revoked")
    assert db.session.scalar(revoked) == 1
