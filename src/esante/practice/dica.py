"""The DICA status of a patient's DMP for the signed-in actor, and the bar's counters.

Computed when the record opens, without a click (issue 13, mission pages "Consultation
du DMP / Mon espace santé", SC.DMP/CONF.14-16, UX.27, UX.31). Four conditions, each OK or
KO with the French reason the seed shows and a stable action code the interface turns
into a link:

* **D** — the patient has a DMP, open, attached to Mon espace santé (TD0.2). A DMP that
  does not answer (error, bounded timeout) is a KO "le DMP de votre patient n'est pas
  accessible" with the action ``reessayer``: DMP features never block the record
  (LGC.DMP/UX.10), so this module never raises for an outage;
* **I** — the patient's INS is qualified (identity status ``QUAL``): an unqualified INS
  is never sent to the DMP;
* **C** — the consent rules of :mod:`esante.practice.consent` (the 180-day notice, the
  patient's consent or opposition; :func:`~esante.practice.consent.consultation_refusal`),
  then the professional's authorisation on the DMP (TD0.2 ``AUTORISATION``: none or
  expired → declare it with TD0.3 after an explicit action, EX_0.3-1010; blocked by the
  patient → no access);
* **A** — the actor signed in with a means the DMP accepts for consultation (a CPS or
  e-CPS through Pro Santé Connect: actor kind ``psc``; a local account or an API key is
  not), and the actor's profession may consult (:mod:`esante.practice.access`).

A condition that could not be checked (the DMP was not asked because an earlier
condition failed) is ``None``: unknown, shown neither green nor red.

DMP calls: only when A and I are OK. TD0.2 always; TD3.1 (the counters) when C is
locally OK — then the consultation is authorised by
:func:`~esante.practice.consent.authorize_consultation` (traced) — and both run
concurrently on a small thread pool. Every bar that calls the DMP is traced
(:func:`esante.practice.trace.record`, action :data:`TRACE_ACTION`); a refusal of the
access policy (a secretary) is traced by :func:`esante.practice.trace.check` and no DMP
call is made. DMP answers are cached per (patient, actor)
(:mod:`esante.practice.dmp_counters`).
"""

from __future__ import annotations

from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from esante.dmp.errors import DmpError
from esante.dmp.results import AuthorizationStatus, DmpStatus, DocumentList
from esante.errors import EsanteError
from esante.identity import Ins, check_ins
from esante.practice import trace
from esante.practice.access import AccessDeniedError, allowed
from esante.practice.actors import Actor
from esante.practice.consent import authorize_consultation, consultation_refusal
from esante.practice.dmp_access import EMERGENCY_MODES, active_emergency, dmp_actor_of
from esante.practice.dmp_counters import (
    Counters,
    DmpSnapshot,
    SnapshotCache,
    counters_of,
    last_visit,
    new_since_bound,
    snapshot_cache,
)
from esante.practice.errors import AccessNoticeRequiredError, ConsentError
from esante.store.base import utcnow
from esante.store.models import DmpEmergencyAccess, Patient
from esante.store.repositories import PatientRepository
from esante.trust import AccessMode

if TYPE_CHECKING:
    from esante.practice.dmp_sender import DmpCredential

__all__ = [
    "DEFAULT_TIMEOUT",
    "TRACE_ACTION",
    "Condition",
    "DicaStatus",
    "dica_status",
]

Letter = Literal["D", "I", "C", "A"]
_T = TypeVar("_T")

TRACE_ACTION: Final = "dmp:bar"
"""Trace action of a bar computation (channel ``dossier``)."""
DEFAULT_TIMEOUT: Final = 5.0
"""Seconds the bar waits for the DMP before showing it as not accessible."""

NAMES: Final[dict[Letter, str]] = {
    "D": "DMP",
    "I": "Identité",
    "C": "Consentement",
    "A": "Authentification",
}
DMP_UNREACHABLE: Final = "le DMP de votre patient n'est pas accessible"
IDENTITY_NOT_QUALIFIED: Final = "l'identité de votre patient n'est pas qualifiée"
NO_CONSENT: Final = "le consentement du patient n'est pas enregistré"
WEAK_AUTHENTICATION: Final = (
    "vous n'êtes pas connecté avec un moyen d'authentification permettant de consulter "
    "le DMP (carte CPS ou e-CPS via Pro Santé Connect)"
)
NOT_HABILITATED: Final = "vous n'êtes pas habilité à consulter le DMP de votre patient"

