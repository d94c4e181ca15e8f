"""Django's password reset and change, with limits shared across workers (QUALITY AC-4).

The login's own lock (allauth, 5 failures per account and address in 15 minutes) does not
reach Django's password views, so:

- a reset request is answered as always (the same "check your e-mail" page, whether the
  address is known or not), but at most RESET_MAILS_PER_ADDRESS e-mails go to one address in
  an hour, and one client address may ask RESET_REQUESTS_PER_IP times an hour (then 429);
- the password change form counts wrong current passwords per account: after
  CHANGE_FAILURES wrong ones in 15 minutes the form is refused with 429 until the window
  ends, so a left-open session cannot be used to guess the password.

Every refusal is a security event.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from programmes import ratelimit, security_log

RESET_MAILS_PER_ADDRESS = 3
RESET_REQUESTS_PER_IP = 20
RESET_WINDOW = 3600
CHANGE_FAILURES = 5
CHANGE_WINDOW = 900


def _refused(request):
    return render(request, "429.html", status=429)


class PasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        if not ratelimit.allow(
            "reset-ip",
            ratelimit.client_ip(request),
            maximum=RESET_REQUESTS_PER_IP,
            window=RESET_WINDOW,
        ):
            security_log.record(request, security_log.RATE_LIMITED, limit="password_reset")
            return _refused(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().casefold()
        if not ratelimit.allow(
            "reset-mail",
            security_log.login_hash(email),
            maximum=RESET_MAILS_PER_ADDRESS,
            window=RESET_WINDOW,
        ):
            # The same page as always, without another e-mail: nothing tells a stranger
            # whether the address has an account, and no mailbox is flooded.
            security_log.record(
                self.request, security_log.RATE_LIMITED, limit="password_reset_mail"
            )
            return super(auth_views.PasswordResetView, self).form_valid(form)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    def post(self, request, *args, **kwargs):
        if self._failures() >= CHANGE_FAILURES:
            security_log.record(
                request, security_log.LOGIN_LOCKED, user=request.user, via="password_change"
            )
            return _refused(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            ratelimit.allow(
                "pw-change",
                str(self.request.user.pk),
                maximum=CHANGE_FAILURES,
                window=CHANGE_WINDOW,
            )
            security_log.record(
                self.request,
                security_log.LOGIN_FAILURE,
                user=self.request.user,
                via="password_change",
            )
        return super().form_invalid(form)

    def _failures(self) -> int:
        return ratelimit.count("pw-change", str(self.request.user.pk), window=CHANGE_WINDOW)
