"""Dashboard pages and chart images: access, languages, bad inputs, links and query counts."""

import io
import re

import pytest
from PIL import Image

from tests.assessments.test_access_and_queries import _count_queries, _framework_with
from tests.conftest import page_text
from tests.dashboards.conftest import scores, triangulate
from tracker.extensions import db
from tracker.models import Action, Challenge, ReviewAssignment

CHARTS = ["tracker-heat-map", "tracker-sections", "trend", "calibration"]
ORGANISATION_CHARTS = ["organisation-sections", "organisation-profile"]


def pages(nation) -> list[str]:
    org = nation["rsb"].id
    return [
        "/dashboards/",
        f"/dashboards/organisations/{org}",
        "/dashboards/trends",
        f"/dashboards/trends?by=item&organisation={org}",
        "/dashboards/calibration",
    ]


def chart_urls(nation) -> list[str]:
    org = nation["rsb"].id
    return [f"/dashboards/charts/{name}.png" for name in CHARTS] + [
        f"/dashboards/charts/{name}.png?organisation={org}" for name in ORGANISATION_CHARTS
    ]


def test_signed_out_people_are_sent_to_sign_in(client, nation):
    for path in pages(nation) + chart_urls(nation):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_every_page_renders_for_an_inspector(client, login, nation, lang):
    login("insp@ciw.test")
    for path in pages(nation):
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}lang={lang}")
        assert response.status_code == 200, path
        text = page_text(response)
        assert f'<html lang="{lang}"' in text
        assert ("Fframwaith prawf" if lang == "cy" else "Test framework") in text, path


def test_the_national_tracker_shows_regions_scores_and_flags(client, login, nation):
    login("insp@ciw.test")
    text = page_text(client.get("/dashboards/"))
    assert "Region: Region A Safeguarding Board" in text
    assert "All Wales, and organisations in no single region" in text
    assert "Heddlu Police" in text
    assert "Region A Safeguarding Board, A1, In progress, validated</span>" in text
    assert "Region A Safeguarding Board, A2, In progress, evidence not triangulated, " in text
    assert "claim beyond evidence" in text
    assert "Region B" not in text.replace("Region B Safeguarding Board", "")  # no row for B
    assert nation["other"].name not in text  # its draft is private
    response_link = f"/review/assessments/{nation['assessment'].id}/items/A1"
    assert response_link in text
    assert client.get(response_link).status_code == 200
    assert 'alt="Scores by organisation and item: Test framework, 2026–27.' in text


def test_in_welsh_the_names_are_welsh(client, login, nation):
    login("insp@ciw.test")
    text = page_text(client.get("/dashboards/?lang=cy"))
    assert ">Heddlu</a>" in text


def test_a_coordinator_links_to_their_own_item_pages(client, login, nation):
    login("coord@a.test")
    text = page_text(client.get("/dashboards/"))
    link = f"/assessments/{nation['assessment'].id}/items/A1"
    assert link in text and client.get(link).status_code == 200
    assert nation["other"].name not in text


def test_another_organisations_draft_is_never_shown(client, login, nation):
    login("insp@ciw.test")
    other = nation["other"].id
    page = page_text(client.get(f"/dashboards/organisations/{other}"))
    assert "There is no assessment of Test framework for 2026–27 that you may see." in page
    assert "organisation-profile" not in page
    for name in ORGANISATION_CHARTS:
        url = f"/dashboards/charts/{name}.png?organisation={other}"
        assert client.get(url).status_code == 404, url
    assert client.get(f"/dashboards/charts/trend.png?organisation={other}").status_code == 404


def test_charts_refuse_when_nothing_may_be_seen(client, login, nation, make_user, make_org):
    make_user("coordinator", make_org("rsb"), email="lonely@c.test")
    login("lonely@c.test")
    for url in chart_urls(nation):
        assert client.get(url).status_code == 404, url
    assert "that you may see" in page_text(client.get("/dashboards/"))


def test_chart_images_are_private_pngs(client, login, nation):
    login("insp@ciw.test")
    for url in chart_urls(nation):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG")
        assert Image.open(io.BytesIO(response.data)).width > 300
        # The app marks every signed-in response no-store, which is stricter than private.
        assert response.headers["Cache-Control"] in ("private, max-age=300", "no-store")
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_the_chart_is_the_same_picture_as_the_page_in_the_same_language(client, login, nation):
    login("insp@ciw.test")
    english = client.get("/dashboards/charts/tracker-heat-map.png?lang=en").data
    welsh = client.get("/dashboards/charts/tracker-heat-map.png?lang=cy").data
    assert english != welsh  # Heddlu, not Heddlu Police


