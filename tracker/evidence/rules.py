"""The evidence library's limits and the errors its operations raise: shared by the pages and
the API, which answer each with its own status."""

from flask_babel import lazy_gettext as _l

from tracker.models import Evidence

TITLE_MAX = 300


DESCRIPTION_MAX = 4_000


NOTE_MAX = 1_000


URL_MAX = 2_000


class EvidenceError(Exception):
    """A request the evidence rules refuse; `field` names the form field concerned."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class FileTooLarge(EvidenceError):
    """An upload over the size limit (an API answers 413)."""


class FileTypeRefused(EvidenceError):
    """An upload whose content is not a type the tracker accepts (an API answers 415)."""


class StoreUnavailable(EvidenceError):
    """The evidence store could not take the file (disk full, read-only, unreachable): nothing
    was recorded, and trying again later may work (pages and API answer 503)."""


STORE_RETRY_SECONDS = 60


class LinkGone(EvidenceError):
    """The link was removed already, by another request (pages and API answer 404)."""


class AlreadyWithdrawn(EvidenceError):
    """The evidence was withdrawn already; the message says by whom and why (a 409)."""

    def __init__(self, evidence: Evidence):
        super().__init__(
            _l(
                "This evidence was already withdrawn by %(name)s: %(reason)s",
                name=evidence.withdrawn_by.name if evidence.withdrawn_by else "",
                reason=evidence.withdrawn_reason or "",
            )
        )


ALREADY_LINKED = _l("This evidence is already linked to this item")
