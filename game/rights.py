"""A facilitator's socket lives only as long as the right to drive the room.

Logging out, deactivating the user (or any change to the user row, such as a new password or a
lost superuser flag) and removing a co-facilitator tell every open facilitator socket of that
user to check its right again at once; a socket whose session is the one logged out closes
without asking. With Redis the word goes to every server process (the logout may be served by
another process than the socket's); without it there is only this one. Each facilitator socket
also checks again every ``UPSERVE_RIGHTS_SECONDS`` whatever it hears (a session that expired,
a change made straight in the database, a lost message), so the signals are only for speed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Protocol

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

CHANNEL = "upserve:rights"


class Watcher(Protocol):
    def rights_may_have_changed(self, session: str | None) -> None: ...


class Watchers:
    """This process's facilitator sockets, by user id."""

    def __init__(self) -> None:
        self.by_user: dict[int, set[Watcher]] = defaultdict(set)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.listener: asyncio.Task | None = None

    def add(self, user_pk: int, socket: Watcher) -> None:
        self.loop = asyncio.get_running_loop()
        self.by_user[user_pk].add(socket)
        if settings.REDIS_URL and (self.listener is None or self.listener.done()):
            self.listener = self.loop.create_task(self._listen())

    def remove(self, user_pk: int, socket: Watcher) -> None:
        sockets = self.by_user.get(user_pk)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.by_user[user_pk]

    def forget(self) -> None:
        """Start afresh (tests: a new server process)."""
        self.by_user.clear()

    def tell(self, users: list[int] | None, session: str | None) -> None:
        """On the loop: ``users``' sockets (everyone's for None) check their right again."""
        if users is None:
            targets = {s for sockets in self.by_user.values() for s in sockets}
        else:
            targets = {s for pk in users for s in self.by_user.get(pk, ())}
        for socket in targets:
            try:
                socket.rights_may_have_changed(session)
            except Exception:  # one broken socket must not keep the word from the others
                log.exception("rights: telling a socket failed")

    def tell_from_any_thread(self, users: list[int] | None, session: str | None) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.tell, users, session)

    async def _listen(self) -> None:
        from game.rooms import rooms

        while True:
            try:
                pubsub = rooms.bus.redis().pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    body = json.loads(message["data"])
                    self.tell(body["users"], body["session"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("rights: Redis unreachable; sockets fall back to checking on a timer")
                await asyncio.sleep(1)


watchers = Watchers()


def announce(users: list[int] | None, session: str | None = None) -> None:
    """Tell the facilitator sockets of ``users`` (None: all) on every process, once the
    current transaction (if any) has committed, so that their check sees the change."""

    def send() -> None:
        if settings.REDIS_URL:
            try:
                _publish(json.dumps({"users": users, "session": session}))
                return
            except Exception:
                log.warning("rights: could not reach Redis; telling this process only")
        watchers.tell_from_any_thread(users, session)

    transaction.on_commit(send)


def _publish(message: str) -> None:
    import redis

    # A short wait: a logout must not hang on an unreachable Redis (sockets check on a timer).
    with redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    ) as client:
        client.publish(CHANNEL, message)


# -- the signals ---------------------------------------------------------------------------


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        session = getattr(getattr(request, "session", None), "session_key", None)
        announce([user.pk], session)


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every login saves this; it changes no right
    announce([instance.pk])


def _user_deleted(sender, instance, **kwargs) -> None:
    announce([instance.pk])


def connect() -> None:
    """The user model's signals. Who co-facilitates a workshop is the host's to say: it calls
    ``announce`` itself when that changes (workshop/apps.py)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import post_delete, post_save

    user_model = get_user_model()
    user_logged_out.connect(_logged_out, dispatch_uid="upserve.rights.logout")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="upserve.rights.user")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="upserve.rights.gone")
