"""Someone else's assessment is invisible on every URL; pages make a fixed number of queries;
narratives are sanitised."""

import pytest
from sqlalchemy import event

from tests.conftest import csrf_token, page_text
from tests.frameworks.test_loader import VALID, _write
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db
from tracker.frameworks.operations import import_framework
from tracker.models import Action, Evidence, EvidenceLink
from tracker.web import render_markdown


def _assessment_urls(app, assessment, action_id, link_id):
    """Every URL of the assessments area, filled in for one assessment."""
    values = {
        "assessment_id": assessment.id,
        "item_key": "A1",
        "action_id": action_id,
        "link_id": link_id,
        "framework_id": assessment.framework_id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("assessments.") and "assessment_id" in rule.arguments:
            path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            urls.append((path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return urls


def test_another_organisation_gets_404_on_every_url(app, client, login, draft, region):
    action = Action(response=draft.responses[0], description="Private", owner="BM")
    db.session.add(action)
    evidence = Evidence(
        organisation_id=draft.organisation_id,
        title="Private audit",
        kind="audit",
        source_organisation_id=draft.organisation_id,
        url="https://example.org",
        uploaded_by_id=region["coordinator"].id,
    )
    link = EvidenceLink(evidence=evidence, response=draft.responses[0])
    db.session.add_all([action, evidence, link])
    db.session.commit()
    login("coord@b.test")
    token = csrf_token(client, "/")
    urls = _assessment_urls(app, draft, action.id, link.id)
    assert len(urls) >= 7
    for path, methods in urls:
        for method in methods:
            response = client.open(
                path,
                method=method,
                data={"csrf_token": token},
                headers={"HX-Request": "true"} if method == "POST" else {},
            )
            assert response.status_code == 404, (method, path, response.status_code)
            assert "Private" not in page_text(response)


def test_submitted_work_is_hidden_from_reviewers_not_assigned(
    app, client, login, draft, region, make_user
):
    make_user("reviewer", region["other"], email="rev@b.test")
    for r in draft.responses:
        r.self_score, r.narrative = 1, "n"
    db.session.commit()
    assessment_ops.submit(region["coordinator"], draft)
    login("rev@b.test")
    assert client.get(f"/assessments/{draft.id}").status_code == 404
    assert client.get(f"/assessments/{draft.id}/items/A1/history").status_code == 404


def test_unknown_item_or_action_is_404(client, login, draft):
    login("coord@a.test")
    assert client.get(f"/assessments/{draft.id}/items/NOPE").status_code == 404
    assert client.get(f"/assessments/{draft.id}/actions/999999").status_code == 404
    assert client.get("/assessments/999999").status_code == 404


def _framework_with(tmp_path, n_items: int, key: str):
    data = {
        **VALID,
        "key": key,
        "sections": [
            {
                "key": f"s{s}",
                "title": {"en": f"Section {s}"},
                "items": [
                    {"key": f"I{s}-{i}", "theme": {"en": "theme"}, "text": {"en": "text"}}
                    for i in range(n_items // 4)
                ],
            }
            for s in range(4)
        ],
    }
    return import_framework(_write(tmp_path, data, f"{key}.yaml"))


def _count_queries(client, path):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_task_list_and_item_page_queries_do_not_grow_with_items(
    tmp_path, client, login, region, make_assessment
):
    login("coord@a.test")
    counts = {}
    for n_items, key in ((8, "small"), (40, "large")):
        framework = _framework_with(tmp_path, n_items, key)
        assessment = make_assessment(
            organisation=region["rsb"], cycle=region["cycle"], framework=framework
        )
        for n, response in enumerate(assessment.responses):
            if n % 2:  # half answered; the rest in progress through their actions alone
                response.self_score, response.narrative = 2, "Text"
            response.actions = [Action(description=f"a{i}", owner="BM") for i in range(3)]
        db.session.commit()
        first_key = framework.items[0].key
        counts[n_items] = (
            _count_queries(client, f"/assessments/{assessment.id}"),
            _count_queries(client, f"/assessments/{assessment.id}/items/{first_key}"),
            _count_queries(client, "/"),
        )
    assert counts[8] == counts[40], counts


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>Hello", "<script"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        # An https link is kept (issue #17, point 17); its handler is not.
        ('<a href="https://evil.example" onclick="x()">raw</a>', "onclick"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ('<div style="position:fixed">overlay</div>', "style="),
    ],
)
def test_narrative_markdown_is_sanitised(source, forbidden):
    html = str(render_markdown(source))
    assert forbidden not in html.lower()


def test_sanitised_markdown_keeps_formatting():
    html = str(render_markdown("**Strong** and *soft*\n\n- one\n- two"))
    assert "<strong>Strong</strong>" in html and "<em>soft</em>" in html and "<li>one</li>" in html


def test_script_in_a_saved_narrative_is_not_served(client, login, draft):
    draft.responses[0].narrative = "Before<script>alert('x')</script>after"
    db.session.commit()
    login("coord@a.test")
    page = client.get(f"/assessments/{draft.id}/items/A1?lang=en").get_data(as_text=True)
    assert "<script>alert" not in page
