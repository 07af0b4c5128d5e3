"""`flask generate-dataset`: the benchmark's synthetic dataset (DESIGN §10), small and quick."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_every_table
from tracker import synthetic
from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Assessment,
    Challenge,
    Cycle,
    EvidenceLink,
    Framework,
    Response,
    User,
)


def _generate(runner, *args):
    result = runner.invoke(args=["generate-dataset", "--organisations", "4", *args])
    assert result.exit_code == 0, result.output
    return re.search(r"Fingerprint: ([0-9a-f]{64})", result.output).group(1)


def test_same_seed_same_dataset_and_another_seed_another(runner):
    first = _generate(runner, "--seed", "7")
    counts = synthetic.summary().counts
    empty_every_table()
    assert _generate(runner, "--seed", "7") == first
    assert synthetic.summary().counts == counts
    empty_every_table()
    assert _generate(runner, "--seed", "8") != first


def test_the_shape_of_design_section_10(runner):
    _generate(runner)
    count = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
    assert count(Cycle) == synthetic.CYCLES
    assessed = db.session.scalars(select(Assessment.framework_key).distinct()).all()
    assert set(assessed) == set(db.session.scalars(select(Framework.key)))
    # Every response has five pieces of evidence linked.
    links = db.session.execute(
        select(EvidenceLink.response_id, func.count(EvidenceLink.id)).group_by(
            EvidenceLink.response_id
        )
    ).all()
    assert len(links) == count(Response) and {n for _r, n in links} == {5}
    assert count(Challenge) == synthetic.CHALLENGES_PER_ORGANISATION * 4
    # The benchmark's people can sign in and use the API.
    inspector = db.session.scalar(select(User).where(User.email == "inspector@bench.example"))
    assert inspector.check_password(synthetic.PASSWORD)
    assert db.session.scalar(select(func.count(ApiToken.id))) == len(synthetic.BENCH_USERS)


def test_scale_multiplies_the_history(runner):
    _generate(runner, "--scale", "2")
    assert db.session.scalar(select(func.count(Cycle.id))) == 2 * synthetic.CYCLES
    assert db.session.scalar(select(func.count(Challenge.id))) == 2 * 40


def test_refuses_a_database_with_data(runner):
    _generate(runner)
    result = runner.invoke(args=["generate-dataset", "--organisations", "4"])
    assert result.exit_code != 0 and "empty" in result.output


@pytest.mark.parametrize("env", ["production"])
def test_refuses_production(app, runner, env):
    app.config["TRACKER_ENV"] = env
    try:
        result = runner.invoke(args=["generate-dataset", "--organisations", "4"])
    finally:
        app.config["TRACKER_ENV"] = "development"
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.scalar(select(func.count(Cycle.id))) == 0
