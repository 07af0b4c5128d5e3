"""What the benchmark measures inside its own process, with the app's own objects: the ids of
the pages to visit, SQL statements per request (an engine event counts them), and the time to
publish statements with all their charts (folded in from the old bench/statements.py)."""

import re
import time

from sqlalchemy import event, func, select

from tracker import clock, create_app, synthetic
from tracker.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_app(dataset):
    """The tracker app on a dataset's database, as the server sees it (no test shortcuts but
    sign-in throttling, which the benchmark's repeated sign-ins would trip)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": dataset.sqlalchemy_url,
            "TRACKER_EVIDENCE_DIR": str(dataset.folder / "evidence"),
            "INSTANCE_DIR": str(dataset.folder),
            "RATELIMIT_ENABLED": False,
        }
    )


def resolve_ids(app, seed: int) -> dict:
    """The ids of the benchmark's pages in this dataset: the current cycle's assessments of the
    benchmark users' organisations, an item, a challenge and a piece of evidence."""
    from tracker.models import (
        Assessment,
        Challenge,
        ChallengeMessage,
        Cycle,
        Evidence,
        EvidenceLink,
        Organisation,
        Response,
    )

    with app.app_context():
        one = db.session.scalar
        cycle = one(select(Cycle).order_by(Cycle.opens_on.desc()).limit(1))
        org = {o.code: o for o in db.session.scalars(select(Organisation))}

        def assessment(code):
            return one(
                select(Assessment).where(
                    Assessment.organisation_id == org[code].id,
                    Assessment.framework_key == "cprr-2023",
                    Assessment.cycle_id == cycle.id,
                )
            )

        # Objects of the same shape at every scale (scored, linked, challenged), so that the
        # SQL statements a page needs can be compared across scales.
        draft = assessment("RSB-CV")
        review = assessment("HB-CAV")  # in review by the benchmark reviewer, challenged
        messages = (
            select(ChallengeMessage.challenge_id, func.count(ChallengeMessage.id).label("n"))
            .group_by(ChallengeMessage.challenge_id)
            .subquery()
        )
        challenge = one(
            select(Challenge.id)
            .join(Response, Response.id == Challenge.response_id)
            .join(messages, messages.c.challenge_id == Challenge.id)
            .where(Response.assessment_id == review.id)
            .order_by(messages.c.n.desc(), Challenge.id)
            .limit(1)
        )
        evidence = one(
            select(Evidence.id)
            .where(
                Evidence.organisation_id == org["RSB-CV"].id,
                Evidence.sha256.is_not(None),
                Evidence.id.in_(select(EvidenceLink.evidence_id)),
            )
            .order_by(Evidence.id.desc())
            .limit(1)
        )
        scored = [r for r in draft.responses if r.self_score is not None]
        # What the concurrency measure's users write to: the draft's responses (saves and
        # uploads) and the review's responses with no challenge in progress (challenges).
        unsettled = select(Challenge.response_id).where(Challenge.status != "resolved")
        challengeable = db.session.scalars(
            select(Response.id)
            .where(Response.assessment_id == review.id, Response.id.not_in(unsettled))
            .order_by(Response.id)
        ).all()
        first_response = min(scored, key=lambda r: r.item.position)
        return {
            "cycle": cycle.id,
            "framework": draft.framework_id,
            "draft": draft.id,
            "item": first_response.item.key,
            "response": first_response.id,
            "review": review.id,
            "review_item": min(review.responses, key=lambda r: r.item.position).item.key,
            "challenge": challenge,
            "evidence": evidence,
            "organisation": org["RSB-CV"].id,
            "health_board": org["HB-CAV"].id,
            "draft_responses": sorted(r.id for r in draft.responses),
            "challengeable": challengeable,
            "tokens": {
                email: synthetic.api_token(seed, email) for email, _r, _c in synthetic.BENCH_USERS
            },
        }


def count_queries(app, endpoints, tokens: dict) -> dict[str, int]:
    """SQL statements per request for each endpoint (the second of two requests, so that
    one-off work such as a token's last-used time is not counted)."""
    counted = [0]

    def count(*_args):
        counted[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    clients = {}
    try:
        result = {}
        for endpoint in endpoints:
            client = clients.get(endpoint.who)
            if client is None:
                client = clients[endpoint.who] = app.test_client()
                if not endpoint.api:
                    _login(client, endpoint.who)
            headers = {"Authorization": f"Bearer {tokens[endpoint.who]}"} if endpoint.api else {}
            for _ in range(2):
                counted[0] = 0
                response = client.get(endpoint.path, headers=headers)
                response.close()
            if response.status_code != 200:
                raise RuntimeError(f"{endpoint.name}: status {response.status_code}")
            result[endpoint.name] = counted[0]
        return result
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": synthetic.PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {email} failed in process ({response.status_code})")


def publish_statement(app, scope: str, organisation_code: str | None) -> float:
    """Seconds to build and publish a CPRR statement for the current cycle, charts drawn
    afresh (as for data never drawn before), PDF included."""
    from tracker.frameworks.queries import latest_frameworks
    from tracker.models import Cycle, Organisation, User
    from tracker.reporting import charts
    from tracker.statements import operations

    with app.app_context(), app.test_request_context():
        inspector = db.session.scalar(select(User).where(User.email == "inspector@bench.example"))
        framework = next(f for f in latest_frameworks() if f.key == "cprr-2023")
        cycle = db.session.scalar(select(Cycle).order_by(Cycle.opens_on.desc()).limit(1))
        organisation = None
        if organisation_code:
            organisation = db.session.scalar(
                select(Organisation).where(Organisation.code == organisation_code)
            )
        charts.clear_cache()
        started = time.perf_counter()
        statement = operations.create(inspector, scope, organisation, framework, cycle, "en")
        db.session.flush()
        for _step in operations.publish(inspector, statement, statement.version, clock.today()):
            pass
        return time.perf_counter() - started


def grow_large_records(app, ids: dict) -> dict:
    """Make the benchmark coordinator's draft hold a response with 10,000 evidence links and
    their library 20,000 pieces (DESIGN §10's very large records); the ids of its pages."""
    from tracker.models import Assessment

    with app.app_context():
        draft = db.session.get(Assessment, ids["draft"])
        second = sorted(
            (r for r in draft.responses if r.id != ids["response"]), key=lambda r: r.item.position
        )[0]
        large = {"large_response": second.id, "large_item": second.item.key}
        synthetic.large_records(second.id)
        return large
