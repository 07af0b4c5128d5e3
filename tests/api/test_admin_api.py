"""The administration API (issue #15): people, cycles, organisations and framework imports,
for administrators and (people only) the coordinators of a board or health board."""

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import FRAMEWORK_FIXTURES, TEST_PASSWORD
from tracker import access, clock
from tracker.admin import people as people_service
from tracker.extensions import db
from tracker.models import AuditEvent, Cycle, Framework, Organisation, User
from tracker.notifications import mail

TODAY = clock.today()
SECRETS = ("password_hash", "token_hash", "scrypt")


@pytest.fixture
def admin(people, token):
    return token("admin@wales.test")


@pytest.fixture
def delegate(people, token):
    """The coordinator of Region A's board: may manage the region's contributors."""
    return token("coord@a.test")


def invite(client, headers, **overrides):
    body = {
        "email": "new.person@a.test",
        "name": "New Person",
        "organisation": "LA-A",
        "role": "contributor",
    }
    return client.post("/api/v1/users", headers=headers, json={**body, **overrides})


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def framework_yaml(version: int, key: str = "test-framework") -> bytes:
    text = (FRAMEWORK_FIXTURES / "valid.yaml").read_text()
    return text.replace(
        "key: test-framework\nversion: 1", f"key: {key}\nversion: {version}"
    ).encode()


# --- people --------------------------------------------------------------------------------------


def test_an_admin_invites_a_person_who_is_emailed_a_link(client, admin, smtp_sink):
    response = invite(client, admin, email="  New.Person@A.test ", locale="cy")
    assert response.status_code == 201, response.get_json()
    person = response.get_json()
    assert person["email"] == "new.person@a.test"
    assert (person["role"], person["organisation"], person["locale"]) == (
        "contributor",
        "LA-A",
        "cy",
    )
    assert person["status"] == "invited" and person["active"] is True
    assert response.headers["Location"].endswith(f"/api/v1/users/{person['id']}")
    assert not any(secret in response.get_data(as_text=True) for secret in SECRETS)
    assert client.get(f"/api/v1/users/{person['id']}", headers=admin).get_json() == person

    mail.wait()
    [message] = smtp_sink.parsed()
    assert message["To"] == "new.person@a.test"
    assert "/password/set/" in message.get_content()


def test_an_address_in_use_is_409_whatever_its_case(client, admin):
    assert invite(client, admin).status_code == 201
    for address in ("NEW.PERSON@A.TEST", "contrib@A.test"):
        problem = error(invite(client, admin, email=address), 409)
        assert problem["code"] == "conflict" and problem["field"] == "email"
        assert "exists already" in problem["message"]
    assert db.session.scalar(select(func.count(User.id))) == 8  # the 7 people, and the one


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "admin"}, "role"),  # administrators belong to the national team
        ({"role": "inspector"}, "role"),
        ({"role": "chief"}, "role"),
        ({"organisation": "NOWHERE"}, "organisation"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "two words@a.test"}, "email"),
        ({"name": "   "}, "name"),
        ({"locale": "fr"}, "locale"),
        ({"name": 42}, "name"),
    ],
)
def test_an_invitation_that_breaks_a_rule_is_422_naming_the_field(client, admin, overrides, field):
    problem = error(invite(client, admin, **overrides), 422)
    assert problem["field"] == field
    assert db.session.scalar(select(User).where(User.email == "new.person@a.test")) is None


def test_only_people_managers_may_use_the_people_api(client, people, token):
    for email in ("contrib@a.test", "insp@ciw.test", "rev@b.test"):
        headers = token(email)
        assert error(client.get("/api/v1/users", headers=headers), 403)["code"] == "forbidden"
        error(invite(client, headers), 403)
        error(client.get(f"/api/v1/users/{people['contributor'].id}", headers=headers), 403)
        path = f"/api/v1/users/{people['contributor'].id}"
        error(client.patch(path, headers=headers, json={"name": "X"}), 403)
        error(client.post(path + "/unlock", headers=headers), 403)
    assert client.get("/api/v1/users").status_code == 401
    assert invite(client, {}).status_code == 401


