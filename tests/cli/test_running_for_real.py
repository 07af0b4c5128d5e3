"""The README's "Running it for real", step by step (issue #15): a reference-only install with
a real SMTP server, run from then on through the API and the pages alone."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tracker import clock
from tracker.extensions import db
from tracker.models import Assessment, Cycle, Framework, User
from tracker.notifications import mail

ADMIN_PASSWORD = "granite-orchard-lantern"
COORDINATOR_PASSWORD = "harbour-thistle-compass"
LINK = re.compile(r"http://\S+?(/password/set/[A-Za-z0-9_-]+)")


def _links_to(sink, address: str) -> list[str]:
    mail.wait()
    found = []
    for message in sink.parsed():
        if message["To"] == address:
            found += LINK.findall(message.get_body(("plain",)).get_content())
    return found


def _sign_in(client, email: str, password: str):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_a_reference_only_install_is_run_from_the_api_and_the_pages(app, client, runner, smtp_sink):
    # The shell's part: init-db (the suite's schema is migrated already), seed-reference, and
    # the first administrator. Nothing else is made by hand.
    assert runner.invoke(args=["init-db"]).exit_code == 0
    seeded = runner.invoke(args=["seed-reference"])
    assert seeded.exit_code == 0, seeded.output
    assert db.session.scalar(select(func.count(Cycle.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0
    created = runner.invoke(
        args=[
            "create-user",
            *("--email", "lead@national.example", "--name", "National lead"),
            *("--organisation", "NAT-TEAM", "--role", "admin", "--password", ADMIN_PASSWORD),
        ]
    )
    assert created.exit_code == 0, created.output

    # The administrator opens a cycle and invites a coordinator through the API.
    made = client.post(
        "/api/v1/tokens", json={"email": "lead@national.example", "password": ADMIN_PASSWORD}
    )
    admin = {"Authorization": f"Bearer {made.get_json()['token']}"}
    today = clock.today()
    due = today + timedelta(days=40)
    cycle = client.post(
        "/api/v1/cycles",
        headers=admin,
        json={
            "label": "2026–27",
            "opens_on": (today - timedelta(days=10)).isoformat(),
            "due_on": due.isoformat(),
            "closes_on": (today + timedelta(days=90)).isoformat(),
        },
    )
    assert cycle.status_code == 201, cycle.get_json()
    later = client.post(  # next year's, opened early: it must not hide this one
        "/api/v1/cycles",
        headers=admin,
        json={
            "label": "2027–28",
            "opens_on": (today + timedelta(days=91)).isoformat(),
            "due_on": (today + timedelta(days=300)).isoformat(),
            "closes_on": (today + timedelta(days=400)).isoformat(),
        },
    )
    assert later.status_code == 201
    invited = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "Coordinator@Cardiff-Vale.example",
            "name": "Catrin",
            "organisation": "RSB-CV",
            "role": "coordinator",
            "locale": "en",
        },
    )
    assert invited.status_code == 201, invited.get_json()
    again = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "coordinator@cardiff-vale.EXAMPLE",
            "name": "Catrin again",
            "organisation": "RSB-CV",
            "role": "coordinator",
        },
    )
    assert again.status_code == 409
    email = "coordinator@cardiff-vale.example"

    # The e-mailed link sets a password, once.
    (link,) = _links_to(smtp_sink, email)
    form = {"password": COORDINATOR_PASSWORD, "confirm": COORDINATOR_PASSWORD}
    token = csrf_token(client, link)
    assert client.post(link, data={**form, "csrf_token": token}).status_code == 302

    # The coordinator signs in, sees this cycle (not next year's) and its due date, and starts
    # an assessment.
    assert _sign_in(client, email, COORDINATOR_PASSWORD).status_code == 302
    home = page_text(client.get("/"))
    assert "2026–27" in home and "2027–28" not in home
    assert "40 days left" in home
    framework = db.session.scalar(select(Framework).where(Framework.key == "cprr-2023"))
    start = f"/assessments/start/{framework.id}"
    started = client.post(
        start, data={"start_from": "empty", "csrf_token": csrf_token(client, start)}
    )
    assert started.status_code == 302, page_text(started)
    assessment = db.session.scalar(select(Assessment))
    assert assessment.cycle.label == "2026–27" and assessment.organisation.code == "RSB-CV"

    # Forgotten password: a stranger and the owner get the same page; the owner's link works
    # once.
    stranger_client = app.test_client()
    answers = []
    for address in ("nobody@nowhere.example", email):
        token = csrf_token(stranger_client, "/password/forgot")
        answer = stranger_client.post(
            "/password/forgot", data={"email": address, "csrf_token": token}
        )
        answers.append(page_text(answer).replace(address, "ADDRESS"))
    assert answers[0] == answers[1]
    reset = _links_to(smtp_sink, email)[-1]
    assert reset != link
    new = "lantern-meadow-copper"
    token = csrf_token(stranger_client, "/password/forgot")
    done = stranger_client.post(reset, data={"password": new, "confirm": new, "csrf_token": token})
    assert done.status_code == 302
    assert (
        stranger_client.post(
            reset, data={"password": "x" * 20, "confirm": "x" * 20, "csrf_token": token}
        ).status_code
        == 410
    )
    assert client.get("/").status_code == 302  # the new password ended the other session

    # A deactivated coordinator's session, token and password stop working at once.
    assert _sign_in(client, email, new).status_code == 302
    coordinator_token = client.post(
        "/api/v1/tokens", json={"email": email, "password": new}
    ).get_json()["token"]
    bearer = {"Authorization": f"Bearer {coordinator_token}"}
    assert client.get("/api/v1/assessments", headers=bearer).status_code == 200
    person = invited.get_json()["id"]
    gone = client.patch(
        f"/api/v1/users/{person}", headers=admin, json={"active": False, "reason": "Left"}
    )
    assert gone.status_code == 200, gone.get_json()
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/assessments", headers=bearer).status_code == 401
    assert _sign_in(app.test_client(), email, new).status_code == 400
