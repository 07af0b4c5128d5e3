"""Issue 17.1 on the item page: the answer typed but not saved survives leaving to upload
evidence for the item, and is restored (against the version it was typed on) on return."""

import io
import re

from sqlalchemy import func, select

from tests.conftest import page_text
from tracker.extensions import db
from tracker.models import Draft

NARRATIVE = "Multi-agency audit in June showed thresholds applied the same way."


def _leave(post_answer, draft, version=1, **headers):
    return post_answer(
        draft,
        "A1",
        headers=headers or None,
        score=3,
        narrative=NARRATIVE,
        impact="Re-audit in March.",
        version=version,
        then="upload",
    )


def test_the_item_answer_survives_the_upload(client, login, post, post_answer, region, draft):
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    response = _leave(post_answer, draft)
    assert response.status_code == 302
    upload = response.headers["Location"]
    assert upload.endswith(f"/evidence/new?assessment={draft.id}&item=A1")
    uploaded = post(
        upload,
        {
            "source": "file",
            "file": (io.BytesIO(b"Audit findings."), "audit.txt"),
            "title": "June audit",
            "kind": "audit",
            "source_organisation": region["rsb"].id,
        },
        page=upload,
    )
    assert uploaded.status_code == 302, page_text(uploaded)
    page = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert NARRATIVE in page and "Re-audit in March." in page
    assert re.search(r'name="score" type="radio" value="3"[^>]* checked', page)
    assert "Your unsaved answer is restored" in page
    assert "June audit" in page  # linked on the way

    saved = post_answer(
        draft, "A1", score=3, narrative=NARRATIVE, impact="Re-audit in March.", version=1, save=1
    )
    assert saved.status_code == 302, page_text(saved)
    assert db.session.scalar(select(func.count(Draft.id))) == 0
    assert "Your unsaved answer is restored" not in page_text(client.get(f"{base}/items/A1"))


def test_with_htmx_the_browser_is_sent_to_the_upload(client, login, post_answer, draft):
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    response = _leave(post_answer, draft, **{"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/evidence/new?assessment={draft.id}&item=A1")
    assert NARRATIVE in client.get(f"{base}/items/A1").get_data(as_text=True)


def test_a_restored_draft_cannot_overwrite_a_later_save(client, login, post_answer, draft):
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    _leave(post_answer, draft)
    # Someone saves meanwhile; the draft still carries the version it was typed against.
    other = post_answer(draft, "A1", narrative="Theirs.", version=1, save=1)
    assert other.status_code == 302
    post_answer(draft, "A1", narrative=NARRATIVE, version=1, then="upload")
    page = client.get(f"{base}/items/A1").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    stale = post_answer(draft, "A1", narrative=NARRATIVE, version=1, save=1)
    assert stale.status_code == 409


def test_the_answer_is_kept_before_another_form_reloads_the_page(
    client, login, post, post_answer, draft
):
    """The page's script sends `then=keep` before Link evidence, Unlink, Find or Add action
    reloads the page: the answer is kept, nothing is saved, and the reloaded page restores it."""
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    kept = post_answer(draft, "A1", score=3, narrative=NARRATIVE, version=1, then="keep")
    assert kept.status_code == 204
    # An empty choice of evidence is refused; the page it shows again keeps the answer.
    refused = post(f"{base}/items/A1/evidence", {"link-evidence": ""}, page=f"{base}/items/A1")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert NARRATIVE in page and "Your unsaved answer is restored" in page
    assert re.search(r'name="score" type="radio" value="3"[^>]* checked', page)
    assert draft.responses[0].narrative != NARRATIVE  # kept aside, not saved


def test_keeping_an_answer_needs_the_forms_token(client, login, draft):
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    sent = client.post(f"{base}/items/A1", data={"narrative": NARRATIVE, "then": "keep"})
    assert sent.status_code == 400
    assert db.session.scalar(select(func.count(Draft.id))) == 0
