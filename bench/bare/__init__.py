"""A minimal Django + Channels app for side-by-side figures: one group per room, every client in
it; a broadcast message and a vote message that ``group_send`` to the whole room."""
