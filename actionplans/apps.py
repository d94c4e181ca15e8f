from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = _("Action plans")

    def ready(self) -> None:
        from actionplans.rooms import any_plans_open, open_plans, wall_plans
        from seminars import rooms

        rooms.register("plans", open_plans, any_open=any_plans_open)
        rooms.register_wall("plans", wall_plans)
