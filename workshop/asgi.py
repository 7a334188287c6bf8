"""ASGI entry point: Django for HTTP, the game consumer for WebSockets, the deadline poller."""

import gc
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workshop.settings")

import django

django.setup(set_prefix=False)

from workshop import daphne_bodies  # noqa: E402

daphne_bodies.install()  # Twisted would parse every upload in memory first (issue 12, A2)

# The group commit's database thread waits on PostgreSQL several times per transaction, and
# after each wait for the GIL, which the event loop (sending to thousands of sockets) gives
# up only every switch interval: 5 ms by default, so a commit held the workshop's row (and
# every other process waiting for it) tens of milliseconds longer than its queries took.
sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_SECONDS", "0.001")))

from workshop.http import HttpHandler  # noqa: E402

django_asgi_app = HttpHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from game.routing import websocket_application  # noqa: E402
from game.timers import WithTimers  # noqa: E402
from workshop.preflight import check_services  # noqa: E402

check_services()

application = WithTimers(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": websocket_application(),
        }
    )
)

# Python's full garbage collections stop the whole process for as long as it takes to scan every
# object: with thousands of sockets, hundreds of milliseconds, several times a minute while a
# room votes, which every acknowledgement waiting then pays. What start-up loaded stays for
# good and is never scanned again, and collections run far less often (young objects are
# counted in tens of thousands, not hundreds, before a pass).
gc.freeze()
gc.set_threshold(*(int(n) for n in os.environ.get("GC_THRESHOLDS", "50000,20,20").split(",")))
