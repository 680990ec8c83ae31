"""Trouble settings of the DMP sandbox: slowness, random failures, outage.

Practice software must survive a DMP that is slow, fails now and then, or is down (the
outbox retries by itself). The sandbox simulates that from three settings kept in its
database, so that the running server and the admin CLI share them: ``latency_ms`` (added
to every answer), ``fail_rate`` (share of requests answered with a transient failure,
0 to 1) and ``down`` (every request fails). The HTTP layer applies them with
:func:`trouble_for`; nothing here sleeps or fails by itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.models import DmpSettings, utcnow

_SETTINGS_ID = 1


@dataclass(frozen=True, slots=True)
class TroubleSettings:
    """The three trouble settings (all off by default)."""

    latency_ms: int = 0
    fail_rate: float = 0.0
    down: bool = False


@dataclass(frozen=True, slots=True)
class Trouble:
    """What to do to one request: wait ``delay_s``, then fail with ``failure`` if set."""

    delay_s: float
    failure: DmpRefusal | None


def load_troubles(session: Session) -> TroubleSettings:
    """The current settings (defaults when never set)."""
    row = session.get(DmpSettings, _SETTINGS_ID)
    if row is None:
        return TroubleSettings()
    return TroubleSettings(row.latency_ms, row.fail_rate, row.down)


def save_troubles(
    session: Session,
    *,
    latency_ms: int | None = None,
    fail_rate: float | None = None,
    down: bool | None = None,
    now: datetime | None = None,
) -> TroubleSettings:
    """Change the given settings (``None`` keeps one as is), commit, return the new ones.

    Raises :class:`DmpRefusal` (``DMPInvalidRequest``) for a negative latency or a failure
    rate outside [0, 1].
    """
    if latency_ms is not None and latency_ms < 0:
        raise DmpRefusal(
            DmpErrorCode.INVALID_REQUEST,
            message="La latence simulée doit être positive ou nulle.",
            detail=f"latency_ms={latency_ms}",
            field="latency_ms",
        )
    if fail_rate is not None and not 0.0 <= fail_rate <= 1.0:
        raise DmpRefusal(
            DmpErrorCode.INVALID_REQUEST,
            message="Le taux d'échec simulé doit être compris entre 0 et 1.",
            detail=f"fail_rate={fail_rate}",
            field="fail_rate",
        )
    row = session.get(DmpSettings, _SETTINGS_ID)
    if row is None:
        row = DmpSettings(id=_SETTINGS_ID, latency_ms=0, fail_rate=0.0, down=False)
        session.add(row)
    if latency_ms is not None:
        row.latency_ms = latency_ms
    if fail_rate is not None:
        row.fail_rate = fail_rate
    if down is not None:
        row.down = down
    row.updated_at = now or utcnow()
    session.commit()
    return TroubleSettings(row.latency_ms, row.fail_rate, row.down)


def trouble_for(settings: TroubleSettings, rng: random.Random) -> Trouble:
    """The trouble one request meets under ``settings`` (``rng`` draws the random failures)."""
    delay = settings.latency_ms / 1000
    if settings.down:
        return Trouble(
            delay,
            DmpRefusal(DmpErrorCode.SERVICE_UNAVAILABLE, detail="sandbox trouble: down"),
        )
    if settings.fail_rate > 0 and rng.random() < settings.fail_rate:
        return Trouble(
            delay,
            DmpRefusal(
                DmpErrorCode.REGISTRY_BUSY,
                detail=f"sandbox trouble: random failure (rate {settings.fail_rate})",
            ),
        )
    return Trouble(delay, None)