def _bad_urls(nation):
    org = nation["rsb"].id
    return [
        "/dashboards/?framework=abc",
        "/dashboards/?framework=999999",
        "/dashboards/?cycle=0",
        "/dashboards/?cycle=99999999999999999999",
        "/dashboards/organisations/999999",
        f"/dashboards/organisations/{org}?framework=x",
        "/dashboards/trends?organisation=abc",
        "/dashboards/trends?organisation=999999",
        "/dashboards/trends?by=everything",
        "/dashboards/calibration?cycle=-1",
        "/dashboards/charts/unknown.png",
        "/dashboards/charts/tracker-heat-map.png?framework=nope",
        "/dashboards/charts/organisation-profile.png",
        "/dashboards/charts/organisation-profile.png?organisation=abc",
        "/dashboards/charts/organisation-sections.png?organisation=999999",
        "/dashboards/charts/trend.png?by=x",
    ]


def test_bad_inputs_are_not_found(client, login, nation):
    login("insp@ciw.test")
    for url in _bad_urls(nation):
        assert client.get(url).status_code == 404, url


def test_pages_with_no_frameworks_or_cycles_yet(client, login, make_user):
    make_user("inspector", email="early@ciw.test")
    login("early@ciw.test")
    for path in ("/dashboards/", "/dashboards/trends", "/dashboards/calibration"):
        assert client.get(path).status_code == 200, path


def test_the_organisation_dashboard_lists_open_work(client, login, nation):
    login("coord@a.test")
    text = page_text(client.get(f"/dashboards/organisations/{nation['rsb'].id}"))
    assert "Where is the audit?" not in text  # the list names the item, not the question
    assert f"/review/challenges/{nation['challenge'].id}" in text
    assert "Late action" in text and "Soon action" in text
    assert "Far action" not in text and "Done action" not in text
    assert "Maturity profile" in text


def test_calibration_states_its_rule(client, login, nation):
    login("insp@ciw.test")
    text = page_text(client.get("/dashboards/calibration"))
    assert "at least half a level above the validated ones" in text
    assert "Optimistic" in text  # region A's board: self 3, validated 2


def test_the_menu_links_to_the_dashboards(client, login, nation):
    login("coord@a.test")
    assert 'href="/dashboards/"' in page_text(client.get("/"))


# --- the number of queries does not grow with the data -----------------------------------------


def _dataset(tmp_path, make_org, make_user, make_cycle, make_assessment, nation, n, key):
    framework = _framework_with(tmp_path, n * 4, key)
    cycles = [make_cycle(f"{key}-{c}", 2000 + 10 * n + c) for c in range(n)]
    reviewer = nation["reviewer"]
    for o in range(n):
        board = make_org("rsb", name=f"{key} board {o}")
        for member in (board, make_org("local_authority", region=board)):
            for cycle in cycles:
                a = make_assessment(
                    organisation=member, cycle=cycle, framework=framework, status="in_review"
                )
                scores(
                    a,
                    {i.key: n % 4 for i in framework.items},
                    {i.key: (n + 1) % 4 for i in framework.items[::2]},
                )
                first = a.responses[0]
                triangulate(first, nation["coordinator"], [board, member, member])
                first.actions = [Action(description="Do it", owner="BM", due_on=cycle.opens_on)]
                db.session.add(Challenge(response=first, raised_by_id=reviewer.id, question="Why?"))
                db.session.add(
                    ReviewAssignment(
                        assessment=a, reviewer_id=reviewer.id, assigned_by_id=reviewer.id
                    )
                )
        db.session.commit()
    return framework, cycles[-1], board


def test_queries_do_not_grow_with_the_data(
    tmp_path, client, login, nation, make_org, make_user, make_cycle, make_assessment
):
    login("insp@ciw.test")
    counts = {}
    for n, key in ((1, "small"), (3, "large")):
        framework, cycle, board = _dataset(
            tmp_path, make_org, make_user, make_cycle, make_assessment, nation, n, key
        )
        filters = f"framework={framework.id}&cycle={cycle.id}"
        urls = [
            f"/dashboards/?{filters}",
            f"/dashboards/organisations/{board.id}?{filters}",
            f"/dashboards/trends?framework={framework.id}&by=item",
            f"/dashboards/trends?framework={framework.id}&organisation={board.id}",
            f"/dashboards/calibration?{filters}",
            f"/dashboards/charts/tracker-heat-map.png?{filters}",
            f"/dashboards/charts/tracker-sections.png?{filters}",
            f"/dashboards/charts/organisation-profile.png?organisation={board.id}&{filters}",
            f"/dashboards/charts/trend.png?framework={framework.id}",
            f"/dashboards/charts/calibration.png?{filters}",
        ]
        counts[key] = [_count_queries(client, url) for url in urls]
    assert counts["small"] == counts["large"], counts


def test_a_missing_validated_score_says_not_yet_validated(client, login, nation):
    """Issue 17.10: "Validated score – Not scored" read as if the item had no score."""
    login("coord@a.test")
    page = client.get(f"/dashboards/organisations/{nation['rsb'].id}").get_data(as_text=True)
    rows = {
        key: row
        for key, row in re.findall(r'<th scope="row"[^>]*>.*?>(A\d|B\d)<(.*?)</tr>', page, re.S)
    }
    assert "2 · " in rows["A1"]  # validated
    assert "Not yet validated" in rows["A2"] and "Not scored" not in rows["A2"]
