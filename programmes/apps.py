from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from programmes.middleware import StaffSessionMiddleware

        user_logged_in.connect(
            lambda sender, request, user, **kwargs: StaffSessionMiddleware.start(request),
            dispatch_uid="staff_session_start",
            weak=False,
        )
