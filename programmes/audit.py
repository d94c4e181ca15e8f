"""The audit log: one append-only row for every change a facilitator or manager makes."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest

from programmes.models import AuditEntry, Programme, Workspace


def record(
    request: HttpRequest,
    *,
    action: str,
    obj: models.Model | None = None,
    programme: Programme | None = None,
    workspace: Workspace | None = None,
    role: str = "facilitator",
    summary: str = "",
) -> AuditEntry:
    """Write one audit row for a staff change; ids are copied as plain values."""
    user = request.user if request.user.is_authenticated else None
    if programme is not None and workspace is None:
        workspace_id = programme.workspace_id
    else:
        workspace_id = workspace.pk if workspace is not None else None
    return AuditEntry.objects.create(
        actor_id=user.pk if user else None,
        actor=user.get_username() if user else "",
        role=role,
        workspace_id=workspace_id,
        programme_id=programme.pk if programme is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:300],
        request_id=getattr(request, "request_id", ""),
    )
