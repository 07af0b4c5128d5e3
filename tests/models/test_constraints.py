"""The database itself keeps the data honest, whatever a future bug in a service does."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Evidence, Response


def _refused(change) -> None:
    change()
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_assessment_per_organisation_framework_and_cycle(make_assessment):
    first = make_assessment()
    _refused(
        lambda: db.session.add(
            Assessment(
                organisation_id=first.organisation_id,
                framework_id=first.framework_id,
                cycle_id=first.cycle_id,
                status="draft",
            )
        )
    )


def test_one_response_per_item(make_assessment):
    assessment = make_assessment()
    item = assessment.framework.items[0]
    _refused(
        lambda: db.session.add(
            Response(assessment_id=assessment.id, item_id=item.id, framework_id=item.framework_id)
        )
    )


@pytest.mark.parametrize("column", ["self_score", "validated_score"])
@pytest.mark.parametrize("score", [-1, 4, 99])
def test_scores_off_the_scale_are_refused_by_the_database(make_assessment, column, score):
    response = make_assessment().responses[0]
    _refused(lambda: setattr(response, column, score))


def test_scores_on_the_scale_are_kept(make_assessment):
    response = make_assessment().responses[0]
    response.self_score, response.validated_score = 3, 0
    db.session.commit()
    db.session.refresh(response)
    assert (response.self_score, response.validated_score) == (3, 0)


def test_unknown_status_is_refused(make_assessment):
    assessment = make_assessment()
    _refused(lambda: setattr(assessment, "status", "deleted"))


def test_response_cannot_point_at_another_frameworks_item(make_assessment, tmp_path):
    from tests.frameworks.test_loader import _mutated, _set, _write
    from tracker.frameworks.operations import import_framework

    other = import_framework(_write(tmp_path, _mutated(_set(["key"], "other")), "other.yaml"))
    response = make_assessment().responses[0]
    _refused(lambda: setattr(response, "item_id", other.items[0].id))


def test_stale_write_is_refused_not_overwritten(app, make_assessment):
    response = make_assessment().responses[0]
    response.narrative = "First save"
    db.session.commit()
    assert response.version == 2
    # Another request changes the same response meanwhile.
    with app.app_context():
        other = db.session.get(Response, response.id)
        other.narrative = "Someone else's save"
        db.session.commit()
    response.narrative = "My stale save"
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    db.session.refresh(response)
    assert response.narrative == "Someone else's save"


def test_evidence_is_a_file_or_a_url_never_both_or_neither(make_assessment, make_user):
    user = make_user()
    base = dict(
        organisation_id=user.organisation_id,
        source_organisation_id=user.organisation_id,
        uploaded_by_id=user.id,
        title="Audit report",
        kind="audit",
    )
    _refused(lambda: db.session.add(Evidence(**base)))
    _refused(lambda: db.session.add(Evidence(**base, sha256="a" * 64, url="https://x.example")))
    db.session.add(Evidence(**base, url="https://example.org/report"))
    db.session.commit()


def test_withdrawal_needs_a_reason(make_user):
    from tracker.models.base import utcnow

    user = make_user()
    evidence = Evidence(
        organisation_id=user.organisation_id,
        title="Minutes",
        kind="document",
        source_organisation_id=user.organisation_id,
        uploaded_by_id=user.id,
        url="https://example.org/minutes",
    )
    db.session.add(evidence)
    db.session.commit()
    _refused(lambda: setattr(evidence, "withdrawn_at", utcnow()))


def test_audit_event_records_before_and_after(make_user):
    user = make_user()
    event = AuditEvent.record(user, "user.renamed", user, before={"name": "A"}, after={"name": "B"})
    db.session.commit()
    assert (event.entity, event.entity_id, event.before, event.after) == (
        "user_account",
        user.id,
        {"name": "A"},
        {"name": "B"},
    )


def test_one_assessment_per_framework_key_whatever_the_version(make_assessment, tmp_path):
    from tests.frameworks.test_loader import _mutated, _set, _write
    from tracker.frameworks.operations import import_framework

    first = make_assessment()
    version_2 = import_framework(_write(tmp_path, _mutated(_set(["version"], 2)), "v2.yaml"))
    _refused(
        lambda: db.session.add(
            Assessment(
                organisation_id=first.organisation_id,
                framework=version_2,
                cycle_id=first.cycle_id,
                status="draft",
            )
        )
    )


def test_response_must_be_on_its_assessments_framework(make_assessment, tmp_path):
    from tests.frameworks.test_loader import _mutated, _set, _write
    from tracker.frameworks.operations import import_framework

    assessment = make_assessment()
    other = import_framework(_write(tmp_path, _mutated(_set(["key"], "other")), "other.yaml"))
    _refused(
        lambda: db.session.add(
            Response(assessment_id=assessment.id, item_id=other.items[0].id, framework_id=other.id)
        )
    )


@pytest.mark.parametrize("status, submitted", [("draft", True), ("submitted", False)])
def test_only_drafts_lack_a_submission_time(make_assessment, status, submitted):
    from tracker.models.base import utcnow

    assessment = make_assessment()

    def change():
        assessment.status = status
        assessment.submitted_at = utcnow() if submitted else None

    _refused(change)
