"""Staff accounts on django-allauth: who must use a second factor, the login lock, and the
security log of each login.

Accounts come from invitations only (`programmes.services.accept_invitation_as_new_user`), so
the adapter closes sign-up. Password change and reset stay Django's own views.

The login lock. allauth counts failed logins under the `login_failed` rate limit, per key,
in Django's cache (Redis, or the database table: never one worker's memory, so every worker
and server sees the same count). Its key is the account alone; ours is the account and the
client address together: five wrong passwords for one account from one address in 15 minutes
lock that pair, while the owner at another address can still log in and a guesser cannot lock
them out from afar. The count is taken before the password is checked, so during the lock the
right password is refused as well; a successful login takes its own attempt back out of the
count. A locked attempt gets the 429 page.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm as AllauthWebAuthnForm
from allauth.mfa.webauthn.forms import LoginWebAuthnForm as AllauthLoginWebAuthnForm
from allauth.mfa.webauthn.forms import (
    ReauthenticateWebAuthnForm as AllauthReauthenticateWebAuthnForm,
)
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from programmes import security_log
from programmes.models import ClientRole, ProgrammeManager, User
from programmes.qr import qr_svg
from programmes.ratelimit import client_ip

T = TypeVar("T")
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def second_factor_required(user: User) -> bool:
    """True if this user may reach programme data only after setting up a second factor:
    every facilitator (a workspace membership), every client co-facilitator, and a client
    manager of a programme whose workspace asks it. Nobody while `settings.MFA_REQUIRED` is
    off (local work, the demo)."""
    if not settings.MFA_REQUIRED:
        return False
    if user.memberships.exists():
        return True
    if ProgrammeManager.objects.filter(user=user, role=ClientRole.COFACILITATOR).exists():
        return True
    return ProgrammeManager.objects.filter(
        user=user, programme__workspace__require_mfa_for_managers=True
    ).exists()


def has_second_factor(user: User) -> bool:
    """An authenticator app or a passkey (recovery codes only stand in for one)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def account_for_login(typed: str) -> User | None:
    """The one account a typed login names (its username, or its e-mail), or None."""
    typed = typed.strip()
    if not typed:
        return None
    matches = Q(username=typed)
    if "@" in typed:
        matches |= Q(email__iexact=typed)
    users = list(User.objects.filter(matches)[:2])
    return users[0] if len(users) == 1 else None


