from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from seminars.models import (
    NOTE_MAX_CHARS,
    Activity,
    Board,
    Evaluation,
    EvaluationQuestion,
    GroupWork,
    LogbookEntry,
    Post,
    PostGroup,
    Seminar,
    Session,
    Wall,
)
from surveys.models import Element

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


class SeminarAddForm(forms.Form):
    title = forms.CharField(label=_("Title of the new seminar"), max_length=200)


class SessionForm(StartBeforeEndMixin, forms.ModelForm):
    """A further sitting of a seminar (the night shift): its own name, day, time and place."""

    class Meta:
        model = Session
        fields = ["label", "date", "starts_at", "ends_at", "place"]
        labels = {"label": _("Name of the session, e.g. “Night shift”")}
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), **TIME_WIDGETS}


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


class PostForm(forms.Form):
    """A post from a phone; the key makes a resend of the same form store nothing twice."""

    text = forms.CharField(
        label=_("Your post"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        error_messages={
            "required": _("Write something before you send it."),
            "max_length": _("A post can be at most 500 characters (this one has %(show_value)d)."),
        },
    )
    column = forms.ChoiceField(
        label=_("Where does it belong?"),
        choices=Post.Column.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    unit = forms.TypedChoiceField(label=_("Your unit (optional)"), coerce=int, required=False)
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, board: Board, units: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        self.fields["unit"].choices = [("", _("Do not say")), *units]
        if board.kind == Board.Kind.NOW_PICTURE:
            self.fields["column"].required = True
            self.fields["column"].error_messages["required"] = _(
                "Choose whether it is about what works or what is hard."
            )
        else:
            del self.fields["column"]
        if board.question:
            self.fields["text"].label = board.question

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something before you send it."))
        return text


class VoteForm(forms.Form):
    """The dots a phone wants on one or more items: 'item:dots' pairs (a tap sends one)."""

    MAX_PAIRS = 50

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.pairs = data.getlist("set") if data is not None else []

    def clean(self) -> dict:
        wanted: dict[int, int] = {}
        if not self.pairs or len(self.pairs) > self.MAX_PAIRS:
            raise forms.ValidationError(_("Choose an item to put a dot on."))
        for pair in self.pairs:
            item, _sep, dots = str(pair).partition(":")
            if not (item.isascii() and item.isdigit() and dots.isascii() and dots.isdigit()):
                raise forms.ValidationError(_("That vote could not be read. Try again."))
            if len(item) > 10 or len(dots) > 2:
                raise forms.ValidationError(_("That vote could not be read. Try again."))
            wanted[int(item)] = int(dots)
        return {"wanted": wanted}


class BoardForm(forms.ModelForm):
    class Meta:
        model = Board
        fields = [
            "kind",
            "question",
            "posts_at_once",
            "review_first",
            "voting",
            "dots_per_seat",
            "dots_per_item",
            "live_totals",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dots_per_seat"].min_value = 1
        self.fields["dots_per_seat"].max_value = 20
        self.fields["dots_per_item"].min_value = 1
        self.fields["dots_per_item"].max_value = 10
        for name in ("dots_per_seat", "dots_per_item"):
            field = self.fields[name]
            field.widget.attrs.update(min=field.min_value, max=field.max_value)
            field.validators.extend(
                [MinValueValidator(field.min_value), MaxValueValidator(field.max_value)]
            )


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(choices=Board.Phase.choices)


class PostFixForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}
        labels = {"text": _("Text")}

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("A post cannot be empty."))
        return text


class GroupForm(forms.ModelForm):
    dimension = forms.ChoiceField(
        label=_("Social capital dimension"),
        choices=[("", _("No tag")), *Element.choices],
        required=False,
    )

    class Meta:
        model = PostGroup
        fields = ["title", "dimension", "in_report"]


class MergeForm(forms.Form):
    items = forms.TypedMultipleChoiceField(
        label=_("Items to merge"),
        coerce=int,
        error_messages={"required": _("Choose at least two items to merge.")},
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = choices

    def clean_items(self) -> list[int]:
        items = self.cleaned_data["items"]
        if len(items) < 2:
            raise forms.ValidationError(_("Choose at least two items to merge."))
        return items


class WallForm(forms.Form):
    wall = forms.ChoiceField(choices=Wall.choices)
    board = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    group_work = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    group = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class GroupWorkForm(forms.ModelForm):
    headings = forms.CharField(
        label=_("Headings for the notes"),
        help_text=_("One heading per line, for example “Challenges” and “Goals and next steps”."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )

    class Meta:
        model = GroupWork
        fields = ["question", "headings", "is_open", "trial_period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["headings"] = "\n".join(self.instance.headings)

    def clean_headings(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["headings"].splitlines()]
        headings = list(dict.fromkeys(line[:100] for line in lines if line))
        if len(headings) > 6:
            raise forms.ValidationError(_("Write at most six headings."))
        return headings


class GroupAddForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=120)
    units = forms.ModelMultipleChoiceField(
        label=_("Units in the group (optional)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = programme.units.order_by("name")


class NotesForm(forms.Form):
    """A group's notes, one text per heading, with the version the phone started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, headings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headings = headings
        for index, heading in enumerate(headings):
            self.fields[f"h{index}"] = forms.CharField(
                label=heading,
                required=False,
                max_length=NOTE_MAX_CHARS,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 5, "maxlength": NOTE_MAX_CHARS}),
                error_messages={
                    "max_length": _(
                        "Notes under one heading can be at most %(limit_value)d characters "
                        "(these have %(show_value)d)."
                    )
                },
            )

    @property
    def texts(self) -> dict[str, str]:
        return {
            heading: self.cleaned_data.get(f"h{index}", "").strip()
            for index, heading in enumerate(self.headings)
        }


SCALE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class EvaluationForm(forms.Form):
    """A phone's evaluation: 1-5 for scale questions, a comment for text questions; any may
    be left out. The key makes a resend store nothing twice."""

    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == EvaluationQuestion.Kind.SCALE:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text,
                    choices=SCALE_CHOICES,
                    coerce=int,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "scale"}),
                    help_text=_("1 is not at all, 5 is very much."),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
                )

    @property
    def answers(self) -> dict[int, int | str]:
        found: dict[int, int | str] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                found[question.pk] = value
        return found


class EvaluationControlForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["is_open", "themes"]
        labels = {"is_open": _("Open for answers from phones")}
        help_texts = {
            "themes": _(
                "What the comments say, in your words. Managers and the documentation get "
                "these themes, never the comments themselves."
            )
        }
        widgets = {"themes": forms.Textarea(attrs={"rows": 4})}


QuestionFormSet = forms.modelformset_factory(
    EvaluationQuestion,
    fields=["text", "kind", "asked"],
    extra=1,
    can_delete=True,
    max_num=10,
)


class SummaryForm(forms.ModelForm):
    class Meta:
        model = Seminar
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "summary": _("Your own words at the top of the documentation: what the room agreed.")
        }


class LogbookForm(forms.ModelForm):
    key = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = LogbookEntry
        fields = ["tried", "happened"]
        widgets = {
            "tried": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
            "happened": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        }
