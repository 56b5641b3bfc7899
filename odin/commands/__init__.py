"""The CLI's commands, grouped by area; each module offers ``register(app)``."""
from odin.commands import dashboard, schedule

REGISTRARS = [schedule.register, dashboard.register]
