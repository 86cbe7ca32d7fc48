"""Bytes to and from a board: links (tty, pty, socket://, rfc2217://),
the agent's framed protocol (frames.py, messages.py), the session that
speaks it, derived timeouts, ser2net exports.

May import config and the bottom modules; never run, gate or backends.
"""
