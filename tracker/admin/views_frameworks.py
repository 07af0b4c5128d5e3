"""Administration: frameworks (issue #15). Every version, an upload that is previewed before it
is imported, and retiring a version. The rules are in tracker/frameworks/operations.py.

The previewed file travels to the confirmation in the form itself, with its SHA-256 and a
signature over that digest made with the app's secret key: nothing is held on the server
between the two requests, and a confirmation can import only what this administrator was shown.
"""

import hashlib
import hmac
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from tracker.admin import bp
from tracker.admin.views import require
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.frameworks import operations, queries
from tracker.frameworks.loader import FrameworkFileError
from tracker.i18n import current_language
from tracker.models import Framework

# The largest shipped framework is about 20 KB. The confirmation carries the text in a form
# field, and Flask refuses form fields over MAX_FORM_MEMORY_SIZE (500,000 bytes).
MAX_FRAMEWORK_BYTES = 256 * 1024
FILENAME_MAX = 200

# How the preview names what changed (tracker/frameworks/changes.py).
CHANGE_LABELS = {
    "text": _l("Wording"),
    "theme": _l("Theme"),
    "guidance": _l("Guidance"),
    "section": _l("Section"),
    "label": _l("Label"),
    "descriptor": _l("Descriptor"),
    "rag": _l("Red, amber or green"),
    "added": _l("New level"),
    "removed": _l("Level removed"),
    "title": _l("Title"),
    "description": _l("Description"),
    "kind": _l("Kind"),
    "applies_to": _l("Organisation kinds that use it"),
    "min_kinds": _l("Triangulation: kinds of evidence needed"),
    "min_sources": _l("Triangulation: source organisations needed"),
    "required_from": _l("Triangulation: needed from score"),
}
LANGUAGE_LABELS = {"en": _l("English"), "cy": _l("Welsh")}


class UploadForm(FlaskForm):
    file = FileField(_l("Framework file"))


class ConfirmForm(FlaskForm):
    filename = HiddenField()
    content = HiddenField()
    sha256 = HiddenField()
    signature = HiddenField()


def _signature(filename: str, digest: str) -> str:
    """Binds the previewed content (by its digest) and its name to this administrator."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"framework-upload\0{current_user.id}\0{filename}\0{digest}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _normalised(text: str) -> str:
    # A browser sends form fields back with CRLF line ends: hash and keep one form only.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _index(upload: UploadForm | None = None, problems=None, status: int = 200):
    return render_template(
        "admin/frameworks/index.html",
        versions=queries.all_versions(),
        form=upload or UploadForm(formdata=None),
        problems=problems,
        max_kb=MAX_FRAMEWORK_BYTES // 1024,
    ), status


@bp.get("/frameworks")
@login_required
def frameworks():
    require("admin.manage")
    return _index()


def _uploaded_text(form: UploadForm) -> tuple[str, str] | None:
    """The uploaded file's name and text, or None with the reason on the form's field."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors.append(_("Choose a framework file to upload."))
        return None
    content = upload.stream.read(MAX_FRAMEWORK_BYTES + 1)
    if len(content) > MAX_FRAMEWORK_BYTES:
        form.file.errors.append(
            _("The file must be %(kb)d KB or smaller.", kb=MAX_FRAMEWORK_BYTES // 1024)
        )
        return None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors.append(_("The file must be YAML text saved as UTF-8."))
        return None
    return Path(upload.filename).name[:FILENAME_MAX], _normalised(text)


@bp.post("/frameworks")
@login_required
def upload_framework():
    require("admin.manage")
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    uploaded = _uploaded_text(form)
    if uploaded is None:
        return _index(form, status=400)
    filename, text = uploaded
    try:
        comparison = operations.preview(text, filename)
    except FrameworkFileError as refused:
        return _index(form, problems=refused, status=400)
    digest = hashlib.sha256(text.encode()).hexdigest()
    confirm = ConfirmForm(
        formdata=None,
        filename=filename,
        content=text,
        sha256=digest,
        signature=_signature(filename, digest),
    )
    return render_template(
        "admin/frameworks/preview.html",
        comparison=comparison,
        form=confirm,
        filename=filename,
        digest=digest,
        labels=CHANGE_LABELS,
        languages=LANGUAGE_LABELS,
    )


@bp.post("/frameworks/confirm")
@login_required
def confirm_framework():
    require("admin.manage")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    filename, text = form.filename.data or "", _normalised(form.content.data or "")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if not (
        text
        and hmac.compare_digest(digest, form.sha256.data or "")
        and hmac.compare_digest(_signature(filename, digest), form.signature.data or "")
    ):
        return render_template("admin/frameworks/refused.html"), 400
    try:
        framework = operations.import_framework(filename, current_user, text=text)
    except FrameworkFileError as refused:
        repeat = any(path == "version" for path, _reason in refused.problems)
        return _index(problems=refused, status=409 if repeat else 400)
    flash(
        _(
            "Imported %(title)s, version %(version)d.",
            title=framework.title_in(current_language()),
            version=framework.version,
        )
    )
    return redirect(url_for("admin.frameworks"))


def _set_retired(framework_id: int, retired: bool):
    require("admin.manage")
    if not PostForm().validate_on_submit():
        abort(400)
    framework = db.session.get(Framework, framework_id) or abort(404)
    title = _("%(key)s version %(version)d", key=framework.key, version=framework.version)
    if operations.set_retired(current_user, framework, retired):
        flash(
            _("%(framework)s is retired.", framework=title)
            if retired
            else _("%(framework)s is offered again.", framework=title)
        )
    else:
        flash(
            _("%(framework)s was already retired.", framework=title)
            if retired
            else _("%(framework)s was not retired.", framework=title)
        )
    return redirect(url_for("admin.frameworks"))


@bp.post("/frameworks/<int:framework_id>/retire")
@login_required
def retire_framework(framework_id: int):
    return _set_retired(framework_id, True)


@bp.post("/frameworks/<int:framework_id>/unretire")
@login_required
def unretire_framework(framework_id: int):
    return _set_retired(framework_id, False)
