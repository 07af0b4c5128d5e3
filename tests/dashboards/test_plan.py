"""An organisation's printable improvement plan (issue #17 point 19): every action of a cycle,
overdue first, as a page to print and as a PDF; for whoever may read the assessment."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from tests.conftest import page_text
from tests.dashboards.conftest import TODAY, response_for
from tracker.dashboards import plan
from tracker.extensions import db
from tracker.models import Action

ORDER = ["Late action", "Soon action", "Far action", "Done action"]  # overdue first, done last


def _url(org, cycle=None, pdf=False):
    query = f"?cycle={cycle.id}" if cycle else ""
    return f"/dashboards/organisations/{org.id}/plan{'.pdf' if pdf else ''}{query}"


def test_the_plan_lists_every_action_overdue_first(nation):
    found = plan.improvement_plan(nation["coordinator"], nation["rsb"], nation["cycle"], TODAY)
    (part,) = found.parts
    assert [r.action.description for r in part.rows] == ORDER
    assert [r.overdue for r in part.rows] == [True, False, False, False]  # done is not overdue
    assert (found.actions, found.overdue) == (4, 1)


def test_the_page_shows_the_plan_and_offers_the_pdf(client, login, nation):
    login(nation["coordinator"].email)
    response = client.get(_url(nation["rsb"]))  # the newest cycle by default
    assert response.status_code == 200
    text = page_text(response)
    assert "Improvement plan, 2026–27" in text and "1 overdue" in text
    positions = [text.index(description) for description in ORDER]
    assert positions == sorted(positions)
    assert 'role="region"' in text and "@media print" not in text  # print rules are in app.css
    assert f'href="{_url(nation["rsb"], nation["cycle"], pdf=True)}"' in text


def test_the_pdf_reads_back_with_the_actions_in_order_and_welsh_letters(client, login, nation):
    response_for(nation["assessment"], "A1").actions.append(
        Action(description="Gŵyl a Ŷ: cynllun", owner="Rheolwr", due_on=TODAY - timedelta(days=30))
    )
    db.session.commit()
    login(nation["coordinator"].email)
    response = client.get(_url(nation["rsb"], nation["cycle"], pdf=True))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Region A Safeguarding Board" in text and "Improvement plan, 2026–27" in text
    assert "Gŵyl a Ŷ: cynllun" in text  # the embedded font has the Welsh letters
    order = ["Gŵyl a Ŷ: cynllun", *ORDER]  # both overdue, the longer overdue first
    positions = [text.index(description) for description in order]
    assert positions == sorted(positions)


def test_the_plan_is_linked_from_the_dashboard_and_the_task_list(client, login, nation):
    login(nation["coordinator"].email)
    link = f'href="/dashboards/organisations/{nation["rsb"].id}/plan?cycle={nation["cycle"].id}"'
    assert link in client.get(f"/dashboards/organisations/{nation['rsb'].id}").get_data(
        as_text=True
    )
    task_list = client.get(f"/assessments/{nation['assessment'].id}").get_data(as_text=True)
    assert link in task_list


@pytest.mark.parametrize("pdf", [False, True])
def test_only_readers_of_the_assessment_see_the_plan(client, login, nation, pdf):
    rsb, other = nation["rsb"], nation["other"]
    login(nation["outsider"].email)  # region B's coordinator
    assert client.get(_url(rsb, pdf=pdf)).status_code == 404
    assert client.get(_url(other, pdf=pdf)).status_code == 200  # their own draft's plan
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login(nation["inspector"].email)
    assert client.get(_url(rsb, pdf=pdf)).status_code == 200  # submitted: theirs to read
    assert client.get(_url(other, pdf=pdf)).status_code == 404  # a draft is private


@pytest.mark.parametrize("cycle", ["abc", "0", "999999", "1.5"])
def test_an_unknown_cycle_is_not_found(client, login, nation, cycle):
    login(nation["coordinator"].email)
    assert (
        client.get(f"/dashboards/organisations/{nation['rsb'].id}/plan?cycle={cycle}").status_code
        == 404
    )


def _csrf(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")
