from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "readerfund.goals"
    verbose_name = _("Funding goal")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        # Imported for their effect: signals connect the receivers, tasks registers the
        # periodic recompute (AppConfig.ready is where Django wants both).
        from readerfund.core.playbook_parts import playbook_section_register
        from readerfund.goals import signals, tasks  # noqa: F401
        from readerfund.goals.selectors import goal_public

        # The stored figure (this app keeps it current), never a live computation.
        playbook_section_register("goal", goal_public)
