"""The e-CPS app of the demo professionals: one TOTP seed each, the codes it would show.

At PSC a professional confirms a sign-in on the e-CPS mobile app (or with the CPS card).
The sandbox stands in for the app with a time-based one-time password (RFC 6238, pyotp:
6 digits, 30 s, one step of tolerance either way): one random seed per demo
professional, made at first start and kept in ``DIR/psc/e-cps.json`` (mode 0600). The
seeds are listed in ``sandbox.json`` so that a test or a script computes the code as
an authenticator would; the sandbox's own pages show the current code as the app
would display it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyotp

from esante.sandbox.psc._files import read_json, write_json
from esante.sandbox.psc.errors import PscError

CODE_DIGITS = 6
STEP_SECONDS = 30
VALID_WINDOW = 1
"""Codes of the previous and next 30-second steps are accepted too (clock drift)."""


class EcpsApp:
    """The demo e-CPS app: a TOTP seed per professional (keyed by idNat_PS)."""

    def __init__(self, seeds: dict[str, str]) -> None:
        self._seeds = dict(seeds)

    @classmethod
    def load_or_create(cls, path: Path, id_nat_ps: Iterable[str]) -> EcpsApp:
        """The seeds kept at ``path``; a professional without one gets a new one (saved)."""
        seeds: dict[str, str] = {}
        if path.exists():
            document = read_json(path)
            entries = document.get("seeds") if isinstance(document, dict) else None
            if not isinstance(entries, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
            ):
                raise PscError(
                    "Graines e-CPS du bac à sable illisibles.",
                    detail=f"{path}: 'seeds' must map idNat_PS to base32 seeds",
                    field=str(path),
                )
            seeds = dict(entries)
        missing = [i for i in id_nat_ps if i not in seeds]
        for identifier in missing:
            seeds[identifier] = pyotp.random_base32()
        if missing or not path.exists():
            write_json(path, {"format": "esante-psc-ecps/1", "seeds": seeds})
        return cls(seeds)

    def seed(self, id_nat_ps: str) -> str | None:
        """The base32 TOTP seed of the professional, or None."""
        return self._seeds.get(id_nat_ps)

    def seeds(self) -> dict[str, str]:
        """Every seed, by idNat_PS."""
        return dict(self._seeds)

    def code(self, id_nat_ps: str, at: float) -> str:
        """The code the app shows at time ``at`` (epoch seconds)."""
        seed = self._seeds.get(id_nat_ps)
        if seed is None:
            raise PscError(
                "Ce professionnel n'a pas d'application e-CPS dans le bac à sable.",
                detail=f"no e-CPS seed for {id_nat_ps}",
                field="id_nat_ps",
            )
        return str(_totp(seed).at(int(at)))

    def verify(self, id_nat_ps: str, code: str, at: float) -> bool:
        """Whether ``code`` is the professional's code at ``at`` (± one step)."""
        seed = self._seeds.get(id_nat_ps)
        candidate = code.strip().replace(" ", "")
        if seed is None or len(candidate) != CODE_DIGITS or not candidate.isdigit():
            return False
        return bool(_totp(seed).verify(candidate, for_time=int(at), valid_window=VALID_WINDOW))


def _totp(seed: str) -> pyotp.TOTP:
    return pyotp.TOTP(seed, digits=CODE_DIGITS, interval=STEP_SECONDS)
