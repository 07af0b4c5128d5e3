"""A statement as one HTML document, in each of its languages: what the builder previews, what
is frozen when it is published, and what is printed to PDF."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from tracker.statements import document, pdf


def render(parts: list[document.Part], for_pdf: bool, published: dict | None = None) -> str:
    """The whole statement as one HTML document: what is previewed, frozen and printed."""
    return render_template(
        "statements/document.html", **template_context(parts, for_pdf, published)
    )


def template_context(parts_: list[document.Part], for_pdf: bool, published: dict | None) -> dict:
    """What templates/statements/document.html needs besides the parts, in each language.

    `published` is {"version", "at", "by", "organisation"} for a published copy, None for a draft.
    """
    labels: dict[str, dict[str, str]] = {
        name: {}
        for name in (
            "published",
            "draft_notice",
            "contents_label",
            "charts_label",
            "annex_label",
            "flag_note",
        )
    }
    for part in parts_:
        with force_locale(part.locale):
            if published:
                labels["published"][part.locale] = _(
                    "Version %(version)s, published on %(date)s by %(name)s, %(organisation)s.",
                    version=published["version"],
                    date=format_date(published["at"], "d MMMM y"),
                    name=published["by"],
                    organisation=published["organisation"].display_name(part.locale),
                )
            labels["draft_notice"][part.locale] = _(
                "Draft: not published. The figures change as the data does."
            )
            labels["contents_label"][part.locale] = _("Contents")
            labels["charts_label"][part.locale] = _("Charts")
            labels["annex_label"][part.locale] = _("Annex: the regions")
            labels["flag_note"][part.locale] = _(
                "A score marked * is not supported by triangulated evidence; – means no score."
            )
    titles, pages = [], []
    for part in parts_:  # a bilingual copy says what it is and "page" in both languages
        with force_locale(part.locale):
            titles.append(part.title)
            pages.append(_("Page"))
    return {
        **labels,
        "published": labels["published"] if published else None,
        "footer": f"{' / '.join(titles)} · {' / '.join(pages)}",
        "font_faces": pdf.font_faces() if for_pdf else "",
        "for_pdf": for_pdf,
        "parts": parts_,
    }
