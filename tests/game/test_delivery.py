"""The hand-out queue: idle sockets are sent to in turn, a busy one never holds up the rest."""

import asyncio

import pytest

from game.batch import Batch
from game.core.events import PhaseChanged
from game.core.model import Phase
from game.delivery import HAND_OUT_SLICE, SendLock, hand_out
from game.store import Logged

pytestmark = pytest.mark.asyncio


def batch(seq: int) -> Batch:
    return Batch([Logged(seq, PhaseChanged(1, Phase.VOTE, None))])


class Socket:
    def __init__(self, name: str, sent: list) -> None:
        self.name, self.sent, self.handing = name, sent, 0
        self.sending = SendLock()
        self.later: list[int] = []

    def sends_at_once(self, batch: Batch) -> bool:
        return not self.sending.busy

    def deliver_later(self, batch: Batch) -> None:
        self.later.append(batch.last_seq)

    async def deliver(self, batch: Batch) -> None:
        async with self.sending:
            self.sent.append((self.name, batch.last_seq))


async def test_idle_sockets_get_each_batch_in_the_order_it_was_handed_out():
    sent = []
    alice, bob = Socket("alice", sent), Socket("bob", sent)
    for seq in (1, 2):
        hand_out.put(alice, batch(seq))
        hand_out.put(bob, batch(seq))
    assert (alice.handing, bob.handing) == (2, 2)
    await asyncio.sleep(0)
    assert sent == [("alice", 1), ("bob", 1), ("alice", 2), ("bob", 2)]
    assert (alice.handing, bob.handing) == (0, 0)


async def test_a_long_queue_lets_the_event_loop_run_other_work_between_slices():
    sent = []
    sockets = [Socket(f"phone {i}", sent) for i in range(HAND_OUT_SLICE * 3)]
    for socket in sockets:
        hand_out.put(socket, batch(1))
    sent_when_an_ack_ran = []
    asyncio.get_running_loop().call_soon(lambda: sent_when_an_ack_ran.append(len(sent)))
    while any(socket.handing for socket in sockets):
        await asyncio.sleep(0)
    assert len(sent) == len(sockets)
    assert 0 < sent_when_an_ack_ran[0] <= HAND_OUT_SLICE


async def test_a_socket_busy_sending_is_left_to_a_task_of_its_own_and_the_rest_go_on():
    sent = []
    alice, bob = Socket("alice", sent), Socket("bob", sent)
    await alice.sending.acquire()  # say, in the middle of a hello reading the database
    hand_out.put(alice, batch(1))
    hand_out.put(bob, batch(1))
    await asyncio.sleep(0)
    assert sent == [("bob", 1)]
    assert alice.later == [1]
    alice.sending.release()


async def test_a_lock_is_busy_while_someone_waits_for_it_even_between_holders():
    lock = SendLock()
    await lock.acquire()
    waiter = asyncio.ensure_future(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # handed to the waiter, which has not run yet
    assert not lock.locked() and lock.busy
    await waiter
    lock.release()
    assert not lock.busy
