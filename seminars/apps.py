from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeminarsConfig(AppConfig):
    name = "seminars"
    verbose_name = _("Seminars")

    def ready(self) -> None:
        from seminars import rooms

        # Registered here, not in surveys' ready(): surveys must not import seminars.
        rooms.register("survey", rooms.open_survey)
        from seminars import boards

        rooms.register("board", boards.open_boards, any_open=boards.any_board_open)
        from seminars import groups

        rooms.register("groups", groups.open_group_works, any_open=groups.any_group_work_open)
        from seminars import evaluations

        rooms.register(
            "evaluation", evaluations.open_evaluations, any_open=evaluations.any_evaluation_open
        )
