"""The synthetic dataset's challenges, taken through the same workflow steps as the review
operations (Challenge.raise_on, answer, resolve) on rows not in any session, then written in
bulk with the rest."""

from datetime import timedelta

from sqlalchemy import inspect

from tracker.models import Challenge, ChallengeMessage, Notification, Response
from tracker.synthetic import _at, _lower


def _columns(row) -> dict:
    """The column values set on a model object that is in no session, as a bulk insert takes
    them (what is not set is written as NULL)."""
    state = inspect(row)
    return {a.key: state.dict[a.key] for a in state.mapper.column_attrs if a.key in state.dict}


class ReviewRows:
    """The Generator's challenge rows (it provides rng, add, coordinator and the people)."""

    def _challenges(self, responses, count, opens) -> None:
        open_to = [
            r for r in responses if r[1]["status"] != "draft" and r[0]["self_score"] is not None
        ]
        # The benchmark reviewer's current review always has a finished and an answered thread,
        # so its pages show the same things at every scale.
        forced = [r for r in open_to if r[1]["id"] == self.bench_review_id][:2]
        rest = [r for r in open_to if r not in forced]
        chosen = forced + self.rng.sample(rest, max(0, min(count - len(forced), len(rest))))
        for n, (response, assessment, framework) in enumerate(chosen):
            if n < len(forced):
                status = ("resolved", "responded")[n]
            elif assessment["status"] == "concluded":
                status = "resolved"
            else:
                status = self.rng.choice(("open", "responded", "resolved"))
            outcome = (
                self.rng.choice(("accepted", "accepted", "moderated", "withdrawn"))
                if status == "resolved"
                else None
            )
            raised_by = self.inspector if self.rng.random() < 0.3 else self.bench_reviewer
            lower = _lower(framework, response["self_score"], 1)
            raised = _at(opens + timedelta(days=200))
            coordinator = self.coordinator[assessment["organisation_id"]]
            challenge = Challenge.raise_on(
                response["id"],
                raised_by,
                "What shows that this is embedded in practice?",
                lower,
                opens + timedelta(days=230),
                ["audit"],
                at=raised,
            )
            if status != "open":
                challenge.answer(
                    coordinator, "The audit report is now linked.", at=raised + timedelta(days=10)
                )
            if status == "resolved":
                settled = _at(opens + timedelta(days=250))
                score = lower if outcome == "moderated" else response["self_score"]
                rationale = (
                    "Moderated after the audit findings." if outcome == "moderated" else None
                )
                said = challenge.resolve(outcome, raised_by, score, settled, rationale)
                # The generated thread thanks the organisation ten days after its answer, before
                # the resolution's date: kept as it always was, so a seed gives the same dataset.
                said.body, said.created_at = "Thank you.", raised + timedelta(days=20)
                if outcome == "moderated":  # an accepted score is left to validate, here
                    response.update(Response.validation(score, raised_by, settled))
            challenge.updated_at = raised
            challenge_id = self.add(Challenge, **_columns(challenge))
            for message in challenge.messages:
                self.add(
                    ChallengeMessage,
                    **_columns(message),
                    challenge_id=challenge_id,
                    updated_at=message.created_at,
                )
            self.add(
                Notification,
                user_id=coordinator,
                kind="challenge_raised",
                params={"org": "–", "item": "–", "due": (opens + timedelta(days=230)).isoformat()},
                text="A challenge was raised.",
                link=None,
                read_at=None if status == "open" else raised,
                created_at=raised,
                updated_at=raised,
            )