def test_a_delegate_invites_and_manages_only_their_regions_contributors(
    client, people, delegate, make_org
):
    elsewhere = make_org("local_authority", region=people["other"], code="LA-B")
    assert invite(client, delegate).status_code == 201
    for overrides in (
        {"role": "coordinator", "email": "c@a.test"},
        {"role": "reviewer", "email": "r@a.test"},
        {"organisation": elsewhere.code, "email": "b@b.test"},
    ):
        error(invite(client, delegate, **overrides), 403)

    listed = client.get("/api/v1/users", headers=delegate).get_json()
    assert {p["email"] for p in listed["items"]} == {"contrib@a.test", "new.person@a.test"}
    assert listed["total"] == 2
    # A reviewer on their own board is not theirs to manage, nor is an admin.
    for outsider in (people["insider"], people["admin"], people["outsider"]):
        error(client.get(f"/api/v1/users/{outsider.id}", headers=delegate), 404)

    path = f"/api/v1/users/{people['contributor'].id}"
    assert client.patch(path, headers=delegate, json={"name": "Cai Contributor"}).status_code == 200
    error(client.patch(path, headers=delegate, json={"role": "coordinator"}), 403)
    error(client.patch(path, headers=delegate, json={"organisation": "LA-B"}), 403)
    error(client.post(path + "/unlock", headers=delegate), 403)  # administrators only
    answer = client.patch(path, headers=delegate, json={"active": False, "reason": "Left"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "deactivated"


def test_people_are_listed_with_filters(client, people, admin):
    invite(client, admin)
    people["contributor"].locked_until = people_service.utcnow() + timedelta(minutes=5)
    db.session.commit()

    def emails(query: str) -> set[str]:
        response = client.get(f"/api/v1/users?{query}", headers=admin)
        assert response.status_code == 200, response.get_json()
        return {p["email"] for p in response.get_json()["items"]}

    assert len(emails("")) == 8
    assert emails("q=RHIAN") == {"rev@b.test"}
    assert emails("q=%25") == set()  # a wildcard is just a character
    assert emails("organisation=la-a") == {"contrib@a.test", "new.person@a.test"}
    assert emails("role=reviewer") == {"rev@b.test", "rev@a.test"}
    assert emails("status=invited") == {"new.person@a.test"}
    assert emails("status=locked") == {"contrib@a.test"}
    assert emails("role=contributor&status=active") == set()
    page = client.get("/api/v1/users?per_page=2&page=2", headers=admin).get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (8, 2, 2)
    for bad in ("role=chief", "status=gone", "q=" + "x" * 201, "per_page=0"):
        assert client.get(f"/api/v1/users?{bad}", headers=admin).status_code == 400, bad


def test_an_admin_changes_a_person_and_unlocks_them(client, people, admin, make_org):
    person = people["contributor"]
    path = f"/api/v1/users/{person.id}"
    rsb_b = people["other"].code
    answer = client.patch(
        path,
        headers=admin,
        json={
            "name": "Cerys Coordinator",
            "role": "coordinator",
            "organisation": rsb_b,
            "locale": "cy",
        },
    )
    assert answer.status_code == 200, answer.get_json()
    changed = answer.get_json()
    assert (changed["name"], changed["role"], changed["organisation"], changed["locale"]) == (
        "Cerys Coordinator",
        "coordinator",
        rsb_b,
        "cy",
    )
    assert error(client.patch(path, headers=admin, json={"role": "admin"}), 422)["field"] == "role"
    assert (
        error(client.patch(path, headers=admin, json={"organisation": "NOPE"}), 422)["field"]
        == "organisation"
    )
    problem = error(client.patch(path, headers=admin, json={"active": True, "name": "X"}), 422)
    assert problem["field"] == "active"

    db.session.expire_all()
    person = db.session.get(User, person.id)
    person.failed_logins, person.locked_until = 5, people_service.utcnow() + timedelta(minutes=9)
    db.session.commit()
    assert client.get(path, headers=admin).get_json()["status"] == "locked"
    unlocked = client.post(path + "/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.get_json()["status"] == "active"
    assert client.post(path + "/unlock", headers=admin).status_code == 200  # nothing to lift
    assert client.get("/api/v1/users/99999", headers=admin).status_code == 404


def test_an_admin_cannot_remove_themselves(client, people, admin):
    path = f"/api/v1/users/{people['admin'].id}"
    problem = error(client.patch(path, headers=admin, json={"active": False, "reason": "x"}), 422)
    assert problem["message"] == "You cannot deactivate your own account."
    inspectorate = people["inspector"].organisation.code
    demotion = {"role": "inspector", "organisation": inspectorate}
    problem = error(client.patch(path, headers=admin, json=demotion), 422)
    assert "your own administrator role" in problem["message"]
    assert client.get(path, headers=admin).get_json()["active"] is True


def test_a_deactivated_person_is_shut_out_of_the_api_and_the_pages_at_once(
    client, people, admin, token, login
):
    theirs = token("contrib@a.test")
    assert client.get("/api/v1/cycles", headers=theirs).status_code == 200
    assert login("contrib@a.test").status_code == 302  # a browser session too
    assert client.get("/account").status_code == 200

    path = f"/api/v1/users/{people['contributor'].id}"
    problem = error(client.patch(path, headers=admin, json={"active": False}), 422)
    assert problem["field"] == "reason"
    answer = client.patch(path, headers=admin, json={"active": False, "reason": "Left in May"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["status"], body["deactivated_reason"]) == ("deactivated", "Left in May")

    assert error(client.get("/api/v1/cycles", headers=theirs), 401)["code"] == "unauthorised"
    page = client.get("/account")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "contrib@a.test", "password": TEST_PASSWORD}
        ).status_code
        == 401
    )

    back = client.patch(path, headers=admin, json={"active": True})
    assert back.status_code == 200 and back.get_json()["status"] == "active"
    assert client.get("/api/v1/cycles", headers=theirs).status_code == 401  # tokens stay revoked


# --- reporting cycles ----------------------------------------------------------------------------


def cycle_body(label="2040-41", year=2040, **overrides):
    return {
        "label": label,
        "opens_on": f"{year}-04-01",
        "due_on": f"{year + 1}-01-31",
        "closes_on": f"{year + 1}-03-31",
        **overrides,
    }


def test_an_admin_opens_changes_and_closes_a_cycle(client, people, admin, delegate):
    listed = client.get("/api/v1/cycles", headers=delegate).get_json()["items"]
    in_progress = people["cycle"].opens_on <= TODAY  # the only cycle, once it has opened
    assert [(c["label"], c["current"], c["closed"]) for c in listed] == [
        ("2026–27", in_progress, False)
    ]

    response = client.post("/api/v1/cycles", headers=admin, json=cycle_body())
    assert response.status_code == 201, response.get_json()
    cycle = response.get_json()
    assert (cycle["label"], cycle["closes_on"], cycle["current"]) == (
        "2040–41",
        "2041-03-31",
        False,
    )
    assert client.get(response.headers["Location"], headers=delegate).get_json() == cycle

    path = f"/api/v1/cycles/{cycle['id']}"
    changed = client.patch(path, headers=admin, json={"due_on": "2041-02-28", "label": "2040–41"})
    assert changed.status_code == 200 and changed.get_json()["due_on"] == "2041-02-28"

    current = f"/api/v1/cycles/{people['cycle'].id}"
    closed = client.patch(current, headers=admin, json={"closed": True}).get_json()
    assert closed["closed"] is True and closed["closed_at"] is not None
    problem = error(client.patch(current, headers=admin, json={"closed": False}), 422)
    assert problem["field"] == "closed"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "cycle"))
    assert sorted(events) == ["cycle.changed", "cycle.closed", "cycle.opened"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (cycle_body(due_on="2040-03-01"), "due_on", "on or after the date the cycle opens"),
        (cycle_body(closes_on="2041-01-30"), "closes_on", "close on or after its due date"),
        (cycle_body(label="2039-40", year=2039, closes_on="2040-05-01"), "opens_on", "overlap"),
        (cycle_body(label="2026-27", year=2050), "label", "exists already"),
        (cycle_body(label="next year"), "label", "two years"),
        (cycle_body(opens_on="2040-02-30"), "opens_on", "date like"),
        ({"label": "2060-61"}, "opens_on", "required"),
    ],
)
def test_a_cycle_that_breaks_a_rule_is_422(client, people, admin, body, field, words):
    assert client.post("/api/v1/cycles", headers=admin, json=cycle_body()).status_code == 201
    problem = error(client.post("/api/v1/cycles", headers=admin, json=body), 422)
    assert problem["field"] == field and words in problem["message"]
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


