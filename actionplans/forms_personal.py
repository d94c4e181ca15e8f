"""Forms of the personal plan pages. None of them carries the plan key: it travels in its
own cookie, or once, typed, in the recovery form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actionplans.models import PersonalPlan
from actionplans.personal import (
    FEEDBACK_FIELDS,
    PLAN_FIELDS,
    REFLECTION_FIELDS,
    SCHEMA_COLUMNS,
    SCHEMA_ROWS,
    TEXT_MAX_CHARS,
    Fields,
)


def text_field(label, *, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": TEXT_MAX_CHARS}),
        error_messages={
            "max_length": _(
                "A text can be at most %(limit_value)d characters (this one has %(show_value)d)."
            )
        },
    )


class TextsForm(forms.Form):
    """Free texts of which at least one must be written."""

    names: tuple = ()
    empty_message = _("Write something in at least one of the boxes.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.names:
            self.fields[name] = text_field(label)

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not any(data.get(name) for name, _label in self.names):
            raise forms.ValidationError(self.empty_message)
        return data

    @property
    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _label in self.names}


class PlanForm(TextsForm):
    """A personal action plan: goal, first steps, who can support, when to check."""

    names = PLAN_FIELDS
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput, required=False)

    @property
    def plan_fields(self) -> Fields:
        return self.texts


class SchemaForm(forms.Form):
    """The leadership action schema: up to 8 rows of occasion, action and its value."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for row in range(SCHEMA_ROWS):
            for name, label in SCHEMA_COLUMNS:
                self.fields[f"r{row}_{name}"] = text_field(label, rows=2)

    SHOWN_ROWS = 3

    def rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        """The form's fields row by row (numbered from 1), for the template's fieldsets."""
        return [
            (row + 1, [self[f"r{row}_{name}"] for name, _label in SCHEMA_COLUMNS])
            for row in range(SCHEMA_ROWS)
        ]

    def split_rows(self) -> tuple[list, list]:
        """The rows shown open (three, or up to the last one used, plus one) and the rest,
        which the page folds away: eight rows of five boxes are long on a phone."""
        rows = self.rows()
        used = [number for number, fields in rows if any(field.value() for field in fields)]
        shown = min(SCHEMA_ROWS, max(self.SHOWN_ROWS, (used[-1] + 1) if used else 0))
        return rows[:shown], rows[shown:]

    @property
    def shown_rows(self) -> list:
        return self.split_rows()[0]

    @property
    def more_rows(self) -> list:
        return self.split_rows()[1]

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not self.plan_fields["rows"]:
            raise forms.ValidationError(_("Fill in at least one row of the schema."))
        return data

    @property
    def plan_fields(self) -> Fields:
        rows = [
            {name: self.cleaned_data.get(f"r{row}_{name}", "") for name, _label in SCHEMA_COLUMNS}
            for row in range(SCHEMA_ROWS)
        ]
        return {"rows": [row for row in rows if any(row.values())]}


def plan_form(kind: str, *args, **kwargs) -> PlanForm | SchemaForm:
    return (
        SchemaForm(*args, **kwargs)
        if kind == PersonalPlan.Kind.SCHEMA
        else PlanForm(*args, **kwargs)
    )


def initial_for(kind: str, fields: Fields, version: int) -> dict:
    """A plan's decrypted fields as a form's initial values."""
    if kind == PersonalPlan.Kind.SCHEMA:
        initial = {
            f"r{row}_{name}": values.get(name, "")
            for row, values in enumerate(fields.get("rows", []))
            for name, _label in SCHEMA_COLUMNS
        }
    else:
        initial = dict(fields)
    return {**initial, "version": version}


class ReflectionForm(TextsForm):
    """How it went (1-5), what I learned, my next step (seminar 4)."""

    names = REFLECTION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        went = dict(REFLECTION_FIELDS)["went"]
        self.fields["went"] = forms.ChoiceField(
            label=went,
            choices=[(str(n), str(n)) for n in range(1, 6)],
            widget=forms.RadioSelect,
            required=False,
        )


class FeedbackForm(TextsForm):
    names = FEEDBACK_FIELDS
    empty_message = _("Write what works, or one suggestion, before you send it.")


class RecoverForm(forms.Form):
    code = forms.CharField(
        label=_("Your recovery code"),
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
                "placeholder": "ABCD-EFGH-…",
            }
        ),
        error_messages={"required": _("Type the code you wrote down when you made the plan.")},
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the plan, its reflections and feedback are gone for good."),
        error_messages={"required": _("Tick the box to confirm that you want to erase the plan.")},
    )
