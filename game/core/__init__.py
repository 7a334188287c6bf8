"""The pure game core: no Django, no I/O, no clock of its own.

``decide(state, command, actor, now)`` returns the events a command produces or raises a
``Refusal``; ``evolve(state, event)`` folds one event into the state. Everything else in the
project is a shell around these two functions.
"""