PARIS: Final = ZoneInfo("Europe/Paris")
_pool: Final = ThreadPoolExecutor(max_workers=8, thread_name_prefix="esante-dmp-bar")


@dataclass(frozen=True, slots=True)
class Condition:
    """One letter of DICA: ``ok`` True / False / None (not checked), the French reason of
    a KO (or of an unknown state), the action code that fixes it (None: nothing to do)."""

    letter: Letter
    ok: bool | None
    reason: str | None = None
    action: str | None = None

    @property
    def name(self) -> str:
        """The condition's French name."""
        return NAMES[self.letter]


@dataclass(frozen=True, slots=True)
class DicaStatus:
    """The bar of one patient for one actor: D, I, C, A, and the counters when the DMP
    could be searched (None otherwise). ``from_cache``: the DMP was not asked again."""

    patient_id: int
    d: Condition
    i: Condition
    c: Condition
    a: Condition
    counters: Counters | None
    computed_at: datetime
    from_cache: bool = False
    access_mode: str = "normal"
    emergency_until: datetime | None = None

    @property
    def emergency(self) -> bool:
        """A break-glass / centre 15 access is running: the bar says so for its whole
        duration (EX_0.2-1050, EX_0.3-1050)."""
        return self.emergency_until is not None

    @property
    def conditions(self) -> tuple[Condition, Condition, Condition, Condition]:
        """D, I, C, A in the bar's order."""
        return (self.d, self.i, self.c, self.a)

    @property
    def ok(self) -> bool:
        """All four conditions are met: the DMP may be consulted."""
        return all(c.ok is True for c in self.conditions)


def _authentication(session: Session, actor: Actor, patient: Patient) -> Condition:
    """A: profession first (a secretary is refused and traced), then the means."""
    try:
        trace.check(session, actor, "dmp:consult", patient, traced_as=TRACE_ACTION)
    except AccessDeniedError:
        if actor.kind == "apikey":
            return Condition("A", False, WEAK_AUTHENTICATION, "reconnecter_cps")
        return Condition("A", False, NOT_HABILITATED, None)
    if actor.kind != "psc":
        return Condition("A", False, WEAK_AUTHENTICATION, "reconnecter_cps")
    if actor.practitioner_id is None:
        return Condition("A", False, NOT_HABILITATED, None)
    return Condition("A", True)


def _identity(patient: Patient) -> tuple[Condition, Ins | None]:
    if patient.identity_status != "QUAL" or not patient.ins_matricule or not patient.ins_oid:
        return Condition("I", False, IDENTITY_NOT_QUALIFIED, "qualifier_ins"), None
    try:
        return Condition("I", True), check_ins(patient.ins_matricule, patient.ins_oid)
    except EsanteError:
        return Condition("I", False, IDENTITY_NOT_QUALIFIED, "qualifier_ins"), None


def _local_consent(
    session: Session,
    actor: Actor,
    patient: Patient,
    now: datetime,
    emergency: DmpEmergencyAccess | None,
) -> Condition:
    """C as far as the practice knows (notice, consent, opposition; a running break-glass
    access, which the notice still conditions)."""
    if emergency is not None:
        refusal = consultation_refusal(
            session,
            patient.id,
            actor=actor,
            mode=emergency.mode,
            reason=emergency.reason,
            now=now,
        )
        if refusal is None:
            label = EMERGENCY_MODES[AccessMode(emergency.mode)]
            return Condition("C", True, f"{label} jusqu'à {_paris(emergency.expires_at)}", None)
    refusal = consultation_refusal(session, patient.id, actor=actor, now=now)
    if refusal is None:
        return Condition("C", True)
    break_glass = "bris_de_glace" if allowed(actor, "dmp:break_glass") else None
    if isinstance(refusal, AccessNoticeRequiredError):
        return Condition(
            "C",
            False,
            "vous devez prendre connaissance de l'avertissement d'accès au DMP",
            "prendre_connaissance_avertissement",
        )
    if refusal.detail == "opposition":
        return Condition(
            "C", False, "le patient s'oppose à la consultation de son DMP", break_glass
        )
    return Condition("C", False, NO_CONSENT, "recueillir_consentement")


