"""Administration: framework versions, the upload that is previewed before it is imported, and
retirement (issue #15)."""

import hashlib
import io
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import FRAMEWORK_FIXTURES, csrf_token, page_text
from tracker.extensions import db
from tracker.frameworks import operations
from tracker.frameworks.operations import import_framework
from tracker.frameworks.queries import latest_frameworks
from tracker.models import AuditEvent, Framework, Response

HIDDEN = re.compile(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"', re.S)


@pytest.fixture
def admin(make_org, make_user, login):
    user = make_user("admin", make_org("national"), email="admin@national.test")
    login(user.email)
    return user


def _versions() -> list[tuple[str, int]]:
    db.session.expire_all()
    return list(db.session.execute(select(Framework.key, Framework.version).order_by(Framework.id)))


def _upload(client, content: bytes, filename: str = "upload.yaml"):
    token = csrf_token(client, "/admin/frameworks")
    return client.post(
        "/admin/frameworks",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _fixture(name: str) -> bytes:
    return (FRAMEWORK_FIXTURES / name).read_bytes()


def _confirm_fields(preview) -> dict:
    """The hidden fields of the preview's confirmation form, as a browser would send them."""
    import html

    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(preview.text)}
    assert {"csrf_token", "filename", "content", "sha256", "signature"} <= set(fields)
    return fields


def _confirm(client, fields: dict):
    return client.post("/admin/frameworks/confirm", data=fields, content_type="multipart/form-data")


ROUTES = [
    ("get", "/admin/frameworks"),
    ("post", "/admin/frameworks"),
    ("post", "/admin/frameworks/confirm"),
    ("post", "/admin/frameworks/{id}/retire"),
    ("post", "/admin/frameworks/{id}/unretire"),
]


@pytest.mark.parametrize("role, kind", [("coordinator", "rsb"), ("inspector", "inspectorate")])
@pytest.mark.parametrize("method, path", ROUTES)
def test_only_administrators_may_use_the_pages(
    client, login, make_org, make_user, framework, role, kind, method, path
):
    user = make_user(role, make_org(kind))
    login(user.email)
    token = csrf_token(client, "/account")
    data = {"csrf_token": token} if method == "post" else None
    response = getattr(client, method)(path.format(id=framework.id), data=data)
    assert response.status_code == 403
    assert _versions() == [("test-framework", 1)]
    assert framework.retired_at is None


def test_the_page_lists_every_version(client, admin, framework, make_assessment):
    import_framework("v2.yaml", text=_fixture("valid-v2.yaml").decode())
    make_assessment()
    page = page_text(client.get("/admin/frameworks"))
    rows = re.findall(r'<tr class="govuk-table__row" id="framework-\d+">(.*?)</tr>', page, re.S)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert cells[0].startswith("test-framework 2 Test framework v2.yaml 3 0 Offered")
    assert cells[1].startswith("test-framework 1 Test framework valid.yaml 3 1 Replaced")


def test_a_file_with_mistakes_shows_the_loaders_messages_and_imports_nothing(
    client, admin, framework
):
    response = _upload(client, _fixture("mistakes.yaml"), "mistakes.yaml")
    assert response.status_code == 400
    page = page_text(response)
    assert "There is a problem" in page
    assert "mistakes.yaml: scale[1].rag: should be one of red, amber, green" in page
    assert "mistakes.yaml: sections[0].items[1].theme: is missing" in page
    assert "Nothing was imported" in page
    assert _versions() == [("test-framework", 1)]


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "", "Choose a framework file to upload."),
        ("key: caf\xe9\n".encode("latin-1"), "latin.yaml", "YAML text saved as UTF-8"),
        (b"# " + b"x" * (256 * 1024), "big.yaml", "256 KB or smaller"),
        (b"key: [unclosed\n", "bad.yaml", "bad.yaml: line 2, column 1: not valid YAML"),
    ],
)
def test_bad_uploads_are_refused_plainly(client, admin, content, filename, message):
    response = _upload(client, content, filename)
    assert response.status_code == 400
    assert message in page_text(response)
    assert _versions() == []


def test_a_version_not_above_the_latest_is_refused(client, admin, framework):
    import_framework("v2.yaml", text=_fixture("valid-v2.yaml").decode())
    again = _upload(client, _fixture("valid.yaml"), "valid.yaml")
    assert again.status_code == 400
    assert "version 1 of 'test-framework' is already imported; give the file version 3" in (
        page_text(again)
    )
    import_framework(
        "v4.yaml", text=_fixture("valid-v2.yaml").decode().replace("version: 2", "version: 4")
    )
    lower = _upload(client, _fixture("valid-v2.yaml").replace(b"version: 2", b"version: 3"))
    assert "version 3 is not above the latest version of 'test-framework', 4" in page_text(lower)
    assert [v for _k, v in _versions()] == [1, 2, 4]