def test_a_cycle_changed_to_overlap_another_is_422(client, people, admin):
    cycle = client.post("/api/v1/cycles", headers=admin, json=cycle_body()).get_json()
    path = f"/api/v1/cycles/{cycle['id']}"
    problem = error(client.patch(path, headers=admin, json={"opens_on": "2027-03-01"}), 422)
    assert problem["field"] == "opens_on" and "2026–27" in problem["message"]
    problem = error(client.patch(path, headers=admin, json={"label": "2026–27"}), 422)
    assert problem["field"] == "label"
    assert client.patch("/api/v1/cycles/99999", headers=admin, json={}).status_code == 404


# --- organisations ---------------------------------------------------------------------------


def test_an_admin_adds_an_organisation(client, people, admin, delegate):
    body = {
        "code": "pol-a",
        "name": "Region A Police",
        "name_cy": "Heddlu Rhanbarth A",
        "kind": "police",
        "region": "RSB-A",
    }
    response = client.post("/api/v1/organisations", headers=admin, json=body)
    assert response.status_code == 201, response.get_json()
    org = response.get_json()
    assert (org["code"], org["region_id"], org["active"]) == ("POL-A", people["rsb"].id, True)
    assert client.get(response.headers["Location"], headers=delegate).get_json() == org
    listed = client.get("/api/v1/organisations?per_page=100", headers=delegate).get_json()
    assert all("active" in o for o in listed["items"])

    problem = error(client.post("/api/v1/organisations", headers=admin, json=body), 409)
    assert (problem["code"], problem["field"]) == ("conflict", "code")
    error(client.post("/api/v1/organisations", headers=delegate, json=body), 403)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "pub"}, "kind"),
        ({"region": None}, "region"),
        ({"region": "LA-A"}, "region"),  # a region is a board's
        ({"code": "lower case!"}, "code"),
        ({"name": " "}, "name"),
        ({"kind": "rsb"}, "region"),  # boards are their own region
    ],
)
def test_an_organisation_that_breaks_a_rule_is_422(client, people, admin, overrides, field):
    body = {"code": "POL-A", "name": "Police", "kind": "police", "region": "RSB-A", **overrides}
    problem = error(client.post("/api/v1/organisations", headers=admin, json=body), 422)
    assert problem["field"] == field
    assert db.session.scalar(select(Organisation).where(Organisation.code == "POL-A")) is None


