import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# The objects made while loading (modules, settings, URL patterns, about
# 180,000 of them) live as long as the process. Frozen, the garbage collector
# no longer walks them on each full collection, which otherwise stalled a
# request for about a tenth of a second now and then; with gunicorn --preload
# the workers also keep sharing those pages of memory with the master.
gc.collect()
gc.freeze()
