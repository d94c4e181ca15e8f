"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

Workers, bind address and timeouts come from the environment (GUNICORN_* or WEB_CONCURRENCY);
the access and error logs mask the secrets that the URLconf's routes carry, such as personal-link,
display, invitation and password-reset tokens and room codes (programmes.logs).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# The app is imported once in the master and each worker is forked from it, so a worker that
# replaces a killed one, or the workers a HUP starts, serve at once (importing the app takes
# seconds, tens of seconds on a loaded machine: without this a reload under load failed 100
# requests in benchmarks/faults.py reload, with it none). Django opens no database
# connection at import, so no connection is shared across the fork. New code therefore needs
# a restart or gunicorn's USR2 upgrade (README, "Deployment"); HUP reloads settings only.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
logger_class = "programmes.logs.AccessLogger"
