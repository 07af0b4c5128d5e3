"""The account page: make an API token (shown once), see its last use, revoke it."""

import re

from sqlalchemy import select

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.models import ApiToken


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
