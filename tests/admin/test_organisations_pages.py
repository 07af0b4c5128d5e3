"""Organisations in the administration area (issue #15): the list with its filters and pages,
adding and editing with each refusal shown against its field, deactivating and reactivating.
Nothing is ever deleted."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import page_text
from tracker.extensions import db
from tracker.models import AuditEvent, Organisation
from tracker.paging import PER_PAGE


@pytest.fixture
def world(make_org, make_user):
    national = make_org("national", code="NAT", name="National team")
    gwent = make_org("rsb", code="RSB-GWENT", name="Gwent RSB", name_cy="BDR Gwent")
    cardiff = make_org("rsb", code="RSB-CV", name="Cardiff and Vale RSB")
    make_org("local_authority", region=gwent, code="LA-NEWPORT", name="Newport Council")
    make_org("police", region=cardiff, code="PF-SW", name="South Wales Police", active=False)
    admin = make_user("admin", national, email="admin@wales.test")
    make_user("coordinator", gwent, email="coord@gwent.test")
    return {"national": national, "gwent": gwent, "cardiff": cardiff, "admin": admin}


@pytest.fixture
def as_admin(world, login):
    login("admin@wales.test")


def _names(response) -> list[str]:
    """The organisation names in the list's table, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'/edit">([^<]+)<span class="govuk-visually-hidden">', html)


def test_the_list_shows_every_organisation_by_name(client, as_admin):
    response = client.get("/admin/organisations")
    assert response.status_code == 200
    assert _names(response) == [
        "Cardiff and Vale RSB",
        "Gwent RSB",
        "National team",
        "Newport Council",
        "South Wales Police",
    ]
    text = page_text(response)
    assert "Deactivated" in text and "Local authority" in text


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=rsb", ["Cardiff and Vale RSB", "Gwent RSB"]),
        ("region=RSB-GWENT", ["Gwent RSB", "Newport Council"]),
        ("active=no", ["South Wales Police"]),
        ("kind=police&active=yes", []),
        ("kind=nonsense", []),
    ],
)
def test_filters(client, as_admin, query, expected):
    response = client.get(f"/admin/organisations?{query}")
    assert response.status_code == 200
    assert _names(response) == expected


def test_a_long_list_comes_in_pages_keeping_the_filters(client, as_admin):
    db.session.add_all(
        Organisation(code=f"LA-{n:03d}", name=f"Council {n:03d}", kind="local_authority")
        for n in range(PER_PAGE + 5)
    )
    db.session.commit()
    first = client.get("/admin/organisations?active=yes")
    assert len(_names(first)) == PER_PAGE
    assert "page=2" in first.get_data(as_text=True) and "active=yes" in first.get_data(as_text=True)
    second = client.get("/admin/organisations?active=yes&page=2")
    assert len(_names(second)) == 9  # 55 added and 4 active in `world`, 50 a page
    assert set(_names(first)).isdisjoint(_names(second))


@pytest.mark.parametrize(
    "path, method",
    [
        ("/admin/organisations", "get"),
        ("/admin/organisations/new", "get"),
        ("/admin/organisations/new", "post"),
        ("/admin/organisations/{id}/edit", "get"),
        ("/admin/organisations/{id}/edit", "post"),
        ("/admin/organisations/{id}/deactivate", "post"),
        ("/admin/organisations/{id}/reactivate", "post"),
    ],
)
def test_only_administrators_may_use_them(client, login, world, post, path, method):
    login("coord@gwent.test")
    path = path.format(id=world["gwent"].id)
    if method == "get":
        response = client.get(path)
    else:
        response = post(path, {"name": "Taken over"}, page="/account")
    assert response.status_code == 403
    db.session.expire_all()
    assert world["gwent"].name == "Gwent RSB" and world["gwent"].active


def test_signed_out_people_are_sent_to_sign_in(client, world):
    response = client.get("/admin/organisations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_add_an_organisation(client, as_admin, post, world):
    response = post(
        "/admin/organisations/new",
        {
            "code": "hb-test",
            "name": "Test University Health Board",
            "name_cy": "Bwrdd Iechyd Prifysgol Prawf",
            "kind": "health_board",
            "region": "RSB-GWENT",
        },
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.code == "HB-TEST"))
    assert org.name_cy == "Bwrdd Iechyd Prifysgol Prawf"
    assert org.region_id == world["gwent"].id and org.active
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "organisation.added", AuditEvent.entity_id == org.id
        )
    )
    assert "Test University Health Board added." in page_text(client.get("/admin/organisations"))


