"""The CLI's commands, grouped by area; each module offers ``register(app)``."""
from odin.commands import dashboard, jobs, log, schedule

REGISTRARS = [jobs.register, schedule.register, dashboard.register, log.register]
