"""Forms of the organisations pages. The rules (code pattern, regions) are the service's:
its RuleErrors are shown against the field they name."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField

from tracker.extensions import db
from tracker.models import Organisation
from tracker.models.organisations import ORGANISATION_KINDS

KIND_LABELS = {
    "rsb": _l("Regional safeguarding board"),
    "health_board": _l("Health board"),
    "nhs_trust": _l("NHS trust"),
    "local_authority": _l("Local authority"),
    "police": _l("Police force"),
    "education": _l("Education"),
    "inspectorate": _l("Inspectorate"),
    "national": _l("National team"),
}


def _kinds(first):
    return [("", first)] + [(kind, KIND_LABELS[kind]) for kind in ORGANISATION_KINDS]


def _regions(first, locale: str, keep: Organisation | None = None):
    """RSBs to choose from: the active ones, and the one already chosen even if not."""
    rsbs = db.session.scalars(
        select(Organisation).where(Organisation.kind == "rsb").order_by(Organisation.name)
    )
    return [("", first)] + [
        (rsb.code, rsb.display_name(locale)) for rsb in rsbs if rsb.active or rsb == keep
    ]


class OrganisationForm(FlaskForm):
    code = StringField(_l("Code"))
    name = StringField(_l("Name in English"))
    name_cy = StringField(_l("Name in Welsh (optional)"))
    kind = SelectField(_l("Kind of organisation"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)

    def __init__(self, *args, locale: str = "en", keep_region: Organisation | None = None, **kw):
        super().__init__(*args, **kw)
        self.kind.choices = _kinds(_l("Choose a kind"))
        self.region.choices = _regions(_l("No region"), locale, keep=keep_region)


class EditOrganisationForm(OrganisationForm):
    code = None  # the code names the organisation in files and the API: it never changes


class FilterForm(FlaskForm):
    """The list's filters, read from the address (?kind=&region=&active=)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    active = SelectField(
        _l("Status"),
        choices=[("", _l("Any")), ("yes", _l("Active")), ("no", _l("Deactivated"))],
        validate_choice=False,
    )

    def __init__(self, *args, locale: str = "en", **kw):
        super().__init__(*args, **kw)
        self.kind.choices = _kinds(_l("Any"))
        self.region.choices = _regions(_l("Any"), locale)
