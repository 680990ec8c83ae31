"""Carrying out DMP orders: submit a document (TD2.1), delete it (TD3.3c).

Exactly once: the document's uniqueId is the idempotency key. A first attempt submits
directly. Any later attempt (after a timeout, a lost answer, a worker killed between the
DMP's acceptance and the recording of the outcome) first asks the DMP with TD3.1b
whether it already holds that uniqueId, and only submits when it does not. The question
is asked by reference (``ObjectRef``), which the rights matrix grants every profile,
the structure's certificate included. Should a second copy still reach the DMP, the
registry refuses it (``XDSDuplicateUniqueIdInRegistry``) and that refusal is recorded as
"already sent".

A new version of a document replaces the previous one: its entryUUID, asked by
reference too, goes into the submission's RPLC association.

The submission set's clinical activity (``contentTypeCode``) comes from the care episode
the document was written in (its kind, read at send time: a consultation is 07, a day
hospitalisation 04, see :mod:`esante.xds.activity`); a document without an episode gets
the client's default, an ambulatory consultation.

Rules enforced before any DMP call: the patient has not opposed feeding (read again at
send time through the ``feeding_check`` the practice side registers — the patient may
have changed their mind during the deferral), and the INS is qualified. Both block the
order with the reason, instead of failing it: the order can be released once the
situation changes.

Every DMP call leaves a trace record (professional, structure, patient INS, action,
document, access mode, outcome).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.audit import AuditEvent
from esante.dmp import NORMAL_ACCESS, Actor, DmpClient, DmpError, DmpRejectedError, Visibility
from esante.identity import Ins, check_ins
from esante.outbox.claim import ClaimedOrder
from esante.outbox.outcome import Blocked, Failed, Outcome, Retry, Sent
from esante.practice.dmp_actor import actor_for
from esante.practice.dmp_counters import invalidate
from esante.store import CareEpisode, Document, Patient, Practitioner, Structure

DUPLICATE_UNIQUE_ID = "XDSDuplicateUniqueIdInRegistry"


@dataclass(frozen=True)
class DmpCredential:
    """What a worker holds to talk to the DMP for some orders: a client configured with
    the certificate (TLS + signature) and the structure that certificate identifies."""

    client: DmpClient
    structure_id: str
    structure_name: str


class CredentialRing:
    """The credentials a worker holds, by order credential key (exact or ``prefix*``)."""

    def __init__(self, credentials: Mapping[str, DmpCredential]) -> None:
        self._exact = {k: v for k, v in credentials.items() if not k.endswith("*")}
        self._prefixes = [(k[:-1], v) for k, v in credentials.items() if k.endswith("*")]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys to claim orders with."""
        return (*self._exact, *(p + "*" for p, _ in self._prefixes))

    def get(self, key: str) -> DmpCredential | None:
        if key in self._exact:
            return self._exact[key]
        for prefix, credential in self._prefixes:
            if key.startswith(prefix):
                return credential
        return None


@dataclass(frozen=True)
class _Context:
    client: DmpClient
    ins: Ins
    actor: Actor
    document_unique_id: str | None
    content: bytes | None
    replaces_unique_id: str | None = None
    care_episode: str | None = None
    """The kind of the document's care episode (``CareEpisode.kind``), None without one."""


FeedingCheck = Callable[[Session, int], str | None]
"""Returns the French reason feeding is refused for a patient, or None when allowed."""


_Row = TypeVar("_Row", Patient, Practitioner, Structure, Document, CareEpisode)


