"""INSi messages as XML: the two request bodies, ``RESULTAT``, the context header blocks.

Pure functions between the values of :mod:`~esante.identity.insi.queries` /
:mod:`~esante.identity.insi.results` and lxml elements, written and read in the order of
the CNAM schemas (``INSi_RECSANS_INS.xsd``, ``INSi_RECVITALE_INS.xsd``,
``INSi_RESULTAT_INS.xsd``, ``ROOT_ctxbam_CTXBAM_V01_02.xsd``,
``ROOT_ctxlps_CTXLPS_V01_00.xsd``) and of the official pair of the DMP kit
(``messages/WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml`` / ``_reponse.xml``).
The client writes requests and reads answers; the sandbox reads requests and writes
answers, with the same functions. Reading is strict: an unknown or missing element, a
value out of its format, an INS with a wrong key or OID raise
:class:`~esante.identity.errors.InsiMessageError` naming the element (``field``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree

from esante.identity.errors import IdentityError, InsiMessageError
from esante.identity.ins import check_ins
from esante.identity.insi.queries import LunarDate, TraitsQuery, VitaleQuery
from esante.identity.insi.results import InsiIndividual, InsiTraits, InsRecord, Resultat
from esante.identity.insi.vocabulary import (
    CONTEXTE_BAM_VERSION,
    CONTEXTE_LPS_VERSION,
    CTXBAM_NS,
    CTXLPS_NS,
    IDAM_REFERENCE,
    RECSANS_NS,
    RECVIT_NS,
    RESULTAT_NS,
    ResultCode,
)

__all__ = [
    "ContexteBam",
    "ContexteLps",
    "build_contexte_bam",
    "build_contexte_lps",
    "build_request_body",
    "build_resultat",
    "parse_contexte_bam",
    "parse_contexte_lps",
    "parse_request_body",
    "parse_resultat",
]

MAX_TEXT = 200
_EMITTER = re.compile(r"[0-9A-Za-z]{1,30}")


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def _sub(parent: etree._Element, ns: str, local: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(ns, local))
    if text is not None:
        element.text = text
    return element


def _fail(message: str, detail: str, field: str) -> InsiMessageError:
    return InsiMessageError(message, detail=detail, field=field)


def _children(element: etree._Element, ns: str, what: str) -> Iterator[tuple[str, str]]:
    """(local name, text) of each child element; refuses foreign namespaces and children."""
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        qname = etree.QName(child)
        if qname.namespace != ns:
            raise _fail(
                f"Message INSi mal formé : élément inattendu dans {what}.",
                f"{qname.text} in {what}",
                qname.localname,
            )
        if len(child):
            raise _fail(
                f"Message INSi mal formé : {qname.localname} doit être une valeur simple.",
                f"{qname.localname} has children",
                qname.localname,
            )
        text = (child.text or "").strip()
        if len(text) > MAX_TEXT:
            raise _fail(
                f"Message INSi mal formé : {qname.localname} trop long.",
                f"{qname.localname} longer than {MAX_TEXT}",
                qname.localname,
            )
        yield qname.localname, text


def _fields(element: etree._Element, ns: str, what: str, order: tuple[str, ...]) -> dict[str, str]:
    """The simple children of ``element`` in schema ``order`` (each at most once)."""
    found: dict[str, str] = {}
    position = -1
    for name, text in _children(element, ns, what):
        if name not in order:
            raise _fail(
                f"Message INSi mal formé : élément {name} inconnu dans {what}.",
                f"unknown {name} in {what}",
                name,
            )
        index = order.index(name)
        if index <= position:
            raise _fail(
                f"Message INSi mal formé : élément {name} répété ou hors de l'ordre du schéma.",
                f"{name} out of order in {what}",
                name,
            )
        position = index
        found[name] = text
    return found


def _required(fields: dict[str, str], name: str, what: str) -> str:
    value = fields.get(name)
    if not value:
        raise _fail(
            f"Message INSi mal formé : {name} obligatoire dans {what}.",
            f"{name} missing in {what}",
            name,
        )
    return value


def _check_root(element: etree._Element, tag: str) -> None:
    if element.tag != tag:
        raise _fail(
            "Message INSi mal formé : élément racine inattendu.",
            f"{element.tag!r} instead of {tag}",
            etree.QName(tag).localname,
        )


# --- requests ---------------------------------------------------------------------------

_RECSANS_ORDER = ("NomNaissance", "Prenom", "Sexe", "DateNaissance", "LieuNaissance")
_RECVIT_ORDER = ("NomNaissance", "DateNaissance", "RangNaissance")
"""``RECVITALE`` after its matricules: ``MatriculeIndividu?`` then ``MatriculeOD``, each a
``NumIdentifiant`` (13 characters), then these simple elements (the order of public
CNDA-tested clients' RECVITALE templates, e.g. the Pyxvital INSV body)."""


def build_request_body(query: TraitsQuery | VitaleQuery) -> etree._Element:
    """The request body (``RECSANSVITALE`` or ``RECVITALE``) of ``query``."""
    if isinstance(query, TraitsQuery):
        root = etree.Element(_q(RECSANS_NS, "RECSANSVITALE"), nsmap={"ins": RECSANS_NS})
        _sub(root, RECSANS_NS, "NomNaissance", query.birth_name)
        _sub(root, RECSANS_NS, "Prenom", query.given_names_text)
        _sub(root, RECSANS_NS, "Sexe", query.sex)
        _sub(root, RECSANS_NS, "DateNaissance", query.birth_date.isoformat())
        if query.birthplace_cog is not None:
            _sub(root, RECSANS_NS, "LieuNaissance", query.birthplace_cog)
        return root
    root = etree.Element(_q(RECVIT_NS, "RECVITALE"), nsmap={"ins": RECVIT_NS})
    if query.beneficiary_nir is not None:
        matricule = _sub(root, RECVIT_NS, "MatriculeIndividu")
        _sub(matricule, RECVIT_NS, "NumIdentifiant", query.beneficiary_nir)
    matricule = _sub(root, RECVIT_NS, "MatriculeOD")
    _sub(matricule, RECVIT_NS, "NumIdentifiant", query.insured_nir)
    if query.birth_name is not None:
        _sub(root, RECVIT_NS, "NomNaissance", query.birth_name)
    _sub(root, RECVIT_NS, "DateNaissance", str(query.birth_date))
    _sub(root, RECVIT_NS, "RangNaissance", str(query.birth_rank))
    return root


def _matricules(element: etree._Element) -> tuple[str | None, str, etree._Element]:
    """(MatriculeIndividu, MatriculeOD, the simple rest) of a RECVITALE."""
    found: dict[str, str] = {}
    rest = etree.Element(element.tag)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if child.tag in (_q(RECVIT_NS, "MatriculeIndividu"), _q(RECVIT_NS, "MatriculeOD")):
            if len(rest) or local in found or (local == "MatriculeIndividu" and found):
                raise _fail(
                    f"Message INSi mal formé : {local} répété ou hors de l'ordre du schéma.",
                    f"{local} out of order in RECVITALE",
                    local,
                )
            number = _fields(child, RECVIT_NS, local, ("NumIdentifiant",))
            found[local] = _required(number, "NumIdentifiant", local)
        else:
            rest.append(_copy(child))
    if "MatriculeOD" not in found:
        raise _fail(
            "Message INSi mal formé : MatriculeOD obligatoire dans RECVITALE.",
            "MatriculeOD missing in RECVITALE",
            "MatriculeOD",
        )
    return found.get("MatriculeIndividu"), found["MatriculeOD"], rest


def _as_query_error(exc: IdentityError) -> InsiMessageError:
    field = {
        "birth_name": "NomNaissance",
        "given_names": "Prenom",
        "sex": "Sexe",
        "birth_date": "DateNaissance",
        "birthplace_cog": "LieuNaissance",
        "insured_nir": "MatriculeOD",
        "beneficiary_nir": "MatriculeIndividu",
        "birth_rank": "RangNaissance",
    }.get(exc.field or "", exc.field or "RECSANSVITALE")
    return InsiMessageError(exc.message, detail=exc.detail, field=field)


def parse_request_body(element: etree._Element) -> TraitsQuery | VitaleQuery:
    """The query a request body carries (what the service reads); InsiMessageError else."""
    if element.tag == _q(RECSANS_NS, "RECSANSVITALE"):
        fields = _fields(element, RECSANS_NS, "RECSANSVITALE", _RECSANS_ORDER)
        for name in ("NomNaissance", "Prenom", "Sexe", "DateNaissance"):
            _required(fields, name, "RECSANSVITALE")
        try:
            born = LunarDate(fields["DateNaissance"])
            birth = born.date
            if birth is None:
                raise _fail(
                    "Date de naissance incomplète : la recherche par traits exige une date "
                    "complète.",
                    f"DateNaissance {born}",
                    "DateNaissance",
                )
            _check_spelling(fields)
            return TraitsQuery(
                birth_name=fields["NomNaissance"],
                given_names=tuple(fields["Prenom"].split()),
                sex=fields["Sexe"],
                birth_date=birth,
                birthplace_cog=fields.get("LieuNaissance"),
            )
        except InsiMessageError:
            raise
        except IdentityError as exc:
            raise _as_query_error(exc) from exc
    if element.tag == _q(RECVIT_NS, "RECVITALE"):
        beneficiary, insured, rest = _matricules(element)
        fields = _fields(rest, RECVIT_NS, "RECVITALE", _RECVIT_ORDER)
        for name in ("DateNaissance", "RangNaissance"):
            _required(fields, name, "RECVITALE")
        rank = fields["RangNaissance"]
        if not rank.isdigit():
            raise _fail(
                "Rang de naissance : entier attendu.", f"RangNaissance {rank!r}", "RangNaissance"
            )
        try:
            _check_spelling(fields)
            return VitaleQuery(
                insured_nir=insured,
                birth_date=LunarDate(fields["DateNaissance"]),
                birth_rank=int(rank),
                beneficiary_nir=beneficiary,
                birth_name=fields.get("NomNaissance"),
            )
        except IdentityError as exc:
            raise _as_query_error(exc) from exc
    raise _fail(
        "Message INSi mal formé : RECSANSVITALE ou RECVITALE attendu.",
        f"unexpected body element {element.tag!r}",
        "Body",
    )


def _check_spelling(fields: dict[str, str]) -> None:
    """The service refuses names not already spelled the INS way (lower case, accents)."""
    from esante.identity.traits import ins_name

    for name in ("NomNaissance", "Prenom"):
        value = fields.get(name)
        if value is None:
            continue
        words = value.split()
        if " ".join(ins_name(w) for w in words) != " ".join(words) or value != value.strip():
            raise _fail(
                f"{name} : majuscules sans accents attendues (règles du téléservice INSi).",
                f"{name} not in INSi spelling",
                name,
            )


# --- RESULTAT -----------------------------------------------------------------------------

_TIQ_ORDER = ("NomNaissance", "Prenom", "ListePrenom", "Sexe", "DateNaissance", "LieuNaissance")
_ID_ORDER = ("NumIdentifiant", "Cle")


def _write_record(parent: etree._Element, local: str, record: InsRecord) -> None:
    element = _sub(parent, RESULTAT_NS, local)
    ident = _sub(element, RESULTAT_NS, "IdIndividu")
    _sub(ident, RESULTAT_NS, "NumIdentifiant", record.ins.matricule[:13])
    _sub(ident, RESULTAT_NS, "Cle", record.ins.matricule[13:])
    _sub(element, RESULTAT_NS, "OID", record.ins.oid)
    if record.start is not None:
        _sub(element, RESULTAT_NS, "DateDeb", record.start.isoformat())
    if record.end is not None:
        _sub(element, RESULTAT_NS, "DateFin", record.end.isoformat())


def build_resultat(resultat: Resultat) -> etree._Element:
    """``RESULTAT`` for ``resultat`` (what the service answers)."""
    root = etree.Element(_q(RESULTAT_NS, "RESULTAT"), nsmap={"ns2": RESULTAT_NS})
    cr = _sub(root, RESULTAT_NS, "CR")
    _sub(cr, RESULTAT_NS, "CodeCR", resultat.code.value)
    _sub(cr, RESULTAT_NS, "LibelleCR", resultat.label)
    person = resultat.individual
    if person is not None:
        individu = _sub(root, RESULTAT_NS, "INDIVIDU")
        _write_record(individu, "INSACTIF", person.active)
        for record in person.history:
            _write_record(individu, "INSHISTO", record)
        tiq = _sub(individu, RESULTAT_NS, "TIQ")
        traits = person.traits
        _sub(tiq, RESULTAT_NS, "NomNaissance", traits.birth_name)
        _sub(tiq, RESULTAT_NS, "Prenom", traits.first_given_name)
        _sub(tiq, RESULTAT_NS, "ListePrenom", traits.given_names)
        _sub(tiq, RESULTAT_NS, "Sexe", traits.sex)
        _sub(tiq, RESULTAT_NS, "DateNaissance", str(traits.birth_date))
        if traits.birthplace_cog is not None:
            _sub(tiq, RESULTAT_NS, "LieuNaissance", traits.birthplace_cog)
    return root


def _iso_date(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail("Réponse INSi mal formée : date invalide.", f"{field} {text!r}", field) from exc


def _read_record(element: etree._Element, local: str) -> InsRecord:
    ident: etree._Element | None = None
    rest: list[etree._Element] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _q(RESULTAT_NS, "IdIndividu") and ident is None and not rest:
            ident = child
        else:
            rest.append(child)
    if ident is None:
        raise _fail(
            "Réponse INSi mal formée : IdIndividu absent.", f"{local} without IdIndividu", local
        )
    ids = _fields(ident, RESULTAT_NS, "IdIndividu", _ID_ORDER)
    number = _required(ids, "NumIdentifiant", "IdIndividu")
    key = _required(ids, "Cle", "IdIndividu")
    holder = etree.Element("holder")
    for child in rest:
        holder.append(_copy(child))
    others = _fields(holder, RESULTAT_NS, local, ("OID", "DateDeb", "DateFin"))
    oid = _required(others, "OID", local)
    try:
        ins = check_ins(number + key, oid)
    except IdentityError as exc:
        raise _fail(
            "Réponse INSi incohérente : INS invalide (clé ou OID).",
            exc.detail or exc.message,
            local,
        ) from exc
    return InsRecord(
        ins,
        _iso_date(others.get("DateDeb"), "DateDeb"),
        _iso_date(others.get("DateFin"), "DateFin"),
    )


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _read_traits(element: etree._Element) -> InsiTraits:
    fields = _fields(element, RESULTAT_NS, "TIQ", _TIQ_ORDER)
    name = _required(fields, "NomNaissance", "TIQ")
    listed = fields.get("ListePrenom") or fields.get("Prenom")
    if not listed:
        raise _fail("Réponse INSi mal formée : prénom absent.", "TIQ without Prenom", "Prenom")
    first = fields.get("Prenom") or listed.split()[0]
    if not (listed == first or listed.startswith(first + " ")):
        raise _fail(
            "Réponse INSi incohérente : le premier prénom n'est pas le premier de la liste.",
            "Prenom is not the first of ListePrenom",
            "Prenom",
        )
    sex = _required(fields, "Sexe", "TIQ")
    if sex not in ("M", "F"):
        raise _fail("Réponse INSi mal formée : sexe M ou F attendu.", f"Sexe {sex!r}", "Sexe")
    try:
        born = LunarDate(_required(fields, "DateNaissance", "TIQ"))
    except IdentityError as exc:
        raise _fail(
            "Réponse INSi mal formée : date de naissance.", exc.detail or "", "DateNaissance"
        ) from exc
    return InsiTraits(name, first, listed, sex, born, fields.get("LieuNaissance") or None)


def parse_resultat(element: etree._Element) -> Resultat:
    """The answer ``RESULTAT`` carries; InsiMessageError when it breaks the schema's rules
    (code unknown, ``INDIVIDU`` missing with ``00`` or present otherwise, INS key wrong...)."""
    _check_root(element, _q(RESULTAT_NS, "RESULTAT"))
    parts = [c for c in element if isinstance(c.tag, str)]
    if not parts or parts[0].tag != _q(RESULTAT_NS, "CR"):
        raise _fail("Réponse INSi mal formée : CR absent.", "RESULTAT without CR", "CR")
    cr = _fields(parts[0], RESULTAT_NS, "CR", ("CodeCR", "LibelleCR"))
    code_text = _required(cr, "CodeCR", "CR")
    try:
        code = ResultCode(code_text)
    except ValueError as exc:
        raise _fail(
            f"Réponse INSi : code retour « {code_text} » inconnu.",
            f"CodeCR {code_text!r}",
            "CodeCR",
        ) from exc
    label = cr.get("LibelleCR", "")
    rest = parts[1:]
    if code is not ResultCode.FOUND:
        if rest:
            raise _fail(
                "Réponse INSi incohérente : une identité accompagne un code autre que 00.",
                f"CodeCR {code.value} with {len(rest)} more elements",
                "INDIVIDU",
            )
        return Resultat(code, label)
    if len(rest) != 1 or rest[0].tag != _q(RESULTAT_NS, "INDIVIDU"):
        raise _fail(
            "Réponse INSi incohérente : code 00 sans une et une seule identité.",
            "CodeCR 00 needs exactly one INDIVIDU",
            "INDIVIDU",
        )
    active: InsRecord | None = None
    history: list[InsRecord] = []
    traits: InsiTraits | None = None
    for child in rest[0]:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if child.tag == _q(RESULTAT_NS, "INSACTIF") and active is None and traits is None:
            active = _read_record(child, local)
        elif child.tag == _q(RESULTAT_NS, "INSHISTO") and active is not None and traits is None:
            history.append(_read_record(child, local))
        elif child.tag == _q(RESULTAT_NS, "TIQ") and active is not None and traits is None:
            traits = _read_traits(child)
        else:
            raise _fail(
                f"Réponse INSi mal formée : élément {local} inattendu dans INDIVIDU.",
                f"{local} unexpected in INDIVIDU",
                local,
            )
    if active is None or traits is None:
        raise _fail(
            "Réponse INSi mal formée : INSACTIF et TIQ obligatoires.",
            "INDIVIDU without INSACTIF or TIQ",
            "INDIVIDU",
        )
    return Resultat(code, label, InsiIndividual(active, traits, tuple(history)))


# --- context headers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContexteBam:
    """``ContexteBAM``: message id, time, emitter (the caller's idNat), coverage."""

    id: str
    time: datetime
    emitter: str


@dataclass(frozen=True, slots=True)
class ContexteLps:
    """``ContexteLPS``: the software (authorisation number, version, instance, name)."""

    id: str
    time: datetime
    emitter: str
    authorisation: str
    version: str
    instance: str
    name: str


def _time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 100:04d}Z"


def _read_time(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail(
            "Contexte INSi mal formé : horodatage invalide.", f"{field} {text!r}", field
        ) from exc
    if moment.tzinfo is None:
        raise _fail("Contexte INSi mal formé : horodatage sans fuseau.", f"{field} {text!r}", field)
    return moment.astimezone(UTC)


def build_contexte_bam(context: ContexteBam) -> etree._Element:
    root = etree.Element(_q(CTXBAM_NS, "ContexteBAM"), nsmap={"ctxbam": CTXBAM_NS})
    root.set("Version", CONTEXTE_BAM_VERSION)
    _sub(root, CTXBAM_NS, "Id", context.id)
    _sub(root, CTXBAM_NS, "Temps", _time(context.time))
    _sub(root, CTXBAM_NS, "Emetteur", context.emitter)
    _sub(root, CTXBAM_NS, "COUVERTURE")
    return root


def build_contexte_lps(context: ContexteLps) -> etree._Element:
    root = etree.Element(_q(CTXLPS_NS, "ContexteLPS"), nsmap={"ctxlps": CTXLPS_NS})
    root.set("Version", CONTEXTE_LPS_VERSION)
    _sub(root, CTXLPS_NS, "Id", context.id)
    _sub(root, CTXLPS_NS, "Temps", _time(context.time))
    _sub(root, CTXLPS_NS, "Emetteur", context.emitter)
    lps = _sub(root, CTXLPS_NS, "LPS")
    _sub(lps, CTXLPS_NS, "IDAM", context.authorisation).set("R", IDAM_REFERENCE)
    _sub(lps, CTXLPS_NS, "Version", context.version)
    _sub(lps, CTXLPS_NS, "Instance", context.instance)
    _sub(lps, CTXLPS_NS, "Nom", context.name)
    return root


def _version(element: etree._Element, expected: str, what: str) -> None:
    if element.get("Version") != expected:
        raise _fail(
            f"Contexte INSi : version de {what} {element.get('Version')!r} non supportée.",
            f"{what}/@Version {element.get('Version')!r} != {expected}",
            what,
        )


def _emitter(value: str, field: str) -> str:
    if not _EMITTER.fullmatch(value):
        raise _fail("Contexte INSi : émetteur invalide.", f"{field} {value!r}", field)
    return value


def parse_contexte_bam(element: etree._Element) -> ContexteBam:
    _check_root(element, _q(CTXBAM_NS, "ContexteBAM"))
    _version(element, CONTEXTE_BAM_VERSION, "ContexteBAM")
    fields = _fields(element, CTXBAM_NS, "ContexteBAM", ("Id", "Temps", "Emetteur", "COUVERTURE"))
    return ContexteBam(
        _required(fields, "Id", "ContexteBAM"),
        _read_time(_required(fields, "Temps", "ContexteBAM"), "Temps"),
        _emitter(_required(fields, "Emetteur", "ContexteBAM"), "Emetteur"),
    )


def parse_contexte_lps(element: etree._Element) -> ContexteLps:
    _check_root(element, _q(CTXLPS_NS, "ContexteLPS"))
    _version(element, CONTEXTE_LPS_VERSION, "ContexteLPS")
    simple = etree.Element("holder")
    lps: etree._Element | None = None
    for child in element:
        if child.tag == _q(CTXLPS_NS, "LPS") and lps is None:
            lps = child
        elif isinstance(child.tag, str):
            simple.append(_copy(child))
    if lps is None:
        raise _fail(
            "Contexte INSi : LPS obligatoire dans ContexteLPS.", "ContexteLPS without LPS", "LPS"
        )
    fields = _fields(simple, CTXLPS_NS, "ContexteLPS", ("Id", "Temps", "Emetteur"))
    idam = lps.find(_q(CTXLPS_NS, "IDAM"))
    if idam is None or idam.get("R") != IDAM_REFERENCE:
        raise _fail("Contexte INSi : IDAM (R=4) obligatoire.", "IDAM missing or R != 4", "IDAM")
    described = _fields(lps, CTXLPS_NS, "LPS", ("IDAM", "Version", "Instance", "Nom"))
    return ContexteLps(
        _required(fields, "Id", "ContexteLPS"),
        _read_time(_required(fields, "Temps", "ContexteLPS"), "Temps"),
        _emitter(_required(fields, "Emetteur", "ContexteLPS"), "Emetteur"),
        _required(described, "IDAM", "LPS"),
        _required(described, "Version", "LPS"),
        _required(described, "Instance", "LPS"),
        _required(described, "Nom", "LPS"),
    )
