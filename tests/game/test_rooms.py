"""Rooms: their lanes, cadences, slices and holes, and their lifecycle across a process."""

import asyncio

import pytest

from game.batch import Batch
from game.core.events import PhaseChanged
from game.core.model import Phase, Role
from game.core.visibility import Viewer
from game.lanes import DISPLAYS, PHONES
from game.rooms import Rooms
from game.store import Logged
from tests.game.test_batch import ALICE, SCREEN, vote


class Socket:
    """A subscriber that keeps what its room hands it."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer, self.last_sent, self.batches = viewer, 0, []

    def receive_batch(self, batch: Batch) -> None:
        self.batches.append([x.seq for x in batch.logged])


async def screen_and_phone(settings, phone_tally: float) -> tuple:
    """Rooms with one room (7) of a screen and Alice's phone; screens hear tallies at once."""
    settings.UPSERVE_TALLY_SECONDS, settings.UPSERVE_PHONE_TALLY_SECONDS = 0.0, phone_tally
    settings.REDIS_URL = ""
    hub, screen, phone = Rooms(), Socket(SCREEN), Socket(ALICE)
    await hub.subscribe(7, screen, DISPLAYS)
    await hub.subscribe(7, phone, PHONES)
    return hub, screen, phone


def lanes(hub: Rooms, workshop_id: int = 7) -> list:
    return list(hub.find(workshop_id).lanes.values())


@pytest.mark.asyncio
async def test_phones_hear_a_vote_storm_on_their_own_slower_cadence(settings):
    hub, screen, phone = await screen_and_phone(settings, phone_tally=60.0)
    hub.receive(7, [vote(1, "dave", 1)])  # the first goes at once to both lanes
    hub.receive(7, [vote(2, "erin", 2)])
    hub.receive(7, [vote(3, "fay", 3)])
    assert screen.batches == [[1], [2], [3]]
    assert phone.batches == [[1]]
    hub.receive(7, [Logged(4, PhaseChanged(1, Phase.REVEAL, None))])
    assert phone.batches == [[1], [2, 3, 4]]  # a phase change flushes what waited, in order
    assert screen.batches[-1] == [4]
    for lane in lanes(hub):
        lane.close()


@pytest.mark.asyncio
async def test_a_big_room_is_handed_a_batch_slice_by_slice_and_in_order(settings, monkeypatch):
    import asyncio

    from game import lanes as lanes_module

    monkeypatch.setattr(lanes_module, "FAN_OUT_SLICE", 2)
    settings.UPSERVE_TALLY_SECONDS, settings.UPSERVE_PHONE_TALLY_SECONDS = 0.0, 0.0
    settings.UPSERVE_PHONE_FRAMES_PER_SECOND = 10**9
    settings.REDIS_URL = ""
    hub = Rooms()
    phones = [Socket(Viewer(Role.PARTICIPANT, f"p{i}", "t1")) for i in range(5)]
    for phone in phones:
        await hub.subscribe(7, phone, PHONES)
    hub.receive(7, [vote(1, "dave", 1)])
    assert sum(bool(p.batches) for p in phones) == 2  # the first slice only, for now
    assert [x.seq for x in hub.find(7).waiting(0)] == [1]  # a heartbeat can still be served from it
    hub.receive(7, [vote(2, "erin", 2)])  # the next batch waits for the first to reach all
    assert all(p.batches[0] == [1] for p in phones)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert all(p.batches == [[1], [2]] for p in phones)


@pytest.mark.asyncio
async def test_a_lane_holds_back_a_batch_until_the_event_missing_before_it_arrives(settings):
    hub, screen, phone = await screen_and_phone(settings, phone_tally=0.0)
    hub.receive(7, [vote(1, "dave", 1)])
    hub.receive(7, [vote(3, "fay", 3)])  # another process's commit, overtaking the one before
    assert phone.batches == screen.batches == [[1]]
    hub.receive(7, [vote(2, "erin", 2)])
    assert phone.batches == screen.batches == [[1], [2, 3]]  # one batch, in order, no hole
    for lane in lanes(hub):
        lane.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_event_that_never_arrives_is_read_from_the_log_once_for_the_whole_room(
    settings, monkeypatch, workshop
):
    from channels.db import database_sync_to_async

    from game import lanes as lanes_module
    from game import service, store
    from game.core.commands import Join
    from game.core.model import participant

    settings.UPSERVE_TALLY_SECONDS, settings.UPSERVE_PHONE_TALLY_SECONDS = 0.0, 0.0
    settings.REDIS_URL = ""
    monkeypatch.setattr(lanes_module, "GAP_GRACE", 0.01)
    for pid in ("alice", "bob"):
        await database_sync_to_async(service.submit)(
            workshop_id=workshop.pk, actor=participant(pid), command=Join(pid.title())
        )
    logged = await database_sync_to_async(store.events_between)(workshop.pk, 1, 3)
    reads = []
    real_read = store.events_between

    def counted_read(*args):
        reads.append(args)
        return real_read(*args)

    monkeypatch.setattr(store, "events_between", counted_read)
    hub = Rooms()
    phones = [Socket(Viewer(Role.PARTICIPANT, f"p{i}", "t1")) for i in range(3)]
    for phone in phones:
        await hub.subscribe(workshop.pk, phone, PHONES)
    hub.receive(workshop.pk, logged[:1])
    hub.receive(workshop.pk, logged[2:])  # the broadcast of seq 2 was lost
    assert all(p.batches == [[1]] for p in phones)
    while any(lane.filling for lane in lanes(hub, workshop.pk)):
        await asyncio.sleep(0.01)
    assert all(p.batches == [[1], [2, 3]] for p in phones)
    assert reads == [(workshop.pk, 2, 2)]  # one read for the lane, not one per phone