def _load(session: Session, model: type[_Row], ids: Iterable[int | None]) -> list[_Row]:
    """Load the rows of ``model`` with these ids into the session, in one statement."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return []
    return list(session.scalars(select(model).where(model.id.in_(wanted))))


class DmpSender:
    """The handler of ``dmp_submit`` and ``dmp_delete`` orders."""

    def __init__(
        self,
        credentials: CredentialRing,
        *,
        feeding_check: FeedingCheck,
    ) -> None:
        """``feeding_check`` is the practice's consent rule, given by the practice side
        (:mod:`esante.practice.send_handlers`): the outbox does not know it."""
        self.credentials = credentials
        self.feeding_check = feeding_check

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> list[object]:
        """The patient's INS, the acting professional and the document of each order, read
        at send time; an opposition or an unqualified INS blocks the order here, before
        any DMP call.

        The rows of the whole batch are read first, one statement per table (the
        session's identity map then serves each order), and the consent of each patient
        once: the worker's database round trips cost more than its DMP calls otherwise.
        """
        # Held here: the identity map keeps only weak references.
        patients = _load(session, Patient, [o.patient_id for o in orders])
        practitioners = _load(session, Practitioner, [o.practitioner_id for o in orders])
        structures = _load(
            session,
            Structure,
            [o.structure_id for o in orders] + [p.structure_id for p in practitioners],
        )
        documents = _load(session, Document, [o.document_id for o in orders])
        episodes = _load(session, CareEpisode, [d.episode_id for d in documents])
        refusals: dict[int, str | None] = {}
        prepared: list[object] = [self._prepare(session, order, refusals) for order in orders]
        del patients, structures, documents, episodes
        return prepared

    def _prepare(
        self, session: Session, order: ClaimedOrder, refusals: dict[int, str | None]
    ) -> _Context | Outcome:
        credential = self.credentials.get(order.credential)
        if credential is None:
            return Retry(
                "Ce poste ne dispose pas de la carte ou du certificat nécessaire à cet envoi.",
                code="NO_CREDENTIAL",
            )
        if order.kind not in ("dmp_submit", "dmp_delete"):
            return Failed(f"Type d'ordre inconnu : {order.kind}.", code="UNKNOWN_KIND")
        patient = session.get(Patient, order.patient_id)
        if patient is None:
            return Failed("Patient introuvable dans le dossier local.", code="NO_PATIENT")
        if order.kind == "dmp_submit":
            if patient.id not in refusals:
                refusals[patient.id] = self.feeding_check(session, patient.id)
            reason = refusals[patient.id]
            if reason is not None:
                return Blocked(reason)
        if patient.identity_status != "QUAL" or not patient.ins_matricule:
            return Blocked(
                "L'identité INS du patient n'est pas qualifiée : le DMP ne peut pas être alimenté."
            )
        ins = check_ins(patient.ins_matricule, patient.ins_oid or "")
        practitioner = (
            session.get(Practitioner, order.practitioner_id)
            if order.practitioner_id is not None
            else None
        )
        if practitioner is None:
            return Failed("Auteur de l'envoi introuvable.", code="NO_PRACTITIONER")
        structure = (
            session.get(Structure, order.structure_id)
            if order.structure_id is not None
            else practitioner.structure
        )
        actor = actor_for(
            practitioner,
            structure,
            structure_id=credential.structure_id,
            structure_name=credential.structure_name,
            authentication_mode=order.authentication_mode,
        )
        unique_id: str | None = None
        content: bytes | None = None
        replaced: str | None = None
        episode_kind: str | None = None
        if order.document_id is not None:
            document = session.get(Document, order.document_id)
            if document is None:
                return Failed("Document introuvable dans le dossier local.", code="NO_DOC")
            unique_id, content = document.unique_id, document.content
            if document.replaces_id is not None and order.kind == "dmp_submit":
                replaced = document.replaces.unique_id if document.replaces else None
            if document.episode_id is not None:
                episode = session.get(CareEpisode, document.episode_id)
                episode_kind = episode.kind if episode is not None else None
        unique_id = str(order.parameters.get("unique_id") or unique_id or "") or None
        return _Context(
            credential.client, ins, actor, unique_id, content, replaced, care_episode=episode_kind
        )

    def handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        if not isinstance(prepared, _Context):  # pragma: no cover - the worker settles those
            raise TypeError(f"not a prepared DMP order: {prepared!r}")
        if order.kind == "dmp_submit":
            outcome = self._submit(order, prepared.client, prepared)
        else:
            outcome = self._delete(order, prepared.client, prepared)
        if isinstance(outcome, Sent) and order.patient_id is not None:
            # the patient's DMP changed: this process's bar asks the DMP again (the
            # cache of another process ages out within its TTL)
            invalidate(order.patient_id)
        return outcome

    # ------------------------------------------------------------------ TD2.1

    def _submit(self, order: ClaimedOrder, client: DmpClient, ctx: _Context) -> Outcome:
        trail: list[AuditEvent] = []
        unique_id = ctx.document_unique_id or ""
        if ctx.content is None:
            return Failed("Le document à envoyer n'a pas de contenu.", code="NO_CONTENT")
        if order.is_retry:
            # An earlier attempt may have reached the DMP: ask before sending again.
            try:
                found = client.find_reference(ctx.ins, unique_id, actor=ctx.actor)
            except DmpError as exc:
                trail.append(self._event(ctx, "recherche_reference", exc, order))
                return self._failure(exc, trail)
            trail.append(self._event(ctx, "recherche_reference", None, order))
            if found is not None:
                return Sent(
                    {"entry_uuid": found, "verified": True},
                    note="Déjà présent dans le DMP (vérifié avant un nouvel envoi).",
                    audit=tuple(trail),
                )
        replaces: str | None = None
        if ctx.replaces_unique_id is not None:
            try:
                replaces = client.find_reference(ctx.ins, ctx.replaces_unique_id, actor=ctx.actor)
            except DmpError as exc:
                trail.append(self._event(ctx, "recherche_reference", exc, order))
                return self._failure(exc, trail)
            trail.append(self._event(ctx, "recherche_reference", None, order))
            if replaces is None:
                return Failed(
                    "La version précédente de ce document n'est pas dans le DMP : la nouvelle "
                    "version ne peut pas la remplacer.",
                    code="RPLC_TARGET_ABSENT",
                    audit=tuple(trail),
                )
        visibility = [Visibility(v) for v in order.parameters.get("visibility", [])]
        try:
            result = client.submit(
                ctx.ins,
                ctx.content,
                actor=ctx.actor,
                replaces=replaces,
                care_episode=ctx.care_episode,
                visibility=visibility,
                access=NORMAL_ACCESS,
            )
        except DmpRejectedError as exc:
            if DUPLICATE_UNIQUE_ID in exc.codes:
                trail.append(self._event(ctx, "alimentation", None, order, detail="déjà présent"))
                return Sent(
                    {"duplicate": True},
                    note="Le DMP détenait déjà ce document.",
                    audit=tuple(trail),
                )
            trail.append(self._event(ctx, "alimentation", exc, order))
            return self._failure(exc, trail)
        except DmpError as exc:
            trail.append(self._event(ctx, "alimentation", exc, order))
            return self._failure(exc, trail)
        trail.append(self._event(ctx, "alimentation", None, order))
        return Sent(
            {
                "submission_set": result.submission_set_unique_id,
                "replaced_entry_uuid": result.replaced_entry_uuid,
                "warnings": [w.code_context for w in result.warnings],
            },
            note="Déposé dans le DMP.",
            audit=tuple(trail),
        )

    # ------------------------------------------------------------------ TD3.3c

    def _delete(self, order: ClaimedOrder, client: DmpClient, ctx: _Context) -> Outcome:
        trail: list[AuditEvent] = []
        unique_id = ctx.document_unique_id or ""
        reason = str(order.parameters.get("reason") or "")
        try:
            found = client.get_by_unique_id(ctx.ins, unique_id, actor=ctx.actor)
        except DmpError as exc:
            trail.append(self._event(ctx, "recherche_document", exc, order))
            return self._failure(exc, trail)
        trail.append(self._event(ctx, "recherche_document", None, order))
        if found is None or str(found.availability_status).endswith("Deleted"):
            return Sent(
                {"absent": True}, note="Le document n'est plus dans le DMP.", audit=tuple(trail)
            )
        try:
            client.delete(ctx.ins, found, actor=ctx.actor)
        except DmpError as exc:
            trail.append(self._event(ctx, "suppression", exc, order, reason=reason))
            return self._failure(exc, trail)
        trail.append(self._event(ctx, "suppression", None, order, reason=reason))
        return Sent({"deleted": found.entry_uuid}, note="Supprimé du DMP.", audit=tuple(trail))

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _failure(exc: DmpError, trail: list[AuditEvent]) -> Outcome:
        if exc.is_transient or exc.outcome_uncertain:
            return Retry(
                exc.message, code=exc.code, uncertain=exc.outcome_uncertain, audit=tuple(trail)
            )
        return Failed(exc.message, code=exc.code, audit=tuple(trail))

    @staticmethod
    def _event(
        ctx: _Context,
        action: str,
        error: DmpError | None,
        order: ClaimedOrder,
        *,
        reason: str | None = None,
        detail: str | None = None,
    ) -> AuditEvent:
        if error is None:
            outcome, note = "success", detail
        else:
            outcome = "refused" if isinstance(error, DmpRejectedError) else "failure"
            note = error.code or type(error).__name__
        return AuditEvent(
            channel="dmp",
            action=action,
            outcome=outcome,
            actor_id=ctx.actor.id,
            actor_name=ctx.actor.display_name,
            structure_id=ctx.actor.structure_id,
            patient_ins=ctx.ins.matricule,
            document_unique_id=ctx.document_unique_id,
            access_mode="normal",
            reason=reason,
            detail=f"ordre {order.id}" + (f" : {note}" if note else ""),
        )
