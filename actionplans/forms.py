"""Forms of team action plans: the plan's own fields, an action, a follow-up."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import (
    ACTION_MAX_CHARS,
    GOAL_MAX_CHARS,
    NOTE_MAX_CHARS,
    Action,
    TeamPlan,
)
from seminars.models import WorkGroup
from surveys.models import Element

VERSION = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class NewPlanForm(forms.Form):
    title = forms.CharField(label=_("What the plan is about"), max_length=200)
    unit = forms.ModelChoiceField(label=_("For"), queryset=None, required=False)
    group = forms.ModelChoiceField(
        label=_("Or for a group of a group activity"),
        queryset=None,
        required=False,
        help_text=_("A table or a working group that may mix units."),
    )
    focus = forms.ChoiceField(
        label=_("Focus"), choices=[("", _("Not chosen yet")), *Element.choices], required=False
    )

    seminar = forms.ModelChoiceField(
        label=_("Worked on at"),
        queryset=None,
        required=False,
        help_text=_("Phones in that seminar’s room reach the plan while its planning is open."),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = programme.units.order_by("name")
        self.fields["unit"].empty_label = _("The whole programme")
        self.fields["seminar"].queryset = programme.seminars.order_by("number")
        self.fields["seminar"].empty_label = _("No seminar")
        self.fields["group"].queryset = WorkGroup.objects.filter(
            work__activity__seminar__programme=programme
        ).order_by("work__activity__seminar__number", "work__activity__position", "position")
        self.fields["group"].label_from_instance = lambda g: f"{g.name} ({g.work.activity})"
        self.fields["group"].empty_label = _("No group")

    def clean(self):
        data = super().clean()
        if data.get("unit") and data.get("group"):
            raise forms.ValidationError(_("Choose a unit or a group, not both."))
        return data


class PlanForm(forms.ModelForm):
    """The plan's own fields, with the version the editor started from."""

    version = VERSION

    goal = forms.CharField(
        label=_("Goal"),
        max_length=GOAL_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": GOAL_MAX_CHARS}),
        error_messages={"required": _("Write the plan's goal: what the team wants to reach.")},
    )

    class Meta:
        model = TeamPlan
        fields = ["title", "focus", "goal", "success_sign"]
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 3, "maxlength": GOAL_MAX_CHARS}),
            "success_sign": forms.Textarea(attrs={"rows": 2, "maxlength": GOAL_MAX_CHARS}),
        }
        help_texts = {
            "success_sign": _("What we will see or hear when it works."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus"].choices = [("", _("Not chosen yet")), *Element.choices]


class ActionForm(forms.ModelForm):
    """An action; a due date must not lie in the past when it is set or changed. Without
    `owners` the form has no owner field, and saving keeps the owner as it is."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False
    )

    class Meta:
        model = Action
        fields = ["text", "owner", "due", "status"]
        widgets = {
            "text": forms.TextInput(attrs={"maxlength": ACTION_MAX_CHARS}),
            "due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, owners: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not owners:  # a viewer who may not see who owns an action cannot change it either
            del self.fields["owner"]

    def clean_due(self):
        due = self.cleaned_data.get("due")
        unchanged = self.instance.pk is not None and due == self.instance.due
        if due is not None and not unchanged and due < timezone.localdate():
            raise forms.ValidationError(_("The date has passed. Choose today or a later day."))
        return due


class FollowUpForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status now"), choices=Action.Status.choices)
    note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_CHARS}),
    )


class DifferenceForm(forms.Form):
    value = forms.TypedChoiceField(
        label=_("Did it make a difference?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
