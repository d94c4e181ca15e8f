"""`{% viewer_access programme as access %}`: what the signed-in viewer may do with the
programme a page shows, for templates (the programme menu) whose view does not hand it in.

Asked once per request and programme; a page that passes `access` in its context is not
asked again.
"""

from __future__ import annotations

from django import template
from django.http import Http404

from programmes.access import ProgrammeAccess, get_programme_access

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_access(context, programme) -> ProgrammeAccess | None:
    given = context.get("access")
    if isinstance(given, ProgrammeAccess) and given.programme.pk == programme.pk:
        return given
    request = context.get("request")
    if request is None:
        return None
    known = request.__dict__.setdefault("_programme_access", {})
    if programme.pk not in known:
        try:
            known[programme.pk] = get_programme_access(request.user, programme.pk)
        except Http404:
            known[programme.pk] = None
    return known[programme.pk]
