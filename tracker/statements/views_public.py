"""Statement pages anyone may open, signed in or not: the published list, the frozen versions
(HTML and PDF), and checking whether a PDF is one we published."""

import base64
import hashlib
import re

from flask import Response, abort, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user

from tracker.access import get_published_statement_or_404
from tracker.security import CONTENT_SECURITY_POLICY
from tracker.statements import bp, document, queries
from tracker.statements.forms import VerifyForm

VERIFY_MAX = 100 * 1024 * 1024


def document_response(html: str) -> Response:
    """A statement document as a page. Its stylesheet is inside it, so a frozen copy keeps its
    look; the page's policy allows that one stylesheet by its hash and nothing else inline."""
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in styles
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' {hashes}"
    )
    return response


@bp.get("/published")
def published():
    """Public: every published statement, its versions, PDFs and their fingerprints."""
    return render_template("statements/published.html", statements=queries.published_listing())


def _version_or_404(statement_id: int, number: int):
    """A published version, for anyone, signed in or not; never a draft or unpublished text."""
    statement = get_published_statement_or_404(statement_id, current_user, queries.load)
    return statement, queries.published_version(statement, number) or abort(404)


@bp.get("/<int:statement_id>/versions/<int:number>.pdf")
def version_pdf(statement_id: int, number: int):
    """Public: a published version as its PDF, named for what it is."""
    statement, published = _version_or_404(statement_id, number)
    name = f"statement-{statement.id}-v{published.version}.pdf"
    response = send_file(
        queries.open_pdf(published),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
        etag=published.pdf_sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<int:statement_id>/versions/<int:number>.html")
def version_html(statement_id: int, number: int):
    """Public: a published version as its frozen web page."""
    _statement, published = _version_or_404(statement_id, number)
    return document_response(published.html)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Public: is this PDF (or fingerprint) a statement we published, and which one?"""
    form = VerifyForm()
    checked, found, status = None, None, 200
    if form.validate_on_submit():
        upload = form.pdf.data
        if upload and upload.filename:
            checked = queries.sha256_of(upload.stream, VERIFY_MAX)
            if checked is None:
                form.pdf.errors.append(_("The file must be 100 MB or smaller"))
        elif form.sha256.data:
            checked = form.sha256.data.strip().lower()
        else:
            form.pdf.errors.append(_("Choose a PDF, or paste its SHA-256 fingerprint"))
        found = queries.verify(checked) if checked else None
    if form.errors:
        status = 400
    return render_template(
        "statements/verify.html", form=form, checked=checked, found=found
    ), status


@bp.app_template_global("statement_title")
def statement_title(statement, locale: str) -> str:
    """A statement's title in a language, for lists and headings."""
    return document.title(statement, locale)


@bp.app_template_global("statement_languages")
def statement_languages(statement) -> tuple[str, ...]:
    """The languages a statement is written in, for its templates."""
    return queries.languages(statement)


@bp.app_template_global("language_name")
def language_name(locale: str) -> str:
    """A language by its own name, as language links are written."""
    return {"en": "English", "cy": "Cymraeg"}.get(locale, locale)