def test_the_preview_lists_what_changes_and_imports_nothing(client, admin, framework):
    response = _upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml")
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)))
    assert "2, replacing version 1" in page
    assert "1 item added B2 · reflective supervision" in page
    assert "1 item removed" in page and "A2 · auditing" in page
    assert "2 items changed" in page
    assert (
        "A1 · thresholds Wording (English) Was: Thresholds are understood. "
        "Now: Thresholds are understood and applied. "
        "Wording (Welsh) Was: nothing Now: Mae trothwyon yn cael eu deall."
    ) in page
    assert (
        "B1 · multi-agency training Theme (English) Was: training Now: multi-agency training"
        in (page)
    )
    assert "Score 1 · Planned with named owners Label (English) Was: Planned" in page
    assert hashlib.sha256(_fixture("valid-v2.yaml")).hexdigest() in page
    assert _versions() == [("test-framework", 1)]


def test_a_new_framework_says_so(client, admin):
    response = _upload(client, _fixture("valid.yaml"), "valid.yaml")
    assert "This is a new framework: no version of test-framework has been imported" in (
        page_text(response)
    )
    assert _versions() == []


def test_confirming_imports_the_previewed_file_once(client, admin, framework):
    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    response = _confirm(client, fields)
    assert response.status_code == 302
    assert "Imported Test framework, version 2." in page_text(client.get(response.location))
    assert _versions() == [("test-framework", 1), ("test-framework", 2)]
    imported = db.session.scalar(select(Framework).where(Framework.version == 2))
    assert [i.key for i in imported.items] == ["A1", "B1", "B2"]
    assert imported.items[0].text["cy"] == "Mae trothwyon yn cael eu deall."
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "framework.imported", AuditEvent.entity_id == imported.id
        )
    )
    assert (event.user_id, event.after) == (
        admin.id,
        {"key": "test-framework", "version": 2, "file": "valid-v2.yaml"},
    )

    again = _confirm(client, fields)  # the same confirmation sent a second time
    assert again.status_code == 409
    assert "version 2 of 'test-framework' is already imported" in page_text(again)
    assert _versions() == [("test-framework", 1), ("test-framework", 2)]


def test_a_raced_confirmation_is_refused_by_the_unique_version(
    client, admin, framework, monkeypatch
):
    """Two confirmations at once: both pass the version check before either has committed; the
    database's unique (key, version) decides, and the loser gets the repeat's message."""
    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    assert _confirm(client, fields).status_code == 302
    real, calls = operations._version_problem, []

    def checked_before_the_other_committed(data):
        calls.append(data["version"])
        return None if len(calls) == 1 else real(data)

    monkeypatch.setattr(operations, "_version_problem", checked_before_the_other_committed)
    raced = _confirm(client, fields)
    assert raced.status_code == 409
    assert "version 2 of 'test-framework' is already imported" in page_text(raced)
    assert len(calls) == 2  # the constraint, not the check, refused it
    assert _versions() == [("test-framework", 1), ("test-framework", 2)]
    count = select(func.count(AuditEvent.id)).where(AuditEvent.action == "framework.imported")
    assert db.session.scalar(count) == 2  # the fixture's import and the one confirmation


def _tamper_content(fields):
    fields["content"] = fields["content"].replace("reflective supervision", "anything at all")


def _tamper_content_and_digest(fields):
    _tamper_content(fields)
    fields["sha256"] = hashlib.sha256(fields["content"].encode()).hexdigest()


def _drop(name):
    return lambda fields: fields.pop(name)


def _rename(fields):
    fields["filename"] = "other.yaml"


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_content,
        _tamper_content_and_digest,
        _drop("content"),
        _drop("signature"),
        _drop("sha256"),
        _rename,
    ],
    ids=["content", "content-and-digest", "no-content", "no-signature", "no-digest", "renamed"],
)
def test_a_tampered_or_incomplete_confirmation_is_refused(client, admin, framework, tamper):
    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    tamper(fields)
    response = _confirm(client, fields)
    assert response.status_code == 400
    assert "not the content you were shown in the preview" in page_text(response)
    assert _versions() == [("test-framework", 1)]


