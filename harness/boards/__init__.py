"""What a board is beyond its config: the agent firmware built for it and its
sizes (firmware.py), whether a model fits (fit.py), serial ports by USB
identity, leases that give one worker a board at a time, labgrid places.

May import link, config and the bottom modules; backends build on it.
"""
