"""The agent wire protocol (docs/protocol.md): pure encoding, no I/O."""
