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
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
logger_class = "programmes.logs.AccessLogger"