# --- frameworks ------------------------------------------------------------------------------


def test_an_admin_imports_a_framework_as_a_file_or_a_yaml_body(client, people, admin):
    response = client.post(
        "/api/v1/frameworks",
        headers=admin,
        data={"file": (io.BytesIO(framework_yaml(2)), "test-v2.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    imported = response.get_json()
    assert (imported["key"], imported["version"]) == ("test-framework", 2)
    assert [s["key"] for s in imported["sections"]] == ["first", "second"]
    assert client.get(response.headers["Location"], headers=admin).get_json() == imported
    assert db.session.get(Framework, imported["id"]).source_file == "test-v2.yaml"

    yaml_body = {**admin, "Content-Type": "application/yaml"}
    response = client.post("/api/v1/frameworks", headers=yaml_body, data=framework_yaml(3))
    assert response.status_code == 201 and response.get_json()["version"] == 3

    problem = error(
        client.post("/api/v1/frameworks", headers=yaml_body, data=framework_yaml(3)), 409
    )
    assert (problem["code"], problem["field"]) == ("conflict", "version")


def test_a_framework_file_with_problems_is_422_with_every_problem(client, people, admin):
    broken = (
        framework_yaml(2)
        .replace(b"rag: amber", b"rag: purple")
        .replace(b"kind: progress", b"kind: novel")
    )
    response = client.post(
        "/api/v1/frameworks", headers={**admin, "Content-Type": "application/yaml"}, data=broken
    )
    problem = error(response, 422)
    assert problem["code"] == "invalid_framework"
    assert problem["message"] == "The framework file has 2 problems; nothing was imported."
    assert {p["path"] for p in problem["problems"]} == {"kind", "scale[2].rag"}
    assert all(p["reason"] for p in problem["problems"])

    for content in (b"key: [unclosed", b"\xff\xfe", b""):
        response = client.post(
            "/api/v1/frameworks", headers={**admin, "Content-Type": "text/yaml"}, data=content
        )
        assert error(response, 422)["problems"], content
    no_file = client.post(
        "/api/v1/frameworks", headers=admin, data={"other": "x"}, content_type="multipart/form-data"
    )
    assert error(no_file, 422)["field"] == "file"
    as_json = client.post("/api/v1/frameworks", headers=admin, json={"key": "x"})
    assert error(as_json, 415)["code"] == "unsupported_media_type"
    huge = client.post(
        "/api/v1/frameworks",
        headers={**admin, "Content-Type": "application/yaml"},
        data=b"#" * (2 * 1024 * 1024),
    )
    assert error(huge, 413)["code"] == "too_large"
    assert db.session.scalar(select(func.count(Framework.id))) == 1


def test_only_admins_may_change_reference_data(client, people, token):
    cycle_path = f"/api/v1/cycles/{people['cycle'].id}"
    for email in ("coord@a.test", "contrib@a.test", "insp@ciw.test", "rev@b.test"):
        headers = token(email)
        for method, path, kwargs in (
            ("post", "/api/v1/cycles", {"json": cycle_body()}),
            ("patch", cycle_path, {"json": {"closed": True}}),
            (
                "post",
                "/api/v1/organisations",
                {"json": {"code": "X-1", "name": "X", "kind": "police"}},
            ),
            (
                "post",
                "/api/v1/frameworks",
                {"data": framework_yaml(2), "content_type": "application/yaml"},
            ),
        ):
            response = client.open(path, method=method, headers=headers, **kwargs)
            assert error(response, 403)["code"] == "forbidden", (email, path)
    assert client.post("/api/v1/cycles", json=cycle_body()).status_code == 401
    assert client.post("/api/v1/frameworks", data=framework_yaml(2)).status_code == 401


# --- a dozen identical requests at once ------------------------------------------------------

DOZEN = 12


def all_at_once(app, requests: list) -> list:
    """Send each (method, path, headers, kwargs) from a thread of its own, all released
    together; return the responses' (status, body)."""
    start = threading.Barrier(len(requests), timeout=30)
    answers = [None] * len(requests)

    def send(i, method, path, headers, kwargs):
        client = app.test_client()
        start.wait()
        response = client.open(path, method=method, headers=headers, **kwargs)
        answers[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    return answers


def statuses(answers) -> list[int]:
    return sorted(status for status, _body in answers)


@pytest.fixture
def together(monkeypatch):
    """Make every one of `parties` requests pass its checks before any of them writes, by
    holding each at `where` (a module and a function's name) until all have arrived."""

    def _hold(parties: int, module, name: str, first_call_only: bool = False):
        barrier = threading.Barrier(parties, timeout=30)
        real = getattr(module, name)
        seen = threading.local()

        def held(*args, **kwargs):
            result = real(*args, **kwargs)
            if not (first_call_only and getattr(seen, "done", False)):
                seen.done = True
                barrier.wait()
            return result

        monkeypatch.setattr(module, name, held)

    return _hold


def test_a_dozen_identical_invitations_add_one_person_and_send_one_email(
    app, client, admin, together, smtp_sink
):
    client.get("/api/v1/users", headers=admin)  # the token's last use is recorded now
    # Every request finds the address free before any adds it: the unique key decides.
    together(DOZEN, people_service, "address_in_use", first_call_only=True)
    body = {"email": "Same@A.test", "name": "Same", "organisation": "LA-A", "role": "contributor"}
    answers = all_at_once(app, [("post", "/api/v1/users", admin, {"json": body})] * DOZEN)
    assert statuses(answers) == [201] + [409] * (DOZEN - 1), answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"conflict"}
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "same@a.test")) == 1
    invited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.invited"))
    assert len(invited.all()) == 1
    mail.wait()
    assert [m["To"] for m in smtp_sink.parsed()] == ["same@a.test"]


@pytest.mark.parametrize(
    ("path", "kwargs", "losers"),
    [
        ("/api/v1/cycles", {"json": cycle_body()}, 422),
        (
            "/api/v1/organisations",
            {"json": {"code": "POL-A", "name": "Police", "kind": "police", "region": "RSB-A"}},
            409,
        ),
        (
            "/api/v1/frameworks",
            {"data": framework_yaml(2), "content_type": "application/yaml"},
            409,
        ),
    ],
)
def test_a_dozen_identical_creations_make_one(app, client, admin, path, kwargs, losers):
    client.get("/api/v1/users", headers=admin)
    answers = all_at_once(app, [("post", path, admin, kwargs)] * DOZEN)
    assert statuses(answers) == [201] + [losers] * (DOZEN - 1), answers
    assert all(body["error"]["message"] for status, body in answers if status != 201)


def test_a_dozen_identical_deactivations_are_one_change(app, client, people, admin, together):
    client.get("/api/v1/users", headers=admin)
    together(DOZEN, access, "get_person_or_404")  # each has read them as active
    path = f"/api/v1/users/{people['contributor'].id}"
    body = {"json": {"active": False, "reason": "Left"}}
    answers = all_at_once(app, [("patch", path, admin, body)] * DOZEN)
    assert statuses(answers) == [200] * DOZEN, answers
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    assert len(events.all()) == 1


def test_two_admins_removing_each_other_at_once_leave_one(
    app, client, people, make_user, token, together
):
    second = make_user("admin", people["admin"].organisation, email="admin2@wales.test")
    first_headers, second_headers = token("admin@wales.test"), token("admin2@wales.test")
    for headers in (first_headers, second_headers):
        client.get("/api/v1/users", headers=headers)
    together(2, access, "get_person_or_404")
    body = {"json": {"active": False, "reason": "Mutiny"}}
    answers = all_at_once(
        app,
        [
            ("patch", f"/api/v1/users/{second.id}", first_headers, body),
            ("patch", f"/api/v1/users/{people['admin'].id}", second_headers, body),
        ],
    )
    assert statuses(answers) == [200, 422], answers
    refusal = next(body for status, body in answers if status == 422)
    assert "last active administrator" in refusal["error"]["message"]
    active = select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
    assert db.session.scalar(active) == 1
