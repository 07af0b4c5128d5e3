"""The demo's challenges: each thread as the review workflow would have left it, taken by the
same steps as the review operations (Challenge.raise_on, answer, resolve), with the
notifications it would have sent. Run by seeding.seed_demo, inside a request context so that
links can be built."""

from datetime import date

from flask import url_for
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Challenge, Evidence, EvidenceLink, Notification
from tracker.notifications import operations as notifications
from tracker.seeding import Demo, SeedError, find_assessment, noon


def load_challenge(demo: Demo, row: dict) -> None:
    """One demo challenge with its thread, as the review workflow would have left it, and the
    notifications it would have sent; skipped if the question is already there."""
    assessment = find_assessment(demo, row["assessment"], f"challenge on {row['item']}")
    response = next((r for r in assessment.responses if r.item.key == row["item"]), None)
    if response is None:
        raise SeedError(f"demo.yaml: challenge: no item {row['item']!r}")
    question = row["question"].strip()
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.question == question
        )
    ):
        return
    raiser = demo.user(row["raised_by"])
    challenge = Challenge.raise_on(
        response.id,
        raiser.id,
        question,
        row.get("proposed_score"),
        row["due"],
        row.get("evidence_requested"),
        at=noon(row["raised"]),
    )
    db.session.add(challenge)
    AuditEvent.record(None, "challenge.seeded", challenge, after={"item": row["item"]})
    coordinators = notifications.coordinators_of(assessment.organisation_id)
    db.session.flush()
    link = url_for("review.challenge", challenge_id=challenge.id)
    about = notifications.about(assessment, item=row["item"])
    _notice(
        coordinators,
        "challenge_raised",
        about | {"due": row["due"].isoformat(), "name": raiser.name},
        link,
        row["raised"],
    )
    if "answer" in row:
        step = row["answer"]
        author = demo.user(step["by"])
        chosen = [_library_item(assessment, title) for title in step.get("evidence", [])]
        challenge.answer(author.id, step["body"].strip(), evidence=chosen, at=noon(step["date"]))
        for item in chosen:
            db.session.add(
                EvidenceLink(
                    evidence=item,
                    response=response,
                    linked_by_id=author.id,
                    note="Added in answer to a challenge",
                )
            )
        _notice([raiser], "challenge_answered", about, link, step["date"])
    if "resolution" in row:
        step = row["resolution"]
        resolver, outcome, at = demo.user(step["by"]), step["outcome"], noon(step["date"])
        score = step.get("score") if outcome == "moderated" else response.self_score
        rationale = (step.get("rationale") or "").strip() or None
        challenge.resolve(outcome, resolver.id, score, at, rationale)
        if challenge.settles_score:
            response.validate(score, resolver.id, at)
        _notice(
            coordinators, "challenge_resolved", about | {"outcome": outcome}, link, step["date"]
        )


def _notice(users, kind: str, params: dict, link: str, on: date) -> None:
    for user in users:
        db.session.add(
            Notification(
                user=user,
                kind=kind,
                params=params,
                text=notifications.text_of(kind, params),
                link=link,
                created_at=noon(on),
            )
        )


def _library_item(assessment: Assessment, title: str) -> Evidence:
    found = db.session.scalar(
        select(Evidence).where(
            Evidence.organisation_id == assessment.organisation_id, Evidence.title == title
        )
    )
    if found is None:
        raise SeedError(f"demo.yaml: no evidence {title!r} in the library")
    return found