def _dmp_consent(status: DmpStatus, local: Condition, *, emergency: bool) -> Condition:
    """C completed by the DMP's view of the professional's authorisation (TD0.2); in
    break-glass no authorisation is needed, but a blocked professional stays blocked."""
    if local.ok is not True:
        return local
    if status.authorization == AuthorizationStatus.INTERDITE:
        return Condition("C", False, "le patient vous a interdit l'accès à son DMP", None)
    if status.authorization != AuthorizationStatus.VALIDE and not emergency:
        return Condition(
            "C",
            False,
            "vous n'êtes pas autorisé par le patient à accéder à son DMP",
            "declarer_autorisation",
        )
    return local


def _dmp_presence(status: DmpStatus) -> Condition:
    if not status.exists:
        return Condition("D", False, f"{DMP_UNREACHABLE} : il n'a pas de DMP", None)
    if status.closed:
        return Condition("D", False, f"{DMP_UNREACHABLE} : son DMP est fermé", None)
    if status.attached_to_mes is False:
        return Condition(
            "D", False, f"{DMP_UNREACHABLE} : son DMP n'est pas rattaché à Mon espace santé", None
        )
    return Condition("D", True)


_UNKNOWN_D: Final = Condition("D", None, "non vérifié : les autres conditions ne sont pas remplies")


def dica_status(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    dmp: DmpCredential | None,
    timeout: float = DEFAULT_TIMEOUT,
    cache: SnapshotCache | None = None,
    executor: Executor | None = None,
    now: datetime | None = None,
) -> DicaStatus:
    """The DICA status and counters of the patient for ``actor`` (see the module).

    ``dmp``: the DMP client and the structure its certificate names (None: no DMP
    configured, D is KO). Raises only NotFoundError for an unknown patient; a DMP outage
    or timeout is a KO "D" (the late calls finish on ``executor``, the module's small
    thread pool by default, and are dropped). Traces are appended to ``session``, which
    the caller commits (a refusal of the access policy is committed at once by the
    trace).
    """
    cache = snapshot_cache if cache is None else cache
    at = now or utcnow()
    patient = PatientRepository(session).get(patient_id)
    a = _authentication(session, actor, patient)
    i, ins = _identity(patient)
    emergency = None
    if actor.practitioner_id is not None and a.ok:
        emergency = active_emergency(session, actor.practitioner_id, patient.id, now=at)
        c = _local_consent(session, actor, patient, at, emergency)
        if c.ok is not True:
            emergency = None  # the notice still stands before a break-glass access
    else:
        c = Condition("C", None, "non vérifié : authentification requise")
    mode = emergency.mode if emergency else "normal"
    until = emergency.expires_at if emergency else None
    if not a.ok or ins is None:
        return DicaStatus(
            patient.id, _UNKNOWN_D, i, c, a, None, at, access_mode=mode, emergency_until=until
        )
    if dmp is None:
        d = Condition("D", False, f"{DMP_UNREACHABLE} : aucun DMP n'est configuré", None)
        return DicaStatus(patient.id, d, i, c, a, None, at, access_mode=mode, emergency_until=until)
    cached = cache.get(patient.id, actor.actor_id)
    if cached is not None and (cached.documents is not None or c.ok is not True):
        return _status(patient.id, cached, i, c, a, at, emergency, from_cache=True)
    snapshot = _ask_dmp(
        session,
        actor,
        patient,
        ins,
        dmp,
        consult=c.ok is True,
        emergency=emergency,
        timeout=timeout,
        executor=_pool if executor is None else executor,
    )
    if snapshot is None:
        trace.record(session, actor, TRACE_ACTION, [patient], outcome="failure", detail="TD0.2")
        d = Condition("D", False, f"{DMP_UNREACHABLE} : réessayez dans un instant", "reessayer")
        return DicaStatus(patient.id, d, i, c, a, None, at, access_mode=mode, emergency_until=until)
    calls = "TD0.2,TD3.1" if snapshot.documents is not None else "TD0.2"
    trace.record(session, actor, TRACE_ACTION, [patient], detail=calls)
    cache.put(patient.id, actor.actor_id, snapshot)
    return _status(patient.id, snapshot, i, c, a, at, emergency)


