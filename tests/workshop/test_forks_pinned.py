"""The project's three forks of framework internals, pinned to the versions they were written for.

workshop/http.py re-implements Django's ASGIHandler.handle; workshop/daphne_bodies.py makes
Daphne build its requests with a Twisted option; game/consumers.py's ``dispatch`` is Channels'
without its per-frame database hop. Each module's docstring holds the measurement
that justifies it. When a framework is upgraded, these tests fail until someone has read the
fork against the new code and recorded the new version and fingerprints here."""

import hashlib
import inspect

import daphne
import django
import twisted
from channels.consumer import AsyncConsumer
from channels.layers import get_channel_layer
from daphne import http_protocol
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from twisted.web import http


def fingerprint(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def changed(recorded: dict) -> dict:
    """What no longer matches: name -> its fingerprint now, to record once re-checked."""
    return {
        name: fingerprint(function)
        for name, (function, before) in recorded.items()
        if fingerprint(function) != before
    }


def major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


HTTP = "re-check workshop/http.py against Django's ASGIHandler"
BODIES = "re-check workshop/daphne_bodies.py against Daphne's WebRequest and Twisted's Request"


def test_the_http_handler_was_written_for_this_django():
    assert django.VERSION[:2] == (5, 2), f"{HTTP}: written for Django 5.2"
    recorded = {
        # re-implemented in HttpHandler.__call__ and _respond
        "ASGIHandler.__call__": (ASGIHandler.__call__, "f756809e9c9308dc"),
        "ASGIHandler.handle": (ASGIHandler.handle, "98faeb5bef800331"),
        "ASGIHandler.run_get_response": (ASGIHandler.run_get_response, "0234ea5fe09a5777"),
        # relied on: a disconnect raises RequestAborted; the middleware chain can be built sync
        "ASGIHandler.listen_for_disconnect": (
            ASGIHandler.listen_for_disconnect,
            "c729aa315c734f98",
        ),
        "BaseHandler.load_middleware": (BaseHandler.load_middleware, "a1fb7ee5f8586195"),
    }
    assert changed(recorded) == {}, f"{HTTP}: Django's code changed"


def test_the_upload_patch_was_written_for_this_daphne_and_twisted():
    assert major_minor(daphne.__version__) == (4, 2), f"{BODIES}: written for Daphne 4.2"
    assert major_minor(twisted.__version__) == (26, 10), f"{BODIES}: written for Twisted 26.10"
    recorded = {
        # Daphne builds each request from the module attribute that install() replaces ...
        "HTTPFactory.buildProtocol": (http_protocol.HTTPFactory.buildProtocol, "35e878a6e0e41af2"),
        # ... whose __init__ passes our keyword on to Twisted's ...
        "WebRequest.__init__": (http_protocol.WebRequest.__init__, "ec85d9f2a762a39f"),
        # ... which takes it, and skips the in-memory parse when it is False.
        "Request.__init__": (http.Request.__init__, "2d3f7dbd28d0ce02"),
        "Request.requestReceived": (http.Request.requestReceived, "99ca6c5e24305de4"),
    }
    assert changed(recorded) == {}, f"{BODIES}: their code changed"


def test_channels_gives_the_sockets_no_channel_layer():
    # Events reach sockets through game/fanout.py's hub; a configured layer would give every
    # socket a channel (with Redis, a subscription each) that nothing sends to.
    assert get_channel_layer() is None


def test_the_consumers_dispatch_was_written_for_this_channels():
    import channels

    again = "re-check GameConsumer.dispatch (game/consumers.py) against Channels' AsyncConsumer"
    assert major_minor(channels.__version__) == (4, 3), f"{again}: written for Channels 4.3"
    recorded = {"AsyncConsumer.dispatch": (AsyncConsumer.dispatch, "39f34e7d4fb0f655")}
    assert changed(recorded) == {}, f"{again}: Channels' code changed"
