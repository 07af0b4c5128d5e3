"""Statement pages: HTTP only. The changes are in operations.py, the reads in queries.py,
access in tracker/access.py."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.access import (
    can,
    get_framework_or_404,
    get_organisation_or_404,
    get_statement_or_404,
)
from tracker.cycles import current_cycle
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.i18n import current_language
from tracker.models import Cycle, Organisation
from tracker.rules import RuleError
from tracker.security import as_id
from tracker.statements import bp, document, drafting, operations, queries, rendering
from tracker.statements.forms import BuildForm, PublishForm, SectionForm
from tracker.statements.views_public import document_response
from tracker.web import is_htmx


def _load(statement_id: int, action: str = "statement.view"):
    return get_statement_or_404(statement_id, current_user, action, queries.load)


@bp.get("/")
@login_required
def index():
    """The statements the user may read."""
    statements = queries.listing(current_user)
    return render_template(
        "statements/index.html",
        statements=statements,
        may_build=can(current_user, "statement.build"),
    )


def _build_choices(form: BuildForm) -> None:
    lang = current_language()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    empty = [("", _("Choose…"))]
    form.region.choices = empty + [(o.id, o.display_name(lang)) for o in orgs if o.kind == "rsb"]
    form.organisation.choices = empty + [
        (o.id, o.display_name(lang)) for o in orgs if o.kind not in ("inspectorate", "national")
    ]
    form.framework.choices = [(f.id, f.title_in(lang)) for f in latest_frameworks()]
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    form.cycle.choices = [(c.id, c.label) for c in cycles]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a statement: choose its scope, framework, cycle and language."""
    if not can(current_user, "statement.build"):
        abort(403)
    form = BuildForm()
    _build_choices(form)
    if request.method == "GET":
        cycle = current_cycle()
        form.cycle.data = cycle.id if cycle else None
    if form.validate_on_submit():
        framework = get_framework_or_404(form.framework.data, current_user)
        cycle = db.session.get(Cycle, form.cycle.data) or abort(404)
        org_id = {"region": form.region.data, "organisation": form.organisation.data}.get(
            form.scope.data
        )
        organisation = get_organisation_or_404(org_id, current_user) if org_id else None
        try:
            statement = operations.create(
                current_user, form.scope.data, organisation, framework, cycle, form.language.data
            )
        except RuleError as error:
            field = "region" if form.scope.data == "region" else error.field or "scope"
            getattr(form, field, form.scope).errors.append(error.message)
        else:
            return redirect(url_for(".show", statement_id=statement.id))
    return render_template("statements/new.html", form=form), (400 if form.errors else 200)


def _builder(statement, status: int = 200, forms: dict | None = None):
    may_edit = can(current_user, "statement.edit", statement)
    texts, part = {}, None
    # The working draft is drawn only for those the page shows it to: someone reading a
    # published statement gets its frozen versions, never today's text and figures.
    if may_edit and can(current_user, "statement.draft", statement):
        today = clock.today()
        data = queries.dataset(statement, today)
        texts = {
            locale: document.section_texts(statement, data, locale, today)
            for locale in queries.languages(statement)
        }
        lang = current_language()
        part_lang = lang if lang in texts else next(iter(texts))
        part = document.parts(statement, data, [part_lang], today, inline=False)[0]
    publish_form = PublishForm(version=statement.version)
    return render_template(
        "statements/show.html",
        statement=statement,
        texts=texts,
        part=part,
        forms=forms or {},
        publish_form=publish_form,
        may_edit=may_edit,
        may_publish=can(current_user, "statement.publish", statement),
    ), status


@bp.get("/<int:statement_id>")
@login_required
def show(statement_id: int):
    """The statement builder: its sections and, for its editors, the working draft."""
    return _builder(_load(statement_id))


def _section_or_404(statement, locale: str, key: str):
    if locale not in queries.languages(statement) or key not in drafting.SECTION_KEYS:
        abort(404)


@bp.route("/<int:statement_id>/sections/<locale>/<key>", methods=["GET", "POST"])
@login_required
def section(statement_id: int, locale: str, key: str):
    """Edit one section in one language, in place with htmx or as a page."""
    statement = _load(statement_id, "statement.edit")
    _section_or_404(statement, locale, key)
    today = clock.today()
    data = queries.dataset(statement, today)
    current = document.section_text(statement, data, locale, key, today)
    form = SectionForm()
    status = 200
    if request.method != "POST":  # GET, and HEAD as GET
        form.version.data, form.text.data = statement.version, current.text
    elif form.validate_on_submit():
        if request.form.get("confirm") == "matches":
            return _confirm_section(statement, locale, key, form)
        try:
            operations.edit_section(
                current_user, statement, locale, key, form.text.data, as_id(form.version.data) or 0
            )
        except operations.StaleStatement:
            db.session.rollback()
            form.version.data = statement.version
            form.text.errors.append(
                _(
                    "Someone else changed this statement since you opened it. Your text is "
                    "below and has not been saved: check the statement, then save again."
                )
            )
            status = 409
        except RuleError as error:
            form.text.errors.append(error.message)
            status = 400
        else:
            return _section_saved(statement, data, locale, key, today)
    else:
        status = 400
    template = "statements/_section_form.html" if is_htmx() else "statements/section.html"
    return render_template(
        template, statement=statement, locale=locale, section=current, form=form, in_place=is_htmx()
    ), status


