"""Hypothesis strategies shared by the identity tests: INS bodies, French names, traits."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from esante.identity import IdentityTraits, InsDataMatrix, InsKind, check_ins, nir_key

VALID_MONTHS = [*range(1, 13), *range(20, 43), *range(50, 100)]
DEPARTMENTS = [f"{n:02d}" for n in range(1, 100)] + ["2A", "2B"]


@st.composite
def ins_bodies(draw: st.DrawFn, sex_digits: str = "1278") -> str:
    """A 13-character INS body that respects every structural rule."""
    sex = draw(st.sampled_from(sex_digits))
    year = draw(st.integers(0, 99))
    month = draw(st.sampled_from(VALID_MONTHS))
    department = draw(st.sampled_from(DEPARTMENTS))
    rest = draw(st.integers(0, 999_999))
    return f"{sex}{year:02d}{month:02d}{department}{rest:06d}"


@st.composite
def matricules(draw: st.DrawFn, sex_digits: str = "1278") -> str:
    """A valid 15-character matricule (body + key)."""
    body = draw(ins_bodies(sex_digits))
    return f"{body}{nir_key(body):02d}"


_LOWER = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ"
_LETTERS = _LOWER + _LOWER.upper()
# bounded so that a name stays within the DataMatrix limit of 100 characters even when
# every letter is a ligature spelled with two (Œ -> OE)
words = st.text(alphabet=_LETTERS, min_size=1, max_size=10)
short_words = st.text(alphabet=_LETTERS, min_size=1, max_size=7)


@st.composite
def family_names(draw: st.DrawFn) -> str:
    """French-looking family names: accents, ligatures, hyphens, double hyphens, apostrophes."""
    parts = draw(st.lists(words, min_size=1, max_size=4))
    seps = draw(st.lists(st.sampled_from([" ", "-", "--", "'", "’"]), min_size=3, max_size=3))
    name = parts[0]
    for sep, part in zip(seps, parts[1:], strict=False):
        name += sep + part
    return name


@st.composite
def given_names(draw: st.DrawFn) -> str:
    """Several given names in civil-status order, some compound with a hyphen."""
    names = draw(
        st.lists(
            st.lists(short_words, min_size=1, max_size=2).map("-".join), min_size=1, max_size=3
        )
    )
    return " ".join(names)


cogs = st.one_of(
    st.none(),
    st.builds(lambda d, c: f"{d}{c:03d}", st.sampled_from(DEPARTMENTS), st.integers(0, 999)),
)


@st.composite
def datamatrix_fields(draw: st.DrawFn) -> tuple[InsDataMatrix, str, str]:
    """A valid :class:`InsDataMatrix` built from raw (accented) names, and those raw names."""
    kind = draw(st.sampled_from(list(InsKind)))
    ins = check_ins(draw(matricules("12")), kind.oid)
    given = draw(given_names())
    family = draw(family_names())
    traits = IdentityTraits(
        birth_family_name=family,
        birth_given_names=given,
        first_given_name=given.split()[0],
        sex=draw(st.sampled_from("MF")),
        birth_date=draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31))),
        birthplace_cog=draw(cogs),
    )
    return InsDataMatrix.from_identity(ins, traits), given, family
