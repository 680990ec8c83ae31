"""Size limits applied to every message esante reads from the network.

A remote service (or a hostile peer) decides how many bytes it sends; esante decides how
many it reads. The limits bound the HTTP body (read in a stream and cut off), the number
of MIME parts and the size of their headers, and the XML given to the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class MessageLimits:
    """Bounds for one received message (request on the server side, response on the client)."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_parts: int = 100
    max_part_header_bytes: int = 16 * 1024

    def __post_init__(self) -> None:
        if self.max_message_bytes <= 0 or self.max_parts <= 0 or self.max_part_header_bytes <= 0:
            raise ValueError("message limits must be positive")