def _section_saved(statement, data, locale: str, key: str, today):
    """After a save: the section in place for htmx, else back to the statement at it."""
    if not is_htmx():
        flash(_("Section saved."))
        return redirect(url_for(".show", statement_id=statement.id, _anchor=f"{locale}-{key}"))
    # The other languages' blocks of this section come too: their marks changed.
    others = [
        (other, document.section_text(statement, data, other, key, today))
        for other in queries.languages(statement)
        if other != locale
    ]
    return render_template(
        "statements/_section.html",
        statement=statement,
        locale=locale,
        section=document.section_text(statement, data, locale, key, today),
        may_edit=True,
        saved=True,
        others=others,
    )


@bp.get("/<int:statement_id>/preview")
@login_required
def preview(statement_id: int):
    """The working draft as the whole document would be published."""
    statement = _load(statement_id, "statement.draft")
    today = clock.today()
    data = queries.dataset(statement, today)
    parts = document.parts(statement, data, queries.languages(statement), today, inline=False)
    return document_response(rendering.render(parts, for_pdf=False))


@bp.get("/<int:statement_id>/charts/<locale>/<key>.png")
@login_required
def chart(statement_id: int, locale: str, key: str):
    """One of the working draft's charts as a PNG."""
    statement = _load(statement_id, "statement.draft")
    if locale not in queries.languages(statement) or key not in document.chart_keys(statement):
        abort(404)
    data = queries.dataset(statement, clock.today())
    image = document.draw(statement, data, key, locale)
    response = Response(image, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def _confirm_section(statement, locale: str, key: str, form: SectionForm):
    """Someone checked that a section marked as needing an update still matches."""
    anchor = url_for(".show", statement_id=statement.id, _anchor=f"{locale}-{key}")
    try:
        operations.confirm_section(
            current_user, statement, locale, key, as_id(form.version.data) or 0
        )
    except operations.StaleStatement:
        db.session.rollback()
        flash(
            _(
                "Someone else changed this statement since you opened it, so nothing was "
                "recorded. Check the section again."
            ),
            "error",
        )
        return redirect(anchor)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(anchor)
    flash(_("You confirmed that the section still matches."))
    return redirect(anchor)


def _publish_page(statement, form: PublishForm, differing, status: int = 200):
    return render_template(
        "statements/publish.html",
        statement=statement,
        form=form,
        differing=differing,
        number=len(statement.versions) + 1,
    ), status


def _publishing(user, statement, today, outcome: dict):
    """Publish, yielding each step for the page; the version made, or the error, goes in
    `outcome`."""
    try:
        for step in operations.publish(user, statement, statement.version, today):
            if step.result is not None:
                outcome["published"] = step.result
            yield step
    except operations.StaleStatement:
        outcome["error"] = _(
            "Someone else published or changed this statement at the same moment, so "
            "nothing was published. Open the statement again to see its latest version."
        )
    except Exception:  # anything else: nothing is recorded, and the page says so
        db.session.rollback()
        current_app.logger.exception("publishing statement %s failed", statement.id)
        outcome["error"] = _(
            "The statement could not be published because of a fault. Nothing was "
            "recorded; try again, and tell the service team if it happens again."
        )


@bp.route("/<int:statement_id>/publish", methods=["GET", "POST"])
@login_required
def publish(statement_id: int):
    """GET: what publishing will do, to confirm; POST: publish, showing each step."""
    statement = _load(statement_id, "statement.publish")
    form = PublishForm()
    differing = queries.differing_sections(statement)
    if request.method != "POST":
        form.version.data = statement.version
        return _publish_page(statement, form, differing)
    if not form.validate_on_submit():
        abort(400)
    if differing and not form.differences.data:
        form.differences.errors.append(
            _("Confirm that you want to publish although these sections may differ")
        )
        return _publish_page(statement, form, differing, 400)
    if as_id(form.version.data) != statement.version:
        flash(
            _(
                "The statement changed since you opened it, so it was not published. Check it, "
                "then publish again."
            ),
            "error",
        )
        return _builder(statement, status=409)
    outcome: dict = {}
    user, today = current_user._get_current_object(), clock.today()
    steps = _publishing(user, statement, today, outcome)

    def page():
        # The request's database session closes when this view returns, before the page
        # streams: the user and the statement join the session the stream works in.
        db.session.add(user)
        db.session.add(statement)
        yield from stream_template(
            "statements/publishing.html", statement=statement, steps=steps, outcome=outcome
        )

    streamed = Response(stream_with_context(page()), mimetype="text/html")
    streamed.headers["X-Accel-Buffering"] = "no"  # a proxy (nginx) passes each step on at once
    return streamed
