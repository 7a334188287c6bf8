"""The server's sentences in the page's language, for the scripts that show refusals and errors.

A socket's frames carry each sentence in English (game/core/refusals.py): the socket does not
know the page's language. The page does, so it carries the translations, and client.js shows a
sentence translated when the page has it. Sentences with placeholders go out as the server filled
them in.
"""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from game.core.refusals import fixed_sentences

register = template.Library()

ELEMENT_ID = "server-sentences"


def translations() -> dict[str, str]:
    """Each sentence the server sends as written, mapped to its translation in the active
    language, for those the language has (none in English)."""
    translated = {said: gettext(said) for said in fixed_sentences()}
    return {said: shown for said, shown in translated.items() if shown != said}


@register.simple_tag
def server_sentences() -> SafeString:
    """A JSON data block (no script: the Content-Security-Policy allows it) for client.js."""
    return json_script(translations(), ELEMENT_ID)
