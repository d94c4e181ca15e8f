from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from seminars.models import Activity, Seminar

TIME_WIDGETS = {
    "starts_at": forms.TimeInput(attrs={"type": "time"}),
    "ends_at": forms.TimeInput(attrs={"type": "time"}),
}


class StartBeforeEndMixin:
    """A form whose starts_at, when both are given, comes before its ends_at."""

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class SeminarForm(StartBeforeEndMixin, forms.ModelForm):
    class Meta:
        model = Seminar
        fields = ["title", "date", "starts_at", "ends_at", "place", "goals"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            **TIME_WIDGETS,
            "goals": forms.Textarea(attrs={"rows": 3}),
        }


class ActivityForm(StartBeforeEndMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["title", "starts_at", "ends_at", "kind"]
        widgets = TIME_WIDGETS


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the screen"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "code-input",
            }
        ),
        error_messages={"required": _("Type the code shown on the screen.")},
    )
