"""Forms for answering a round on a phone and for setting rounds up."""

from __future__ import annotations

import html
from dataclasses import dataclass

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from programmes.tree import UnitTree
from surveys.models import Event, Item, Round, Subdimension
from surveys.services import DONT_KNOW

SCALE = [
    ("5", pgettext_lazy("answer scale", "to a very large extent")),
    ("4", pgettext_lazy("answer scale", "to a large extent")),
    ("3", pgettext_lazy("answer scale", "somewhat")),
    ("2", pgettext_lazy("answer scale", "to a small extent")),
    ("1", pgettext_lazy("answer scale", "to a very small extent")),
]
DONT_KNOW_CHOICE = (DONT_KNOW, pgettext_lazy("answer scale", "don’t know / not relevant"))
ITEM_PREFIX = "item-"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    id: str
    checked: bool


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    errors: list
    choices: tuple[Choice, ...]

    def scale(self) -> SafeString:
        """The radio buttons, written as Django's RadioSelect writes them (ids, `checked`,
        `aria-invalid`). Joined here rather than in a template loop: resolving the loop's
        variables for four items of six buttons was half of the page's rendering time.
        Names, values and ids are made of an item's number and the scale's fixed values;
        the label, a translation, is escaped."""
        invalid = ' aria-invalid="true"' if self.errors else ""
        # Safe: names, values and ids are digits and fixed words; the label is escaped.
        return mark_safe(  # noqa: S308  # nosec B308 B703
            "".join(
                f'<label class="choice{" dont-know" if c.value == DONT_KNOW else ""}" '
                f'for="{c.id}"><input type="radio" name="{self.name}" value="{c.value}" '
                f'id="{c.id}"{" checked" if c.checked else ""}{invalid}> '
                f"{html.escape(str(c.label))}</label>\n"
                for c in self.choices
            )
        )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("da", "Dansk"), ("sv", "Svenska"), ("en", "English")],
        widget=forms.RadioSelect,
    )


class UnitChoiceForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("Where do you work?"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_(
            "Choose your team or, if you prefer, the department above it. Results are only "
            "shown for groups with enough answers."
        ),
        error_messages={"required": _("Choose where you work.")},
    )

    def __init__(self, *args, tree: UnitTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(node.id, node.name) for node in tree.walk()]
        self.depths = [node.depth for node in tree.walk()]

    def options(self) -> list[tuple[Choice, int]]:
        """The radio buttons as plain data (see SurveyPageForm.questions) with each unit's
        depth in the tree, for indentation."""
        bound = self["unit"]
        value = str(bound.value() or "")
        choices = [
            Choice(str(unit_id), name, f"id_unit_{index}", str(unit_id) == value)
            for index, (unit_id, name) in enumerate(self.fields["unit"].choices)
        ]
        return list(zip(choices, self.depths, strict=True))