def test_a_big_rooms_phones_hear_a_vote_storm_less_often_and_screens_as_often(settings):
    from game.lanes import interval as _interval

    settings.UPSERVE_TALLY_SECONDS, settings.UPSERVE_PHONE_TALLY_SECONDS = 0.02, 1.0
    settings.UPSERVE_PHONE_FRAMES_PER_SECOND = 1000
    assert _interval(PHONES, 30) == 1.0
    assert _interval(PHONES, 2500) == 2.5  # at most 1,000 tally frames a second
    assert _interval(DISPLAYS, 2500) == 0.02


@pytest.mark.asyncio
async def test_a_process_counts_the_phones_of_all_its_rooms_for_their_cadence(settings):
    settings.REDIS_URL = ""
    hub, screen = Rooms(), Socket(SCREEN)
    phones = [Socket(Viewer(Role.PARTICIPANT, f"p{i}", "t1")) for i in range(4)]
    await hub.subscribe(7, screen, DISPLAYS)
    for room, phone in zip([7, 7, 8, 9], phones, strict=True):
        await hub.subscribe(room, phone, PHONES)
    await hub.subscribe(7, phones[0], PHONES)  # twice is still one
    assert hub.phones == 4
    await hub.unsubscribe(hub.find(8), phones[2])
    await hub.unsubscribe(hub.find(7), screen)
    assert hub.phones == 3


# -- lifecycle -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_room_is_dropped_once_its_last_socket_leaves(settings):
    settings.REDIS_URL, settings.UPSERVE_ROOM_LINGER_SECONDS = "", 0
    hub, screen, phone = Rooms(), Socket(SCREEN), Socket(ALICE)
    room = await hub.subscribe(7, screen, DISPLAYS)
    await hub.subscribe(7, phone, PHONES)
    hub.receive(7, [vote(1, "dave", 1)])
    await hub.unsubscribe(room, screen)
    assert hub.find(7) is room  # Alice is still there
    await hub.unsubscribe(room, phone)
    assert hub.find(7) is None and len(hub) == 0 and hub.phones == 0


@pytest.mark.asyncio
async def test_an_idle_room_lingers_so_a_reloaded_page_finds_its_fold(settings, monkeypatch):
    from game import rooms as rooms_module

    settings.REDIS_URL, settings.UPSERVE_ROOM_LINGER_SECONDS = "", 30
    now = [1000.0]
    monkeypatch.setattr(rooms_module.time, "monotonic", lambda: now[0])
    hub, screen = Rooms(), Socket(SCREEN)
    room = await hub.subscribe(7, screen, DISPLAYS)
    await hub.unsubscribe(room, screen)
    now[0] += 29
    hub.sweep()
    assert hub.find(7) is room
    now[0] += 2
    hub.sweep()
    assert hub.find(7) is None


@pytest.mark.asyncio
async def test_a_room_is_kept_while_a_command_of_it_waits_or_a_thread_reads_its_fold(settings):
    settings.REDIS_URL, settings.UPSERVE_ROOM_LINGER_SECONDS = "", 0
    hub = Rooms()
    room = hub.queued(7)
    hub.sweep()
    assert hub.find(7) is room
    with hub.using(7) as same:
        hub.done(room)
        assert hub.find(7) is same is room
    assert hub.find(7) is None


@pytest.mark.asyncio
async def test_events_for_a_room_nobody_here_uses_are_not_kept(settings):
    settings.REDIS_URL = ""
    hub = Rooms()
    hub.receive(7, [vote(1, "dave", 1)])
    assert hub.find(7) is None and len(hub) == 0