def typed_login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class LoginForm(AllauthLoginForm):
    """allauth's login form, its fields named as a person would: one box takes the username
    or the e-mail address; the reset link is the page's own, below the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = gettext_lazy("Username or e-mail address")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)


class AccountAdapter(DefaultAccountAdapter):
    """No sign-up; failed logins locked per account and address; each login logged."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address the rate limits count, read as everywhere else in the app."""
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The `login_failed` key: the account (however it was typed) and the address."""
        typed = typed_login(credentials)
        user = account_for_login(typed)
        account = f"user:{user.pk}" if user else f"login:{typed.strip().lower()}"
        return f"{account}|ip:{self.get_client_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:  # this account and address are locked
            typed = typed_login(credentials)
            security_log.record(
                request,
                security_log.LOGIN_LOCKED,
                user=account_for_login(typed),
                typed_login=typed,
            )
            message = _(
                "Too many failed log-ins for this account from here. Wait 15 minutes and try "
                "again, or reset your password."
            )
            page = render(request, "429.html", {"message": message, "staff": True}, status=429)
            raise ImmediateHttpResponse(page) from None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        typed = typed_login(credentials)
        security_log.record(
            request,
            security_log.LOGIN_FAILURE,
            user=account_for_login(typed),
            typed_login=typed,
        )

    def login(self, request: HttpRequest, user: User) -> None:
        """The end of a login: the password and, where the account has one, the second factor."""
        super().login(request, user)
        security_log.record(request, security_log.LOGIN_SUCCESS, user=user)


ENCRYPTED = "box:"


def _box(secret_key: str) -> SecretBox:
    """A libsodium secret box for second-factor secrets, its key derived from a SECRET_KEY."""
    return SecretBox(hashlib.sha256(f"mfa-secrets:{secret_key}".encode()).digest())


class MFAAdapter(DefaultMFAAdapter):
    """The authenticator app's QR code drawn like our others; the last factor stays; the
    app's secret and the recovery codes' seed are stored encrypted.

    Encrypted with a key derived from SECRET_KEY, so a copy of the database alone does not
    give anyone the codes. A SECRET_KEY that changes must stay in SECRET_KEY_FALLBACKS until
    everyone has set up their factors again, or their factors stop working (an admin then
    deletes the person's authenticators, and they set up new ones).
    """

    def encrypt(self, text: str) -> str:
        sealed = _box(settings.SECRET_KEY).encrypt(text.encode())
        return ENCRYPTED + base64.b64encode(sealed).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(ENCRYPTED):
            return encrypted_text  # stored before encryption was on
        sealed = base64.b64decode(encrypted_text.removeprefix(ENCRYPTED))
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
            try:
                return _box(key).decrypt(sealed).decode()
            except CryptoError:
                continue
        raise ImproperlyConfigured(
            "A second-factor secret was encrypted with a SECRET_KEY that is neither "
            "SECRET_KEY nor in SECRET_KEY_FALLBACKS."
        )

    def build_totp_svg(self, url: str) -> SafeString:
        return qr_svg(url, scale=4, svgclass="qr totp-qr")

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone who must use a second factor cannot remove their last one."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        if not second_factor_required(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        )
        return others.exclude(pk=authenticator.pk).exists()


# What fido2 raises on a credential of the wrong shape that allauth does not turn into a form
# error itself (`{"id": 1}` raised KeyError: a 500). Never a database error: that stays a 503.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def _log_mfa_failure(request: HttpRequest, user: User | None, error: ValidationError) -> None:
    locked = error.code == "too_many_login_attempts"
    event = security_log.MFA_LOCKED if locked else security_log.MFA_FAILURE
    security_log.record(request, event, user=user)


def _checked(clean: Callable[[], T], user: User | None, *, log: bool = True) -> T:
    """Run an allauth clean step: a malformed credential is a wrong one; refusals logged."""
    try:
        try:
            return clean()
        except MALFORMED as error:
            raise get_mfa_adapter().validation_error("incorrect_code") from error
    except ValidationError as error:
        if log:
            _log_mfa_failure(context.request, user, error)
        raise


class CodeInput(forms.TextInput):
    """A box for a one-time code that never shows the code sent back: a refused code is
    retyped, not resubmitted (an app's code is stale in 30 seconds), and a recovery code
    refused during the lock does not come back in the page."""

    def format_value(self, value: Any) -> None:
        return None


def _code_box(form: forms.Form) -> None:
    field = form.fields["code"]
    field.widget = CodeInput(attrs=field.widget.attrs)


class AuthenticateForm(AllauthAuthenticateForm):
    """The login's second step with a code (app or recovery code); each refusal logged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_box(self)

    def clean_code(self) -> str:
        return _checked(super().clean_code, self.user)


class ReauthenticateForm(AllauthReauthenticateForm):
    """Confirming oneself with a code before changing one's factors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_box(self)


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """Setting up the authenticator app: its first code proves the app has the secret."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_box(self)


class AuthenticateWebAuthnForm(AllauthWebAuthnForm):
    """The login's second step with a passkey; each refusal logged."""

    def clean_credential(self) -> Authenticator:
        return _checked(super().clean_credential, self.user)


class LoginWebAuthnForm(AllauthLoginWebAuthnForm):
    """A login with a passkey alone (it verified its owner); each refusal logged."""

    def clean_credential(self) -> Authenticator:
        return _checked(super().clean_credential, None)


class ReauthenticateWebAuthnForm(AllauthReauthenticateWebAuthnForm):
    """Confirming oneself with a passkey before changing one's factors."""

    def clean_credential(self) -> Authenticator:
        return _checked(super().clean_credential, self.user)


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    """A new passkey: a malformed one is refused like a wrong one."""

    def clean_credential(self) -> Any:
        """A credential is a JSON object. allauth checks one only when it is truthy, so `0`,
        `0.0` or `false` were stored as a passkey: a second factor on paper that let a
        facilitator reach programme data with a password alone, and then broke every page
        that lists the account's passkeys (the next login's second step among them)."""
        credential = self.cleaned_data["credential"]
        if not isinstance(credential, dict):
            raise get_mfa_adapter().validation_error("incorrect_code")
        return credential

    def clean(self) -> dict:
        return _checked(super().clean, self.user, log=False)
