"""``/api/patients``: create, search, read, update; identity evidence and history.

Thin: parse, call :mod:`esante.practice`, commit, shape the answer. Errors go to the
handlers of :mod:`esante.web.api.errors`. Descriptions are French: they are what the
``/docs`` page shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from esante.config import Settings
from esante.practice import (
    PatientCriteria,
    add_identity_evidence,
    create_patient,
    downgrade_identity,
    identity_history,
    read_patient,
    search_patients,
    update_patient,
)
from esante.practice.identity import InsiVerifier
from esante.store.repositories import MAX_LIMIT, PractitionerRepository
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.schemas.common import CONFLICT, INVALID, NOT_FOUND, PagePublic, RecordId
from esante.web.api.schemas.patients import (
    IdentityDowngradeIn,
    IdentityEvidenceIn,
    IdentityStatusChangePublic,
    PatientCreate,
    PatientPublic,
    PatientUpdate,
    Sex,
    Status,
)
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api/patients", tags=["patients"], responses=INVALID)


@router.post(
    "",
    response_model=PatientPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Créer un patient",
    description=(
        "Enregistre un patient avec ses traits d'identité. Le statut d'identité découle des "
        "éléments fournis : INS avec la référence de la réponse INSi, pièce d'identité "
        "contrôlée. 409 si l'INS ou l'IPP appartient déjà à un autre patient."
    ),
    response_description="Patient créé",
    responses=CONFLICT,
)
def create(
    body: PatientCreate, session: SessionDep, actor: ActorDep, response: Response
) -> PatientPublic:
    patient = create_patient(session, body.to_domain(), actor=actor)
    session.commit()
    response.headers["Location"] = f"/api/patients/{patient.id}"
    return PatientPublic.model_validate(patient)


@router.get(
    "",
    response_model=PagePublic[PatientPublic],
    summary="Rechercher des patients",
    description=(
        "Tous les critères fournis doivent correspondre. Les noms se comparent sans accents, "
        "sans majuscules ni tirets : « lefevre » trouve « Lefèvre », « jean pierre » trouve "
        "« Jean-Pierre »."
    ),
    response_description="Une page de résultats",
)
def search(
    session: SessionDep,
    actor: ActorDep,
    name: Annotated[
        str | None, Query(max_length=200, description="Mots du nom ou du prénom")
    ] = None,
    birth_date: Annotated[date | None, Query(description="Date de naissance")] = None,
    ins: Annotated[str | None, Query(max_length=20, description="Matricule INS")] = None,
    local_id: Annotated[str | None, Query(max_length=64, description="IPP")] = None,
    sex: Sex | None = None,
    identity_status: Status | None = None,
    medecin_traitant_id: RecordId | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Taille de la page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Résultats à sauter")] = 0,
) -> PagePublic[PatientPublic]:
    page = search_patients(
        session,
        PatientCriteria(
            name=name,
            birth_date=birth_date,
            ins=ins,
            local_id=local_id,
            sex=sex,
            identity_status=identity_status,
            medecin_traitant_id=medecin_traitant_id,
            limit=limit,
            offset=offset,
        ),
        actor=actor,
    )
    session.commit()  # the trace of the page
    return PagePublic[PatientPublic](
        items=[PatientPublic.model_validate(p) for p in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Lire un patient",
    description="Le patient, ses représentants légaux et son statut d'identité.",
    response_description="Le patient",
    responses=NOT_FOUND,
)
def read(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> PatientPublic:
    patient = PatientPublic.model_validate(read_patient(session, patient_id, actor=actor))
    session.commit()  # the trace of the read
    return patient


@router.patch(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Modifier un patient",
    description=(
        "Seuls les champs fournis changent (null efface un champ facultatif). Modifier un "
        "trait strict d'une identité issue de l'INSi lui retire la preuve INSi : "
        "l'identité repasse en provisoire (ou validée) et l'INS est effacée."
    ),
    response_description="Le patient modifié",
    responses={**NOT_FOUND, **CONFLICT},
)
def update(
    patient_id: RecordId, body: PatientUpdate, session: SessionDep, actor: ActorDep
) -> PatientPublic:
    patient = update_patient(session, patient_id, body.to_domain(), actor=actor)
    session.commit()
    return PatientPublic.model_validate(patient)


@router.post(
    "/{patient_id}/identity/evidence",
    response_model=PatientPublic,
    summary="Enregistrer une réponse INSi ou une pièce d'identité",
    description=(
        "Ajoute une preuve d'identité ; le statut suit (provisoire, récupérée, validée, "
        "qualifiée). Une INS ne s'enregistre qu'après une interrogation du téléservice INSi "
        "faite par le service (vérification de l'INS saisie, ou récupération) ; la référence "
        "enregistrée est celle de cette réponse."
    ),
    response_description="Le patient avec son nouveau statut",
    responses={**NOT_FOUND, **CONFLICT},
)
def add_evidence(
    patient_id: RecordId,
    body: IdentityEvidenceIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> PatientPublic:
    with _insi(settings, session, actor.practitioner_id) as insi:
        patient = add_identity_evidence(
            session,
            patient_id,
            **body.model_dump(exclude={"practitioner_id"}),
            actor=actor,
            insi=insi,
        )
    session.commit()
    return PatientPublic.model_validate(patient)


@contextmanager
def _insi(
    settings: Settings, session: SessionDep, practitioner_id: int | None
) -> Iterator[InsiVerifier | None]:
    """The INSi client of the configured sandbox (``ESANTE_SANDBOX``) on behalf of the
    signed-in practitioner, or None (an API key or a secretary: no professional to call
    INSi for) (INSi evidence is then refused by the practice rules)."""
    if settings.sandbox is None or practitioner_id is None:
        yield None
        return
    from esante.insi import InsiClient, LpsIdentity, Professional, professional_assertion
    from esante.sandbox.runtime import read_manifest
    from esante.transport import HttpsTransport, TlsConfig

    manifest = read_manifest(settings.sandbox)
    if manifest.insi is None:
        yield None
        return
    id_nat = "8" + PractitionerRepository(session).get(practitioner_id).rpps
    pki = manifest.pki
    tls = TlsConfig(
        ca_bundle=pki.ca, certificate=pki.authentication_certificate, key=pki.authentication_key
    )
    with HttpsTransport(tls) as transport:
        yield InsiClient(
            transport,
            manifest.insi.url,
            lps=LpsIdentity("ESANTE-BAC-A-SABLE", "1", "esante", pki.structure_id),
            professional=Professional(
                id_nat, lambda: professional_assertion(id_nat, issuer=f"CN={id_nat}")
            ),
        )


@router.post(
    "/{patient_id}/identity/downgrade",
    response_model=PatientPublic,
    summary="Déclarer un événement qui invalide l'identité",
    description=(
        "Trait modifié, INS non confirmée par l'INSi, pièce non fiable, identité douteuse : "
        "le statut baisse selon le Référentiel national d'identitovigilance."
    ),
    response_description="Le patient avec son nouveau statut",
    responses=NOT_FOUND,
)
def downgrade(
    patient_id: RecordId, body: IdentityDowngradeIn, session: SessionDep, actor: ActorDep
) -> PatientPublic:
    patient = downgrade_identity(session, patient_id, body.event, actor=actor, note=body.note)
    session.commit()
    return PatientPublic.model_validate(patient)


@router.get(
    "/{patient_id}/identity/history",
    response_model=list[IdentityStatusChangePublic],
    summary="Historique des statuts d'identité",
    description="Chaque changement de statut, du plus ancien au plus récent, avec sa raison.",
    response_description="L'historique",
    responses=NOT_FOUND,
)
def history(
    patient_id: RecordId, session: SessionDep, actor: ActorDep
) -> list[IdentityStatusChangePublic]:
    rows = [
        IdentityStatusChangePublic.model_validate(row)
        for row in identity_history(session, patient_id, actor=actor)
    ]
    session.commit()  # the trace of the read
    return rows
