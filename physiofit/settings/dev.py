"""`make dev`: what `make run` serves (standalone.py), with Django's autoreloading development
server, DEBUG on, and static files read straight from the source folders."""

from .standalone import *

DEBUG = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