def test_a_confirmation_from_another_administrator_is_refused(
    client, admin, framework, make_user, make_org, login
):
    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    other = make_user("admin", make_org("national"), email="other-admin@national.test")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(other.email)
    fields["csrf_token"] = csrf_token(client, "/admin/frameworks")
    assert _confirm(client, fields).status_code == 400
    assert _versions() == [("test-framework", 1)]


def test_windows_line_ends_from_the_browser_still_confirm(client, admin, framework):
    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    fields["content"] = fields["content"].replace("\n", "\r\n")
    assert _confirm(client, fields).status_code == 302
    assert _versions()[-1] == ("test-framework", 2)


def _post(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/frameworks")})


def test_retiring_hides_a_version_from_new_assessments_and_keeps_answers(
    client, admin, login, region, draft
):
    framework = region["framework"]
    draft.responses[0].self_score, draft.responses[0].narrative = 2, "Audited in March."
    db.session.commit()
    response = _post(client, f"/admin/frameworks/{framework.id}/retire")
    assert response.status_code == 302
    assert "test-framework version 1 is retired." in page_text(client.get(response.location))
    assert "Retired" in page_text(client.get("/admin/frameworks"))
    assert latest_frameworks() == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "framework.retired"))
    assert (event.user_id, event.entity_id, event.before) == (
        admin.id,
        framework.id,
        {"retired_at": None},
    )

    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(region["outsider"].email)  # a coordinator with nothing started in this cycle
    assert f"Start: {framework.title['en']}" not in page_text(client.get("/"))
    start = client.post(
        f"/assessments/start/{framework.id}",
        data={"csrf_token": csrf_token(client, "/"), "start_from": "empty"},
    )
    assert start.status_code == 400
    assert "This framework version is retired" in page_text(start)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login("coord@a.test")  # the existing assessment still opens, its answer as it was
    page = page_text(client.get(f"/assessments/{draft.id}/items/{framework.items[0].key}"))
    assert "Audited in March." in page
    db.session.expire_all()
    answer = db.session.get(Response, draft.responses[0].id)
    assert (answer.self_score, answer.narrative) == (2, "Audited in March.")


def test_unretiring_offers_it_again_and_repeats_change_nothing(client, admin, framework):
    assert _post(client, f"/admin/frameworks/{framework.id}/retire").status_code == 302
    repeat = _post(client, f"/admin/frameworks/{framework.id}/retire")
    assert "already retired" in page_text(client.get(repeat.location))
    assert _post(client, f"/admin/frameworks/{framework.id}/unretire").status_code == 302
    assert latest_frameworks() == [framework]
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("framework.%retired"))
        .order_by(AuditEvent.id)
    )
    assert list(actions) == ["framework.retired", "framework.unretired"]
    assert _post(client, "/admin/frameworks/999999/retire").status_code == 404


def test_the_newest_version_not_retired_is_offered(framework, make_user, make_org):
    second = import_framework("v2.yaml", text=_fixture("valid-v2.yaml").decode())
    actor = make_user("admin", make_org("national"))
    assert latest_frameworks() == [second]
    operations.set_retired(actor, second, True)
    assert latest_frameworks() == [framework]
    operations.set_retired(actor, framework, True)
    assert latest_frameworks() == []


def test_two_confirmations_at_once_import_one_version(app, client, admin, framework, monkeypatch):
    """Two browsers confirm the same preview at the same moment: both pass the version check
    before either writes; one imports, the other is told it is a repeat (never a 500)."""
    import threading

    from tests.conftest import TEST_PASSWORD

    fields = _confirm_fields(_upload(client, _fixture("valid-v2.yaml"), "valid-v2.yaml"))
    other = app.test_client()
    token = csrf_token(other, "/login")
    signed_in = {"email": admin.email, "password": TEST_PASSWORD, "csrf_token": token}
    assert other.post("/login", data=signed_in).status_code == 302
    other_fields = {**fields, "csrf_token": csrf_token(other, "/admin/frameworks")}

    both_checked = threading.Barrier(2, timeout=20)
    real_build = operations._build

    def build_when_both_have_checked(data, source):
        both_checked.wait()
        return real_build(data, source)

    monkeypatch.setattr(operations, "_build", build_when_both_have_checked)
    statuses = []

    def confirm(browser, data):
        statuses.append(_confirm(browser, data).status_code)

    threads = [
        threading.Thread(target=confirm, args=(client, fields)),
        threading.Thread(target=confirm, args=(other, other_fields)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [302, 409]
    assert _versions() == [("test-framework", 1), ("test-framework", 2)]
