"""One page of a long list (GOV.UK pagination): the administration area's tables and an item's
evidence links."""

from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import Select, func, select

from tracker.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int
    # Where the page links go, when not the current request's endpoint (a form that answered a
    # POST with the page), and the part of the page they open at.
    endpoint: str | None = None
    anchor: str | None = None

    def url(self, number: int) -> str:
        """This page's address with another page number, the filters kept."""
        args = {k: v for k, v in request.args.items() if k != "page"}
        return url_for(
            self.endpoint or request.endpoint,
            **(request.view_args or {}),
            **args,
            page=number,
            _anchor=self.anchor,
        )


def paginate(query: Select, per_page: int = PER_PAGE, scalars: bool = True, **where) -> Page:
    """The page named by ?page= (1 when missing or wrong) of `query`, already ordered;
    `where` sets the Page's endpoint and anchor."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    try:
        number = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        number = 1
    window = query.limit(per_page).offset((number - 1) * per_page)
    rows = db.session.scalars(window) if scalars else db.session.execute(window)
    return Page(list(rows), number, pages, total, **where)
