"""Settings of the test suite: the production settings, served over plain HTTP.

Django's live server (browser tests) speaks HTTP, and SecurityMiddleware reads
SECURE_SSL_REDIRECT once when the server starts, so it is set here, before settings load.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from crm.settings import *  # noqa: F403
