import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their models, URLs and settings) lives as long as the
# worker: frozen, it is no longer walked by every full garbage collection during requests.
gc.collect()
gc.freeze()
