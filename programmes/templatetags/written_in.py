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
`written_in`), form labels through programmes.participants.mark_labels.
"""

from __future__ import annotations

from django import template

from programmes.participants import lang_attribute

register = template.Library()


@register.filter
def written_in(language: str | None) -> str:
    return lang_attribute(language)
