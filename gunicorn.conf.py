"""gunicorn settings, read from the working directory (docker compose, the Dockerfile, the benchmarks).

Each worker freezes what it allocated while loading Django (modules, URL patterns, templates,
translations) into the garbage collector's permanent generation. The collector then no longer
walks those objects on every full collection, which otherwise adds pauses of several
milliseconds to whichever request triggers one.
"""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