def _status(
    patient_id: int,
    snapshot: DmpSnapshot,
    i: Condition,
    c: Condition,
    a: Condition,
    at: datetime,
    emergency: DmpEmergencyAccess | None,
    *,
    from_cache: bool = False,
) -> DicaStatus:
    d = _dmp_presence(snapshot.status)
    consent = _dmp_consent(snapshot.status, c, emergency=emergency is not None) if d.ok else c
    counters = None
    if d.ok and consent.ok and snapshot.documents is not None and snapshot.new is not None:
        counters = counters_of(
            snapshot.status, snapshot.documents, snapshot.new, snapshot.last_visit_at
        )
    return DicaStatus(
        patient_id,
        d,
        i,
        consent,
        a,
        counters,
        at,
        from_cache,
        access_mode=emergency.mode if emergency else "normal",
        emergency_until=emergency.expires_at if emergency else None,
    )


def _ask_dmp(
    session: Session,
    actor: Actor,
    patient: Patient,
    ins: Ins,
    dmp: DmpCredential,
    *,
    consult: bool,
    emergency: DmpEmergencyAccess | None,
    timeout: float,
    executor: Executor,
) -> DmpSnapshot | None:
    """TD0.2, and TD3.1 (all active documents; those submitted since the last visit)
    when ``consult``, concurrently. None when TD0.2 fails or times out."""
    dmp_actor = dmp_actor_of(session, actor, dmp)
    client = dmp.client
    visited = last_visit(session, dmp_actor_practitioner(actor), patient.id)
    status_call = executor.submit(client.test_existence, ins, actor=dmp_actor)
    all_call: Future[DocumentList] | None = None
    new_call: Future[frozenset[str]] | None = None
    if consult:
        try:
            grant = authorize_consultation(
                session,
                patient.id,
                actor=actor,
                mode=emergency.mode if emergency else "normal",
                reason=emergency.reason if emergency else None,
            )
        except ConsentError:
            grant = None
        if grant is not None:
            access = grant.access()
            all_call = executor.submit(client.find_documents, ins, actor=dmp_actor, access=access)
            if visited is not None:
                # the submission window only (its sets and their members): the metadata
                # of every document comes once, with the full list
                new_call = executor.submit(
                    client.submitted_since,
                    ins,
                    new_since_bound(visited),
                    actor=dmp_actor,
                    access=access,
                )
    # one deadline for the three calls: all answers, or the bar without the late ones
    calls: list[Future[Any]] = [f for f in (status_call, all_call, new_call) if f is not None]
    wait(calls, timeout=timeout)
    status = _answer(status_call)
    if not isinstance(status, DmpStatus):
        return None
    found = _answer(all_call)
    if not isinstance(found, DocumentList):
        return DmpSnapshot(status, None, None, visited)
    newer = _answer(new_call)
    if new_call is not None and not isinstance(newer, frozenset):
        return DmpSnapshot(status, None, None, visited)
    if newer is None:
        new = len(found.documents)
    else:
        new = sum(1 for d in found.documents if d.entry_uuid in newer)
    return DmpSnapshot(status, found.documents, new, visited)


def dmp_actor_practitioner(actor: Actor) -> int:
    """The practitioner row of an actor allowed to consult (checked by A before)."""
    if actor.practitioner_id is None:  # pragma: no cover - A refuses such an actor first
        raise ValueError("actor without practitioner")
    return actor.practitioner_id


def _paris(value: datetime) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _answer(call: Future[_T] | None) -> _T | None:
    """The call's answer if it came in time and succeeded, else None (a failure of the
    DMP or of the network is a state of the bar, never an error)."""
    if call is None or not call.done():
        return None
    try:
        return call.result(timeout=0)
    except (DmpError, EsanteError, OSError):
        return None
