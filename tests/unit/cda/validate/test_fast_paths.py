"""The stylesheet rewrites of ``_guards`` that make validation fast give the same output.

Each rewrite is checked twice: on what it recognises (pure functions), and by running a
schematron-like stylesheet with saxonche before and after :func:`add_guards` on documents
built to exercise it — nested anchors, header rules keyed on their parent, value sets —
and comparing the outputs character for character.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from saxonche import PySaxonApiError

from esante.cda.validate._guards import (
    VALUE_SET_PARAM,
    add_guards,
    boolean_predicate,
    parent_chain,
    required_parents,
)
from esante.cda.validate._saxon import PerThreadExecutable, parse, processor
from esante.cda.validate._svrl import findings_from_svrl
from esante.cda.validate._valuesets import bind_value_sets, load_value_set

NS: dict[str | None, str] = {"cda": "urn:hl7-org:v3", "hl7": "urn:hl7-org:v3"}
XSL = "{http://www.w3.org/1999/XSL/Transform}"
HL7 = "{urn:hl7-org:v3}"


@pytest.mark.parametrize(
    "predicate",
    [
        "@x",
        "hl7:a/hl7:b",
        "not(@x)",
        "not(@a) and @b",
        "@root = '1.2'",
        "count(x) = 0",
        "a | b",
        "@x eq 3",
        "not(self::hl7:a | self::hl7:b[@c])",
        "concat(@code, @codeSystem) = doc('a.xml')//x",
        "a//b",
    ],
)
def test_boolean_predicates(predicate: str) -> None:
    assert boolean_predicate(predicate)


@pytest.mark.parametrize(
    "predicate",
    [
        "1",  # positional
        "last()",
        "position() = 1",
        "count(x)",  # a number
        "$v",  # could be a number
        "string(@x)",  # a function not known to return a boolean
        "not(a)[1]",
        "if (a) then 1 else 2",
        "(a, 1)",
        "a => f()",
        "1 + 2",
    ],
)
def test_predicates_that_may_select_by_position(predicate: str) -> None:
    assert not boolean_predicate(predicate)


@pytest.mark.parametrize(
    ("pattern", "chain"),
    [
        (
            "//hl7:ClinicalDocument[hl7:typeId]/hl7:author/*[not(@x)]",
            "parent::Q{urn:hl7-org:v3}author/parent::Q{urn:hl7-org:v3}ClinicalDocument",
        ),
        ("cda:section//cda:entry/cda:act[@x]", "parent::Q{urn:hl7-org:v3}entry"),
        ("/cda:a/cda:b[x]", "parent::Q{urn:hl7-org:v3}a"),
        ("cda:a/*/cda:c[@d]", "parent::*/parent::Q{urn:hl7-org:v3}a"),
        ("cda:section/cda:entry/cda:act", None),  # a bare name: nothing to gain
        ("*[cda:templateId/@root='1']", None),  # no parent required
        ("cda:a/*[1]", None),  # positional: the order of predicates matters
        ("cda:a/@b", None),  # an attribute
        ("cda:a | cda:b[x]", None),  # a union
    ],
)
def test_parent_chain(pattern: str, chain: str | None) -> None:
    assert parent_chain(pattern, NS) == chain


def test_required_parents() -> None:
    assert required_parents("//hl7:ClinicalDocument/hl7:author/hl7:time", NS) == [
        f"{HL7}author",
        f"{HL7}ClinicalDocument",
    ]
    assert required_parents("hl7:time", NS) == []
    assert required_parents("hl7:a/@b", NS) is None


# ---------------------------------------------------------------- running the rewrites

PARENTS = 18  # more than DISPATCH_MIN_RULES rules naming their parent


def _rule(match: str, priority: int, mode: str, body: str = "") -> str:
    return (
        f'<xsl:template match="{match}" priority="{priority}" mode="{mode}">'
        f'<hit mode="{mode}" rule="{priority}" node="{{name()}}" at="{{count(preceding::*)}}"/>'
        f'{body}<xsl:apply-templates select="*" mode="{mode}"/></xsl:template>'
    )


def _defaults(mode: str) -> str:
    return (
        f'<xsl:template match="text()" priority="-1" mode="{mode}"/>'
        f'<xsl:template match="@*|node()" priority="-2" mode="{mode}">'
        f'<xsl:apply-templates select="*" mode="{mode}"/></xsl:template>'
    )


def schematron_like() -> str:
    """A stylesheet shaped like the ISO skeleton's output, with the kit's kinds of rules."""
    keyed = "".join(
        [
            _rule("*[hl7:templateId/@root='1.1']", 1000, "M1"),
            _rule("hl7:section[hl7:templateId/@root='1.2']/hl7:code", 999, "M1"),
            _rule("hl7:entry[hl7:templateId[@root='1.3']]//hl7:value", 998, "M1"),
            _defaults("M1"),
            # a step below the templateId that is not a plain name: subtrees are walked
            _rule("*[hl7:templateId/@root='1.1']", 1000, "M4"),
            _rule("hl7:entry[hl7:templateId/@root='1.3']/child::hl7:obs", 999, "M4"),
            _defaults("M4"),
            # rules naming the element they match, keyed on a templateId or not
            _rule("hl7:section[hl7:templateId/@root='1.1' or @x]/hl7:code", 1000, "M5"),
            _rule("//hl7:entry/hl7:obs/hl7:value", 999, "M5"),
            _rule("*[hl7:templateId/@root=' 1.2']", 998, "M5"),  # a value with a space
            _defaults("M5"),
            _defaults("M6"),  # a pattern without rules: its walk outputs nothing
        ]
    )
    header = []
    for mode, wildcard in (("M2", True), ("M3", False)):
        rules = [_rule("//hl7:ClinicalDocument[hl7:typeId]", 500, mode)]
        for i in range(PARENTS):
            head = f"//hl7:ClinicalDocument[hl7:typeId]/hl7:p{i}"
            rules.append(_rule(f"{head}/*[not(self::hl7:ok | self::hl7:c)]", 300 + i, mode))
            rules.append(_rule(f"{head}/hl7:c[@x = '1']", 200 + i, mode))
            rules.append(
                _rule(
                    f"{head}/hl7:c[@x = '2']",
                    100 + i,
                    mode,
                    "<xsl:if test=\"not(@code = doc('vs.xml')//v/@code)\"><bad/></xsl:if>"
                    '<xsl:if test="not(@code = document($VS)//v/@code)"><bad2/></xsl:if>',
                )
            )
        if wildcard:  # a rule that names no parent: offered to every element
            rules.append(_rule("hl7:c[@x = '3']", 50, mode))
        header.append("".join(rules) + _defaults(mode))
    return (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        'xmlns:hl7="urn:hl7-org:v3" version="2.0">'
        '<xsl:variable name="VS" select="\'vs.xml\'"/>'
        '<xsl:template match="/"><out>'
        '<xsl:apply-templates select="/" mode="M1"/>'
        '<xsl:apply-templates select="/" mode="M2"/>'
        '<xsl:apply-templates select="/" mode="M3"/>'
        '<xsl:apply-templates select="/" mode="M4"/>'
        '<xsl:apply-templates select="/" mode="M5"/>'
        '<xsl:apply-templates select="/" mode="M6"/>'
        "</out></xsl:template>" + keyed + "".join(header) + "</xsl:stylesheet>"
    )


VALUE_SET = '<vs><v code="A"/><v code="B"/></vs>'


def document(*, nested_cd: bool = False, codes: str = "A") -> str:
    parts = ['<ClinicalDocument xmlns="urn:hl7-org:v3"><typeId/>']
    for i in range(PARENTS):
        deeper = '<p1><c x="1"/><intrus/></p1>' if i == 3 else ""  # a p1 under another parent
        code = codes if i % 2 else "A"
        parts.append(
            f'<p{i}><ok/><c x="1"/><c x="2" code="{code}"/><c x="3"/><intrus/>{deeper}</p{i}>'
        )
    parts.append(
        "<component><structuredBody>"
        '<section><templateId root="1.2"/><code/>'
        '<entry><templateId root="1.1"/><templateId root="1.3"/>'
        '<obs><value/><templateId root="1.1"/><value/></obs></entry>'
        '<entry><templateId root="1.3"/><value/></entry></section>'
        '<section><code/><entry><templateId root="9.9"/><value/></entry></section>'
        '<section><templateId root="1.1"/><code/><p2><c x="1"/></p2></section>'
        '<section x="1"><templateId root=" 1.2"/><code/>'
        "<entry><obs><value/></obs></entry></section>"
    )
    if nested_cd:
        parts.append('<ClinicalDocument><typeId/><p0><intrus/><c x="1"/></p0></ClinicalDocument>')
    parts.append("</structuredBody></component></ClinicalDocument>")
    return "".join(parts)


def run(text: str, base: Path, node: Any, *, bind: bool) -> str:
    path = base / "rules.xsl"
    compiled = (
        processor()
        .new_xslt30_processor()
        .compile_stylesheet(stylesheet_node=parse(text, path.as_uri()))
    )
    executable = PerThreadExecutable(compiled, bind_value_sets(text, base) if bind else None)
    return executable.transform_to_string(node)


@pytest.mark.parametrize(
    "variant",
    [{}, {"nested_cd": True}, {"codes": "Z"}],
    ids=["valid", "nested-clinical-document", "code-outside-value-set"],
)
def test_rewritten_stylesheet_gives_the_same_output(
    tmp_path: Path, variant: dict[str, Any]
) -> None:
    (tmp_path / "vs.xml").write_text(VALUE_SET, encoding="utf-8")
    original = schematron_like()
    rewritten, changes = add_guards(original)
    tree = etree.fromstring(rewritten.encode())
    top = tree.find(f"{XSL}template[@match='/']")
    assert top is not None
    entries = {w.get("mode"): w.get("select") for w in top.iter(f"{XSL}apply-templates")}
    assert entries == {
        "M1": (
            "(key('esante-templateId-root', ('1.1'))/.."
            " | key('esante-templateId-root', ('1.3'))/..//Q{urn:hl7-org:v3}value"
            " | key('esante-templateId-root', ('1.2'))/../Q{urn:hl7-org:v3}code)"
        ),
        "M2": "/",
        "M3": "/",
        "M4": "outermost(key('esante-templateId-root', ('1.1', '1.3'))/..)",
        "M5": (
            "(key('esante-templateId-root', (' 1.2'))/.."
            " | //Q{urn:hl7-org:v3}code | //Q{urn:hl7-org:v3}value)"
        ),
    }
    descents = {w.get("mode") for w in tree.iter(f"{XSL}apply-templates")}
    assert {"M2-esante-d", "M3-esante-d"} <= descents  # split by parent
    # M3's pruned walk: the path test became the names the dispatch knows
    assert "string-join" not in rewritten
    fallback = tree.find(f"{XSL}template[@mode='M3-esante-d'][@priority='0']")
    assert fallback is not None
    assert fallback[0].tag == f"{XSL}if"
    assert f"${VALUE_SET_PARAM}0" in rewritten
    assert f"${VALUE_SET_PARAM}1" in rewritten
    assert changes > 4

    node = parse(document(**variant))
    expected = run(original, tmp_path, node, bind=False)
    assert expected.count("<hit ") > 60  # the rules do fire
    assert run(rewritten, tmp_path, node, bind=True) == expected
    assert run(rewritten, tmp_path, node, bind=False) == expected  # parameters left unbound
    if variant.get("codes") == "Z":
        assert "<bad/>" in expected
        assert "<bad2/>" in expected


def test_value_sets_are_parsed_once_and_shared(tmp_path: Path) -> None:
    (tmp_path / "vs.xml").write_text(VALUE_SET, encoding="utf-8")
    rewritten, _ = add_guards(schematron_like())
    first = bind_value_sets(rewritten, tmp_path)
    second = bind_value_sets(rewritten, tmp_path)
    assert sorted(first) == [f"{VALUE_SET_PARAM}0", f"{VALUE_SET_PARAM}1"]
    assert all(first[name] is second[name] for name in first)


def test_value_set_missing_or_hostile_is_left_to_the_stylesheet(tmp_path: Path) -> None:
    rewritten, _ = add_guards(schematron_like())
    assert bind_value_sets(rewritten, tmp_path) == {}  # no vs.xml: unbound
    node = parse(document())
    with pytest.raises(PySaxonApiError):
        run(schematron_like(), tmp_path, node, bind=False)
    with pytest.raises(PySaxonApiError):  # the very same failure as the kit's stylesheet
        run(rewritten, tmp_path, node, bind=True)

    hostile = tmp_path / "dtd.xml"
    hostile.write_text('<!DOCTYPE vs [<!ENTITY e "x">]><vs><v code="&e;"/></vs>', "utf-8")
    assert load_value_set(hostile) is None


def test_calls_inside_string_literals_and_local_variables_are_kept() -> None:
    text = (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">'
        '<xsl:variable name="VS" select="\'vs.xml\'"/>'
        '<xsl:template match="/">'
        "<xsl:value-of select=\"'see doc(''vs.xml'')'\"/>"
        '<xsl:variable name="VS" select="\'other.xml\'"/>'
        '<xsl:value-of select="count(document($VS)//v)"/>'
        "</xsl:template></xsl:stylesheet>"
    )
    rewritten, _ = add_guards(text)
    assert VALUE_SET_PARAM not in rewritten


def test_svrl_without_failures_is_not_parsed() -> None:
    svrl = (
        '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<svrl:active-pattern id="p"/><svrl:fired-rule context="x"/>'
        "</svrl:schematron-output>"
    )
    assert findings_from_svrl(svrl, "s.sch") == []
    failing = svrl.replace(
        "</svrl:schematron-output>",
        '<svrl:failed-assert location="/a"><svrl:text> Non  conforme </svrl:text>'
        "</svrl:failed-assert></svrl:schematron-output>",
    )
    (finding,) = findings_from_svrl(failing, "s.sch")
    assert (finding.message, finding.location, finding.pattern) == ("Non conforme", "/a", "p")
