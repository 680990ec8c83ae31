"""The printed consultation recap (issue 14, "Print"): ``/patients/{id}/recapitulatif.pdf``.

The handler asks :func:`esante.practice.recap.consultation_recap` for today's recap (the
Europe/Paris day; authorised and traced there), fills ``templates/recap/pdf.html`` and
makes it a PDF/A-2b with the N1 builder's renderer
(:func:`esante.cda.build.pdf.render_pdf`: WeasyPrint, embedded DejaVu fonts, no
resource fetched but ``data:`` URLs). The INS and its DataMatrix are printed only for a
qualified identity (:attr:`~esante.practice.recap.ConsultationRecap.ins_printed`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from esante.cda.build.pdf import french_date, ins_datamatrix_uri, render_pdf
from esante.cda.vocabulary import SEX_LABELS
from esante.errors import EsanteError
from esante.identity import IdentityError, check_ins
from esante.practice.child.header import cda_patient
from esante.practice.recap import ConsultationRecap, consultation_recap
from esante.web.api.deps import SessionDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.templating import PARIS, environment, render

router = APIRouter()


def _ins(recap: ConsultationRecap) -> tuple[str | None, str | None]:
    """The INS as printed (``2 25 10 …``) and its DataMatrix ``data:`` URI, or nothing
    for an identity that is not qualified."""
    if not recap.ins_printed:
        return None, None
    patient = recap.patient
    assert patient.ins_matricule is not None
    try:
        formatted = check_ins(patient.ins_matricule, patient.ins_oid).formatted()
    except IdentityError:
        formatted = patient.ins_matricule
    return formatted, ins_datamatrix_uri(cda_patient(patient))


def recap_html(recap: ConsultationRecap, console: Console, printed_at: datetime) -> str:
    """The recap page as HTML for the PDF renderer (French, Paris time)."""
    ins, datamatrix = _ins(recap)
    return (
        environment()
        .get_template("recap/pdf.html")
        .render(
            recap=recap,
            patient=recap.patient,
            sex=SEX_LABELS.get(recap.patient.sex, recap.patient.sex),
            day=french_date(recap.day),
            printed_at=printed_at,
            ins=ins,
            datamatrix=datamatrix,
            structure=console.structure,
            printed_by=console.actor.name,
        )
    )


@router.get("/patients/{patient_id}/recapitulatif.pdf")
def recap_pdf(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Today's consultation recap for the patient, as a PDF/A to print or hand over."""
    now = datetime.now(PARIS)
    try:
        recap = consultation_recap(session, patient_id, actor=console.actor, day=now.date())
        pdf = render_pdf(recap_html(recap, console, now))
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return render(
            request,
            console,
            "recap/error.html",
            status=status_for(exc),
            title="Récapitulatif impossible",
            error=exc,
            patient_id=patient_id,
        )
    name = f"recapitulatif-{recap.patient.local_id}-{now:%Y%m%d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )
