"""`{% viewer_access programme as access %}`: what the signed-in viewer may do with the
programme a page shows, for templates (the programme menu) whose view does not hand it in.

The view's access getter has already found it for this request (`access.remembered`), so
this costs no query; a page reached another way asks once.
"""

from __future__ import annotations

from django import template
from django.http import Http404

from programmes.access import ProgrammeAccess, get_programme_access, remembered

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_access(context, programme) -> ProgrammeAccess | None:
    given = context.get("access")
    if isinstance(given, ProgrammeAccess) and given.programme.pk == programme.pk:
        return given
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    found = remembered(request.user, programme.pk)
    if found is not None:
        return found
    try:
        return get_programme_access(request.user, programme.pk)  # remembered from now on
    except Http404:
        return None