class SurveyPageForm(forms.Form):
    """One page of three or four items; every item may be left out."""

    def __init__(self, *args, items: list[Item], language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            choices = [*SCALE, DONT_KNOW_CHOICE] if item.allow_dont_know else list(SCALE)
            self.fields[f"{ITEM_PREFIX}{item.pk}"] = forms.ChoiceField(
                label=item.text(language),
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the answers shown.")},
            )

    def questions(self) -> list[Question]:
        """Each item with its answers as plain data, for the page to write the radio buttons
        itself: rendering each through Django's widget templates was two-thirds of the page's
        rendering time. The markup is the widgets' own (ids, `checked`, `aria-invalid`)."""
        questions = []
        for name, field in self.fields.items():
            bound = self[name]
            value = str(bound.value() or "")
            errors = bound.errors
            choices = tuple(
                Choice(choice, label, f"id_{name}_{index}", choice == value)
                for index, (choice, label) in enumerate(field.choices)
            )
            questions.append(Question(name, field.label, errors, choices))
        return questions

    def answers(self) -> dict[int, str | None]:
        """Item id to "1"-"5", "dk", or None where the item was left out."""
        return {
            item.pk: (self.cleaned_data.get(f"{ITEM_PREFIX}{item.pk}") or None)
            for item in self.items
        }


class RoundForm(forms.ModelForm):
    seminar = forms.TypedChoiceField(
        label=_("Seminar"), coerce=int, required=False, empty_value=None
    )

    class Meta:
        model = Round
        fields = ["title", "seminar", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args, seminars, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seminars = {s.pk: s for s in seminars}
        self.fields["seminar"].choices = [("", _("No seminar (a follow-up)"))] + [
            (s.pk, f"{s.number}. {s.title}") for s in seminars
        ]
        if self.instance.pk:
            self.initial["seminar"] = self.instance.seminar_id

    def clean_seminar(self):
        seminar_id = self.cleaned_data["seminar"]
        if seminar_id is None:
            return None
        if seminar_id not in self.seminars:
            raise forms.ValidationError(_("Choose one of the programme’s seminars."))
        return self.seminars[seminar_id]

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return data


class SurveyItemsForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("Questions in the survey"),
        queryset=Item.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one question.")},
    )

    def __init__(self, *args, instrument, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = instrument.items.order_by("position", "pk")
        self.fields["items"].label_from_instance = lambda item: item.text(language)

    def by_area(self) -> list[tuple[str, list]]:
        """The checkboxes grouped under their area, in the areas' order, for the picker."""
        groups: dict[str, list] = {value: [] for value, _label in Subdimension.choices}
        for checkbox in self["items"]:
            groups[checkbox.data["value"].instance.subdimension].append(checkbox)
        labels = dict(Subdimension.choices)
        return [(str(labels[value]), boxes) for value, boxes in groups.items() if boxes]

    def clean_items(self):
        items = self.cleaned_data["items"]
        covered = {item.subdimension for item in items}
        missing = [label for value, label in Subdimension.choices if value not in covered]
        if missing:
            raise forms.ValidationError(
                _("Keep at least one question for each area. Missing: %(areas)s.")
                % {"areas": ", ".join(str(m) for m in missing)}
            )
        return items


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "key",
            "subdimension",
            "text_da",
            "text_sv",
            "text_en",
            "allow_dont_know",
            "core",
            "reverse",
        ]
        widgets = {
            "text_da": forms.Textarea(attrs={"rows": 2}),
            "text_sv": forms.Textarea(attrs={"rows": 2}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "key": _("A short name for exports, e.g. “tv-own-question”."),
            "reverse": _("Only for negatively worded questions: a high answer counts low."),
        }

    def __init__(self, *args, instrument, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        others = self.instrument.items.filter(key=key).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another question already has this key."))
        return key


class WorkspaceChoiceMixin:
    """A workspace field that is only shown to people in more than one workspace."""

    def add_workspace_field(self, workspaces) -> None:
        self.fields["workspace"] = forms.ModelChoiceField(
            label=_("Workspace"),
            queryset=type(workspaces[0]).objects.filter(pk__in=[w.pk for w in workspaces]),
            initial=workspaces[0],
        )
        if len(workspaces) == 1:
            self.fields["workspace"].widget = forms.HiddenInput()


class NewVersionForm(WorkspaceChoiceMixin, forms.Form):
    def __init__(self, *args, workspaces, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_workspace_field(workspaces)


class InstrumentImportForm(WorkspaceChoiceMixin, forms.Form):
    file = forms.FileField(label=_("Instrument file (JSON)"))

    def __init__(self, *args, workspaces, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_workspace_field(workspaces)


class InstrumentChoiceForm(forms.Form):
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=None)

    def __init__(self, *args, queryset, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = queryset


class EventForm(forms.ModelForm):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)

    class Meta:
        model = Event
        fields = ["date", "text", "unit"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"text": _("For example “New manager in Ward B” or “Reorganisation”.")}

    def __init__(self, *args, programme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        whole = ("", _("The whole programme"))
        self.fields["unit"].choices = [whole, *programme.unit_tree().choices()]
        if self.instance.pk:
            self.initial["unit"] = self.instance.unit_id

    def clean_unit(self):
        unit_id = self.cleaned_data["unit"]
        if unit_id is None:
            return None
        return self.programme.units.get(pk=unit_id)
