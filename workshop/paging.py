"""Facilitator lists a page at a time, so no list page's work grows with the data behind it: a
request thread renders at most one page, however many decks, cards, workshops or people there are.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

DECKS_PER_PAGE = 50
CARDS_PER_PAGE = 50
REPLAYS_PER_PAGE = 20
COHORT_WORKSHOPS_PER_PAGE = 20
PEOPLE_PER_PAGE = 100


def page_of(request: HttpRequest, items, per_page: int) -> Page:
    """The page ``?page=`` asks for: a number, or ``last``; anything else is the first page."""
    paginator = Paginator(items, per_page)
    asked = request.GET.get("page", "")
    return paginator.get_page(paginator.num_pages if asked == "last" else asked)


def page_number(index: int, per_page: int) -> int:
    """The page that shows the item at ``index`` (0-based)."""
    return index // per_page + 1
