"""`{{ programme.language|written_in }}`: the `lang` attribute for text people wrote (WCAG 3.1.2).

A page is marked with the language it is shown in (`<html lang>`), but what facilitators and
participants write (board posts, group notes, action plans, unit names, seminar titles, the
facilitator's own questions) is in the programme's language: a Swedish phone in a Danish
programme, or an English staff page of a Swedish one, would have a screen reader read those
texts with the wrong voice. The filter gives ` lang="da"` (with its leading space, for an
opening tag) when the programme's language is not the page's, and nothing when it is.
People sometimes write in another language than their programme's; that cannot be known,
and the programme's is the best guess. What a phone's owner wrote themselves (their own
posts, their personal plan) is left in the language they chose for the page.

Participant pages get the same attribute as `{{ written }}` (render_participant's
`written_in`), form labels through programmes.participants.mark_labels, and a text inside a
translated sentence a span of its own (`{% blocktranslate with title=x|in_language:written %}`).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from programmes.participants import lang_attribute

register = template.Library()


@register.filter
def written_in(language: str | None) -> str:
    return lang_attribute(language)


@register.filter
def in_language(text, attribute: str):
    """`text` in a span with the attribute `written_in` or `{{ written }}` gave, for a text
    inside a translated sentence; the text alone when the attribute is empty."""
    return format_html("<span{}>{}</span>", attribute, text) if attribute else text
