"""Pattern guards: only patterns that provably cannot fire are skipped."""

from __future__ import annotations

import pytest
from lxml import etree

from esante.cda.validate._guards import (
    DEPTH_KEY,
    GUARD_KEY,
    HL7_NS,
    add_guards,
    anchored_path,
    required_template_root,
)

NS: dict[str | None, str] = {"cda": "urn:hl7-org:v3", "other": "urn:example"}


@pytest.mark.parametrize(
    ("pattern", "root"),
    [
        ("*[cda:templateId/@root='1.2.3']", "1.2.3"),
        ('*[cda:templateId/@root = "1.2.3"]', "1.2.3"),
        ("cda:section[cda:templateId[@root='1.2.3']]/cda:code", "1.2.3"),
        ("//cda:act[cda:templateId/@root='1.2.3']//cda:value", "1.2.3"),
        ("*[cda:templateId/@root='1.2.3' and not(cda:templateId/@root='9.9')]", "1.2.3"),
        ("cda:obs[@moodCode='EVN'][cda:templateId/@root='1.2.3']", "1.2.3"),
    ],
)
def test_required_root_found(pattern: str, root: str) -> None:
    assert required_template_root(pattern, NS) == root


@pytest.mark.parametrize(
    "pattern",
    [
        "cda:section/cda:code",  # no templateId at all
        "*[cda:templateId/@root='1.2.3' or @classCode='OBS']",  # or: not required
        "*[cda:templateId/@root='1.2.3' and @a or @b]",  # and binds tighter than or
        "*[cda:templateId/@root='1.2.3'] | cda:section",  # union
        "*[not(cda:templateId/@root='1.2.3')]",  # negated
        "*[cda:templateId/@root!='1.2.3']",  # not an equality
        "*[cda:templateId[@root='1.2.3' and @extension='x']]",  # not understood: left alone
        "*[other:templateId/@root='1.2.3']",  # another namespace
        "*[cda:templateId/@root=$root]",  # not a literal
        "cda:entry[cda:act/cda:templateId/@root='1.2.3']",  # not the step's own templateId
    ],
)
def test_unsure_patterns_are_not_guarded(pattern: str) -> None:
    assert required_template_root(pattern, NS) is None


STYLESHEET = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:cda="urn:hl7-org:v3" version="2.0">
  <xsl:template match="/">
    <out>
      <xsl:apply-templates select="/" mode="M1"/>
      <xsl:apply-templates select="/" mode="M2"/>
    </out>
  </xsl:template>
  <xsl:template match="*[cda:templateId/@root='1.2.3']" priority="1000" mode="M1"/>
  <xsl:template match="cda:section[cda:templateId/@root='4.5']/cda:code" priority="999" mode="M1"/>
  <xsl:template match="@*|node()" priority="-2" mode="M1"/>
  <xsl:template match="cda:section" priority="1000" mode="M2"/>
  <xsl:template match="@*|node()" priority="-2" mode="M2"/>
