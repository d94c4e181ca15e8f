"""Forms for programme set-up. Validation lives here; saving happens in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from programmes.models import ClientRole, Participant, Programme, Unit, Workspace
from programmes.tree import UnitTree


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "organisation",
            "title",
            "language",
            "min_group_size",
            "team_change_threshold",
            "programme_change_threshold",
            "privacy_contact",
            "dpo_contact",
            "retention_months",
        ]
        help_texts = {
            "organisation": _("For example “Skovby Kommune, Ældreplejen”."),
            "language": _("The language of the seminars, surveys and report."),
            "privacy_contact": _(
                "Who at the client answers participants’ questions about their data, for "
                "example “HR, Skovby Kommune, hr@skovby.dk, 12 34 56 78”. The client "
                "organisation is the data controller; your consultancy is its data processor. "
                "Shown on the privacy page that every participant page links to."
            ),
            "dpo_contact": _(
                "The client’s data protection officer, with an e-mail address or phone number. "
                "Shown on the privacy page."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out or empty, the months stay as they are (12 for a new programme).
        self.fields["retention_months"].required = False
        if self.is_bound and not self.data.get("retention_months"):
            self.data = self.data.copy()
            self.data["retention_months"] = str(self.instance.retention_months or 12)

    def clean_retention_months(self) -> int:
        value = self.cleaned_data.get("retention_months")
        if value is None:
            return self.instance.retention_months or 12
        return value

    def clean_min_group_size(self) -> int:
        value = self.cleaned_data["min_group_size"]
        if value < settings.MIN_GROUP_SIZE_FLOOR:
            raise forms.ValidationError(
                _("The minimum group size can never be below %(floor)s.")
                % {"floor": settings.MIN_GROUP_SIZE_FLOOR}
            )
        return value


class LogoForm(forms.Form):
    """The logo for the report's cover; `programmes.logo.clean` checks it and makes the bytes
    that are stored."""

    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG, JPEG or SVG, at most 1 MB. It is printed on the report's cover."),
        widget=forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp,image/svg+xml,.svg"}
        ),
    )

    def clean_logo(self):
        from programmes import logo

        return logo.clean(self.cleaned_data["logo"])


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the workspace"),
        max_length=120,
        help_text=_("Usually the consultancy’s name."),
    )


class WorkspaceSettingsForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "require_mfa_for_managers", "cofacilitators_see_names"]
        help_texts = {
            "require_mfa_for_managers": _(
                "Facilitators and co-facilitators always log in with a second factor. Tick "
                "this to ask the same of the clients’ managers, for example when a client’s "
                "own rules require it."
            ),
            "cofacilitators_see_names": _(
                "Tick this when the client’s data processing agreement lets its own "
                "co-facilitators see the participant list (names, e-mails, personal links) "
                "and who owns each action. Results stay as a manager sees them."
            ),
        }


class WorkspaceInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation link is sent here and can be used once within 14 days."),
    )


class ProgrammeCreateForm(ProgrammeForm):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none(), label=_("Workspace"))

    class Meta(ProgrammeForm.Meta):
        fields = ["workspace", *ProgrammeForm.Meta.fields, "template"]
        widgets = {"template": forms.RadioSelect}

    def __init__(self, *args, workspaces: list[Workspace], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = Workspace.objects.filter(
            pk__in=[w.pk for w in workspaces]
        )
        if len(workspaces) == 1:
            self.fields["workspace"].initial = workspaces[0]
            self.fields["workspace"].widget = forms.HiddenInput()


class UnitForm(forms.ModelForm):
    """Add, rename or move a unit; the parent is chosen from the programme's tree."""

    parent = forms.TypedChoiceField(
        label=_("Parent unit"), required=False, coerce=int, empty_value=None
    )

    class Meta:
        model = Unit
        fields = ["name", "parent", "headcount"]

    def __init__(self, *args, programme: Programme, tree: UnitTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.tree = tree
        own_subtree = self.instance.pk or None
        self.fields["parent"].choices = [("", _("— top level —")), *tree.choices(own_subtree)]
        if self.instance.pk:
            self.initial["parent"] = self.instance.parent_id
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if "/" in name:
            raise forms.ValidationError(_("A unit name cannot contain “/”."))
        if not name:
            raise forms.ValidationError(_("Write a name."))
        return name

    def clean_parent(self) -> Unit | None:
        parent_id = self.cleaned_data["parent"]
        if parent_id is None:
            return None
        if self.instance.pk and not self.tree.can_move(self.instance.pk, parent_id):
            raise forms.ValidationError(_("A unit cannot be moved into itself or below itself."))
        return Unit.objects.get(pk=parent_id, programme=self.programme)

    def clean(self) -> dict:
        data = super().clean()
        name, parent = data.get("name"), data.get("parent")
        if name:
            siblings = Unit.objects.filter(
                programme=self.programme, parent=parent, name__iexact=name
            ).exclude(pk=self.instance.pk)
            if siblings.exists():
                self.add_error("name", _("There is already a unit with this name here."))
        return data


class ParticipantForm(forms.ModelForm):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)

    class Meta:
        model = Participant
        fields = ["name", "email", "unit"]
        help_texts = {
            "name": _("Optional. Only facilitators see it."),
            "email": _("Optional. Used to send the personal link."),
        }

    def __init__(self, *args, programme: Programme, tree: UnitTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["unit"].choices = [("", "—"), *tree.choices()]
        if self.instance.pk:
            self.initial["unit"] = self.instance.unit_id

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email:
            others = Participant.objects.filter(programme=self.programme, email__iexact=email)
            if others.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError(
                    _("A participant with this e-mail address is already in the programme.")
                )
        return email

    def clean_unit(self) -> Unit:
        return Unit.objects.get(pk=self.cleaned_data["unit"], programme=self.programme)


class ParticipantImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One participant per row with the columns name, e-mail and unit. Write the unit "
            "as its full path, for example “Home care / Home care North”. Separate columns "
            "with ; or , as your spreadsheet does."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PARTICIPANT_CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB. Split it into smaller files.")
                % {"mb": settings.PARTICIPANT_CSV_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ManagerInviteForm(forms.Form):
    """An invitation for a person from the client: a manager who follows the programme, or a
    co-facilitator who helps run it (always the whole programme)."""

    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (ClientRole.MANAGER, _("Manager: follows the seminars, results and report")),
            (
                ClientRole.COFACILITATOR,
                _("Co-facilitator: helps run seminars, survey rounds and action plans"),
            ),
        ],
        initial=ClientRole.MANAGER,
        required=False,  # left out: a manager, as invitations were before there were roles
        widget=forms.RadioSelect,
    )
    unit = forms.TypedChoiceField(
        label=_("Limit to unit"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "For a manager only: they then see results only for this unit and the units below it."
        ),
    )

    def __init__(self, *args, programme: Programme, tree: UnitTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["unit"].choices = [("", _("The whole programme")), *tree.choices()]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if self.programme.managers.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(
                _("This person already has access to the programme. Revoke it first to change it.")
            )
        if self.programme.workspace.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(
                _("This person is a facilitator of the workspace and already runs the programme.")
            )
        return email

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or ClientRole.MANAGER

    def clean_unit(self) -> Unit | None:
        unit_id = self.cleaned_data["unit"]
        if unit_id is None:
            return None
        return Unit.objects.get(pk=unit_id, programme=self.programme)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("role") == ClientRole.COFACILITATOR and cleaned.get("unit") is not None:
            self.add_error(
                "unit",
                _("A co-facilitator runs the whole programme: choose “The whole programme”."),
            )
        return cleaned


class AcceptInvitationForm(SetPasswordForm):
    """Name and password for a manager who has no account yet."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]