GOOD = {"code": "LA-TEST", "name": "Test Council", "kind": "local_authority", "region": "RSB-CV"}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"code": "la test"}, "code", "Enter a code of 2 to 40 capital letters"),
        ({"code": "LA-NEWPORT"}, "code", "An organisation with the code LA-NEWPORT exists"),
        ({"name": "  "}, "name", "Enter the organisation's name in English."),
        ({"name": "x" * 201}, "name", "A name must be 200 characters or fewer."),
        ({"kind": ""}, "kind", "Choose the kind of organisation."),
        ({"kind": "pirate"}, "kind", "Choose the kind of organisation."),
        ({"region": ""}, "region", "Choose the safeguarding board region"),
        ({"region": "LA-NEWPORT"}, "region", "Choose the safeguarding board region"),
        ({"kind": "rsb"}, "region", "Safeguarding boards, inspectorates and the national team"),
        ({"kind": "inspectorate"}, "region", "Safeguarding boards, inspectorates and the"),
    ],
)
def test_each_refusal_is_shown_against_its_field_with_the_typed_values_kept(
    client, as_admin, post, change, field, message
):
    before = db.session.scalar(select(func.count(Organisation.id)))
    data = {**GOOD, "name_cy": "Cyngor Prawf", **change}
    response = post("/admin/organisations/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert f'href="#{field}"' in summary and message in unescape(summary)
    assert f'id="{field}-error"' in html
    assert 'value="Cyngor Prawf"' in html  # what was typed is still there
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_edit_changes_names_kind_and_region_but_never_the_code(client, as_admin, post, world):
    org = db.session.scalar(select(Organisation).where(Organisation.code == "LA-NEWPORT"))
    page = client.get(f"/admin/organisations/{org.id}/edit")
    assert page.status_code == 200
    assert 'name="code"' not in page.get_data(as_text=True)
    response = post(
        f"/admin/organisations/{org.id}/edit",
        {
            "code": "HIJACK",
            "name": "Newport City Council",
            "name_cy": "Cyngor Dinas Casnewydd",
            "kind": "local_authority",
            "region": "RSB-CV",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.code, org.name, org.name_cy) == (
        "LA-NEWPORT",
        "Newport City Council",
        "Cyngor Dinas Casnewydd",
    )
    assert org.region_id == world["cardiff"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.changed"))
    assert event.before == {
        "name": "Newport Council",
        "name_cy": None,
        "region": "RSB-GWENT",
    }


def test_edit_refusals_are_shown_against_their_field(client, as_admin, post, world):
    gwent = world["gwent"]
    response = post(
        f"/admin/organisations/{gwent.id}/edit",
        {"name": "Gwent board", "kind": "rsb", "region": "RSB-CV"},
    )
    assert response.status_code == 400
    assert "Safeguarding boards, inspectorates and the national team are in no region." in (
        page_text(response)
    )
    assert 'value="Gwent board"' in response.get_data(as_text=True)
    # A coordinator works there, and an inspectorate cannot have one.
    response = post(
        f"/admin/organisations/{gwent.id}/edit",
        {"name": "Gwent RSB", "kind": "inspectorate", "region": ""},
    )
    assert response.status_code == 400
    assert "change their role first" in page_text(response)
    db.session.expire_all()
    assert (gwent.name, gwent.kind, gwent.region_id) == ("Gwent RSB", "rsb", None)


def test_the_edit_page_of_an_unknown_organisation_is_not_found(client, as_admin):
    assert client.get("/admin/organisations/999999/edit").status_code == 404


def test_deactivate_and_reactivate(client, as_admin, post, world):
    gwent = world["gwent"]
    page = f"/admin/organisations/{gwent.id}/edit"
    response = post(f"/admin/organisations/{gwent.id}/deactivate", {}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert not gwent.active
    assert "Gwent RSB deactivated." in page_text(client.get(page))
    # Deactivated, it is kept, and no longer offered as a region for new organisations.
    assert ">Gwent RSB</option>" not in client.get("/admin/organisations/new").get_data(
        as_text=True
    )
    post(f"/admin/organisations/{gwent.id}/reactivate", {}, page=page)
    db.session.expire_all()
    assert gwent.active
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity == "organisation", AuditEvent.entity_id == gwent.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["organisation.deactivated", "organisation.activated"]


def test_you_cannot_deactivate_your_own_organisation(client, as_admin, post, world):
    national = world["national"]
    page = f"/admin/organisations/{national.id}/edit"
    response = post(f"/admin/organisations/{national.id}/deactivate", {}, page=page)
    assert response.status_code == 302
    assert "You cannot deactivate your own organisation." in page_text(client.get(page))
    db.session.expire_all()
    assert national.active


def test_there_is_no_way_to_delete_one(client, as_admin, world):
    gwent = world["gwent"]
    assert client.delete(f"/admin/organisations/{gwent.id}/edit").status_code == 405
    assert db.session.get(Organisation, gwent.id) is not None


def test_the_pages_read_in_welsh(client, as_admin, world):
    response = client.get("/admin/organisations?lang=cy")
    assert response.status_code == 200
    assert "BDR Gwent" in page_text(response)


def test_a_dozen_simultaneous_deactivations_change_and_audit_once(
    app, client, login, make_org, make_user
):
    import threading

    from sqlalchemy import func, select

    from tests.conftest import csrf_token
    from tracker.extensions import db
    from tracker.models import AuditEvent, Organisation

    org = make_org("local_authority", make_org("rsb"))
    admin = make_user("admin", make_org("national"))
    login(admin.email)
    token = csrf_token(client, "/admin/organisations")
    cookie = client.get_cookie("session", domain="tracker.test").value
    barrier, statuses = threading.Barrier(12), []
    path = f"/admin/organisations/{org.id}/deactivate"

    def deactivate():
        browser = app.test_client()
        browser.set_cookie("session", cookie, domain="tracker.test")
        barrier.wait()
        statuses.append(browser.post(path, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=deactivate) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 12
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).active is False
    events = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "organisation.deactivated"
    )
    assert db.session.scalar(events) == 1