</xsl:stylesheet>"""


def test_modes_visit_only_what_their_rules_can_match() -> None:
    text, added = add_guards(STYLESHEET)
    assert added == 2
    root = etree.fromstring(text.encode())
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    walks = {el.get("mode"): el.get("select") for el in root.iter(f"{xsl}apply-templates")}
    # M1: the elements its rules can match, reached from their templateIds
    assert walks["M1"] == (
        f"(key('{GUARD_KEY}', ('1.2.3'))/.. | key('{GUARD_KEY}', ('4.5'))/../Q{{{HL7_NS}}}code)"
    )
    # M2: its only rule names the element it matches
    assert walks["M2"] == f"(//Q{{{HL7_NS}}}section)"
    key = root.find(f"{xsl}key")
    assert key is not None
    assert key.get("name") == GUARD_KEY


def test_a_mode_using_its_context_position_keeps_the_whole_walk() -> None:
    positional = STYLESHEET.replace(
        """priority="1000" mode="M1"/>""",
        """priority="1000" mode="M1"><xsl:value-of select="position()"/></xsl:template>""",
        1,
    ).replace(
        """match="cda:section" priority="1000" mode="M2"/>""",
        """match="cda:section" priority="1000" mode="M2"><xsl:value-of select="last()"/>"""
        """</xsl:template>""",
    )
    text, added = add_guards(positional)
    assert added == 1
    root = etree.fromstring(text.encode())
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    guard = root.find(f".//{xsl}if")
    assert guard is not None
    assert guard.get("test") == f"exists(key('{GUARD_KEY}', ('1.2.3', '4.5'))/..)"
    assert guard[0].get("mode") == "M1"
    assert guard[0].get("select") == "/"
    walks = [el.get("select") for el in root.iter(f"{xsl}apply-templates")]
    assert walks == ["/", "/"]  # M2 is walked whole


HL7 = "{urn:hl7-org:v3}"


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        (
            "//cda:ClinicalDocument[cda:typeId[@root = '2.16']]/cda:author[cda:time]/*[not(@x)]",
            (f"{HL7}ClinicalDocument", f"{HL7}author", "*"),
        ),
        ("/cda:ClinicalDocument/cda:code", (f"{HL7}ClinicalDocument", f"{HL7}code")),
    ],
)
def test_anchored_path(pattern: str, path: tuple[str, ...]) -> None:
    assert anchored_path(pattern, NS) == path


@pytest.mark.parametrize(
    "pattern",
    [
        "cda:ClinicalDocument/cda:code",  # relative: any depth
        "//cda:ClinicalDocument//cda:code",  # descendant step
        "//cda:section/cda:code",  # not anchored on ClinicalDocument
        "//other:ClinicalDocument/cda:code",  # another namespace
        "//cda:ClinicalDocument/cda:code | //cda:ClinicalDocument/cda:id",
        "//cda:ClinicalDocument/cda:code/@code",
        "//cda:ClinicalDocument/ancestor::cda:x",
    ],
)
def test_not_anchored(pattern: str) -> None:
    assert anchored_path(pattern, NS) is None


ART_DECOR_LIKE = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl" xmlns:hl7="urn:hl7-org:v3" version="2.0">
  <xsl:template match="text()" priority="-1"/>
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:active-pattern>
        <xsl:attribute name="id">p</xsl:attribute><xsl:apply-templates/>
      </svrl:active-pattern>
      <xsl:apply-templates select="/" mode="M1"/>
    </svrl:schematron-output>
  </xsl:template>
  <xsl:template match="//hl7:ClinicalDocument/hl7:author/hl7:time" priority="1000" mode="M1"/>
  <xsl:template match="//hl7:ClinicalDocument/*[not(self::hl7:id)]" priority="999" mode="M1"/>
  <xsl:template match="@*|node()" priority="-2" mode="M1">
    <xsl:apply-templates select="*" mode="M1"/>
  </xsl:template>
</xsl:stylesheet>"""


def test_header_only_walk_is_pruned_and_idle_walk_dropped() -> None:
    text, changes = add_guards(ART_DECOR_LIKE)
    assert changes == 3  # pruned walk, idle walk dropped, parent checked first
    root = etree.fromstring(text.encode())
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    pattern = root.find(".//{http://purl.oclc.org/dsdl/svrl}active-pattern")
    assert pattern is not None
    assert pattern.find(f"{xsl}apply-templates") is None  # the idle walk is gone
    default = next(t for t in root.iter(f"{xsl}template") if t.get("priority") == "-2")
    guard = default.find(f"{xsl}if")
    assert guard is not None
    test = guard.get("test") or ""
    assert f"count(key('{DEPTH_KEY}', 1)) ne 1" in test
    assert "('{urn:hl7-org:v3}ClinicalDocument', '{urn:hl7-org:v3}ClinicalDocument " in test
    assert "{urn:hl7-org:v3}author')" in test
    closed = next(t for t in root.iter(f"{xsl}template") if t.get("priority") == "999")
    assert closed.get("match") == (
        "//hl7:ClinicalDocument/*[parent::Q{urn:hl7-org:v3}ClinicalDocument][not(self::hl7:id)]"
    )


def test_idle_walk_kept_when_the_default_mode_has_rules() -> None:
    busy = ART_DECOR_LIKE.replace(
        '<xsl:template match="text()" priority="-1"/>',
        '<xsl:template match="text()" priority="-1"/>'
        '<xsl:template match="hl7:x"><y/></xsl:template>',
    )
    text, _ = add_guards(busy)
    pattern = etree.fromstring(text.encode()).find(
        ".//{http://purl.oclc.org/dsdl/svrl}active-pattern"
    )
    assert pattern is not None
    assert pattern.find("{http://www.w3.org/1999/XSL/Transform}apply-templates") is not None
