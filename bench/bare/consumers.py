"""The whole bare app: join the room's group on connect; ``broadcast`` and ``vote`` group_send
one pre-encoded text to everyone in the room; ``vote`` is acknowledged to its sender."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = "room." + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data)
        kind = message.get("type")
        if kind == "ping":
            await self.send(text_data='{"type":"pong"}')
        elif kind == "broadcast":
            await self.room_send({"type": "b", "n": message["n"]})
        elif kind == "vote":
            await self.room_send({"type": "v", "id": message["id"]})
            await self.send(text_data=json.dumps({"type": "ack", "id": message["id"]}))

    async def room_send(self, message: dict) -> None:
        text = json.dumps(message, separators=(",", ":"))
        await self.channel_layer.group_send(self.group, {"type": "room.text", "text": text})

    async def room_text(self, event: dict) -> None:
        await self.send(text_data=event["text"])
