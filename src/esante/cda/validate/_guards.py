"""Skip schematron work that cannot produce findings — same findings, less work.

The ISO skeleton compiles each ``<sch:pattern>`` into an XSLT mode and walks the whole
document once per mode. The ANS body profiles hold hundreds of patterns (``IHE.sch`` has
~230), most keyed on a template the document does not use: their walks find nothing but
cost most of the run time.

This post-processing of the compiled stylesheet adds, for a mode whose *every* rule
context requires an element ``templateId`` with a given ``@root`` (a conjunct such as
``*[cda:templateId/@root='X']`` or ``cda:section[cda:templateId[@root="X"]]/cda:code``
in any step of the path), a guard around the mode's walk::

    <xsl:if test="exists(key('esante-templateId-root', ('X', 'Y')))">
      <xsl:apply-templates select="/" mode="M7"/>
    </xsl:if>

When no such ``templateId`` exists, no rule of the mode can match, so the walk would
produce no ``fired-rule``, ``failed-assert`` nor ``successful-report``: skipping it leaves
the findings unchanged.

Second, the minimal-structure profile (ART-DECOR rules) walks the whole body although its
rule contexts are child-only paths from the root, ``//hl7:ClinicalDocument[...]/hl7:…/*``,
that stay in the header. For a mode whose every rule context is such a path, the walk only
descends into an element whose path from the root (element names) is a proper prefix of
some rule context — provided the document has a single ``ClinicalDocument`` and it is the
root element, otherwise it walks everything. An element below any other path cannot match
a rule of the mode, so the findings are again unchanged.

Third, the kit's SVRL stylesheet (``iso_svrl_for_xslt2.xsl``, ``process-pattern``) puts an
``<xsl:apply-templates/>`` in every ``svrl:active-pattern``: one more walk of the whole
document per pattern, in the default mode, where the only rules are ``/`` and ``text()``
(which outputs nothing). Those walks output nothing; they are removed when the stylesheet
has no other default-mode rule.

Anything the analysis does not fully understand (unions, ``or``, axes, other namespaces,
non-literal values) is left as the kit's pipeline wrote it. The comparison test against
the kit's own pipeline (``tests/integration/cda_validate``) checks the equivalence on
every official example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

XSL_NS = "http://www.w3.org/1999/XSL/Transform"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
HL7_NS = "urn:hl7-org:v3"
GUARD_KEY = "esante-templateId-root"
DEPTH_KEY = "esante-clinical-document"
GUARDS_VERSION = "6"

_OID_LITERAL = r"""(?:'([0-9A-Za-z.-]+)'|"([0-9A-Za-z.-]+)")"""
_TEMPLATE_ID_ROOT = re.compile(
    r"(?P<prefix>[A-Za-z_][\w.-]*):templateId\s*(?:/\s*@root\s*=\s*"
    + _OID_LITERAL
    + r"|\[\s*@root\s*=\s*"
    + _OID_LITERAL
    + r"\s*\])"
)
_WORD = re.compile(r"(?<![\w:.$@-])(and|or)(?![\w:.-])|\|")


def _depths(text: str) -> tuple[str, list[int]]:
    """``text`` with string literals blanked, and the bracket depth before each char."""
    blanked: list[str] = []
    depths: list[int] = []
    depth = 0
    quote: str | None = None
    for char in text:
        depths.append(depth)
        if quote is not None:
            blanked.append(char if char == quote else " ")
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        blanked.append(char)
    return "".join(blanked), depths


def _top_level_tokens(text: str) -> list[tuple[int, int, str]]:
    """Positions of ``and``, ``or`` and ``|`` outside brackets and literals."""
    blanked, depths = _depths(text)
    return [
        (m.start(), m.end(), m.group(0)) for m in _WORD.finditer(blanked) if depths[m.start()] == 0
    ]


def _steps(pattern: str) -> list[str]:
    """The steps of a path pattern (split on ``/`` outside brackets and literals)."""
    blanked, depths = _depths(pattern)
    steps: list[str] = []
    start = 0
    for i, char in enumerate(blanked):
        if char == "/" and depths[i] == 0:
            steps.append(pattern[start:i])
            start = i + 1
    steps.append(pattern[start:])
    return steps


def _predicates(step: str) -> list[str]:
    """The top-level ``[...]`` predicates of one path step."""
    blanked, depths = _depths(step)
    found: list[str] = []
    start = 0
    for i, char in enumerate(blanked):
        if char == "[" and depths[i] == 0:
            start = i + 1
        elif char == "]" and depths[i] == 1:
            found.append(step[start:i])
    return found


def _conjuncts(predicate: str) -> list[str]:
    """The top-level ``and`` operands of a predicate; none if it has a top-level ``or``."""
    tokens = _top_level_tokens(predicate)
    if any(word != "and" for _, _, word in tokens):
        return []
    parts: list[str] = []
    start = 0
    for begin, end, _ in tokens:
        parts.append(predicate[start:begin])
        start = end
    parts.append(predicate[start:])
    return [part.strip() for part in parts]


def required_template_root(pattern: str, namespaces: Mapping[str | None, str]) -> str | None:
    """A ``templateId/@root`` value that must exist for ``pattern`` to match, or None."""
    if any(word == "|" for _, _, word in _top_level_tokens(pattern)):
        return None
    for step in _steps(pattern):
        for predicate in _predicates(step):
            for conjunct in _conjuncts(predicate):
                match = _TEMPLATE_ID_ROOT.fullmatch(conjunct)
                if match and namespaces.get(match.group("prefix")) == HL7_NS:
                    return next(g for g in match.groups()[1:] if g is not None)
    return None


_NAME_STEP = re.compile(r"(?:(?P<prefix>[A-Za-z_][\w.-]*):)?(?P<name>[A-Za-z_][\w.-]*|\*)")


def anchored_path(pattern: str, namespaces: Mapping[str | None, str]) -> tuple[str, ...] | None:
    """The element names (Clark notation, or ``*``) along ``pattern`` when it is a child-only
    path from ``ClinicalDocument`` (``//hl7:ClinicalDocument[...]/hl7:author/*[...]`` ->
    ``('{urn:hl7-org:v3}ClinicalDocument', '{urn:hl7-org:v3}author', '*')``), else None.
    """
    if any(word == "|" for _, _, word in _top_level_tokens(pattern)):
        return None
    steps = _steps(pattern.strip())
    if steps[:2] == ["", ""]:
        steps = steps[2:]
    elif steps[:1] == [""]:
        steps = steps[1:]
    else:
        return None
    names: list[str] = []
    for step in steps:
        match = _NAME_STEP.fullmatch(step.split("[", 1)[0].strip())
        if not step or match is None:  # '//' inside, an axis, an attribute, a function...
            return None
        if match.group("name") == "*":
            if match.group("prefix"):
                return None
            names.append("*")
            continue
        prefix = match.group("prefix")
        uri = namespaces.get(prefix) if prefix else ""
        if uri is None:
            return None
        names.append(f"{{{uri}}}{match.group('name')}")
    if not names or names[0] != f"{{{HL7_NS}}}ClinicalDocument":
        return None
    return tuple(names)


def _mode_rules(root: etree._Element) -> dict[str, list[etree._Element]]:
    rules: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        mode, match = template.get("mode"), template.get("match")
        if mode and match is not None and template.get("priority") not in ("-1", "-2"):
            rules.setdefault(mode, []).append(template)
    return rules


_CONTEXT_FUNCTION = re.compile(r"\b(?:position|last)\s*\(")


def _uses_context_position(templates: list[etree._Element]) -> bool:
    """Whether an expression of ``templates`` calls ``position()`` or ``last()``."""
    return any(
        _CONTEXT_FUNCTION.search(value)
        for template in templates
        for element in template.iter()
        for value in element.attrib.values()
    )


def _guard_walks(root: etree._Element, rules: dict[str, list[etree._Element]]) -> int:
    guards: dict[str, list[str]] = {}
    for mode, templates in rules.items():
        roots = [required_template_root(t.get("match") or "", t.nsmap) for t in templates]
        if roots and all(r is not None for r in roots):
            guards[mode] = sorted({r for r in roots if r is not None})
    whole_mode: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        whole_mode.setdefault(template.get("mode") or "", []).append(template)
    added = 0
    for walk in list(root.iter(f"{{{XSL_NS}}}apply-templates")):
        walked = walk.get("mode")
        if walk.get("select") != "/" or walked not in guards:
            continue
        values = ", ".join("'" + value.replace("'", "''") + "'" for value in guards[walked])
        anchors = f"key('{GUARD_KEY}', ({values}))/.."
        if not _uses_context_position(whole_mode.get(walked, [])):
            # walk only the subtrees that can hold a match, outermost first, in document
            # order: every element that could match is visited once, in the same order
            walk.set("select", f"outermost({anchors})")
            added += 1
            continue
        guard = etree.Element(f"{{{XSL_NS}}}if")
        guard.set("test", f"exists({anchors})")
        guard.tail, walk.tail = walk.tail, None
        parent = walk.getparent()
        assert parent is not None
        parent.replace(walk, guard)
        guard.append(walk)
        added += 1
    return added


_BOOLEAN_CALL = re.compile(r"(?:not|exists|empty|boolean)\s*\(")
_COMPARISON = re.compile(r"!=|<=|>=|=(?!>)|<|>|(?<![\w.:-])(?:eq|ne|lt|le|gt|ge|is)(?![\w.:-])")
_REFUSED = re.compile(r"\$|=>|!(?!=)")
_LOW_PRECEDENCE = re.compile(r"(?<![\w.:-])(?:if|then|else|return|satisfies|let)(?![\w.:-])")
_PATH_STEP = re.compile(
    r"\s*(?:\.\.?|\*|@?(?:[A-Za-z_][\w.-]*:)?(?:[A-Za-z_][\w.-]*|\*)"
    r"|(?:self|child|parent|ancestor|ancestor-or-self|descendant|descendant-or-self|attribute)"
    r"::(?:[A-Za-z_][\w.-]*:)?(?:[A-Za-z_][\w.-]*|\*))\s*"
)


def _closing_paren(text: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``start`` (literals blanked beforehand)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([":
            depth += 1
        elif text[i] in ")]":
            depth -= 1
            if depth == 0:
                return i
    return -1


def boolean_predicate(predicate: str) -> bool:
    """Whether ``predicate`` is surely a boolean filter, never a positional one.

    A predicate whose value is a number selects by position (``*[1]``), so its order
    among the predicates of a step matters; a boolean or node-set value does not. Only
    what is recognised for sure counts: a top-level ``and``/``or`` or comparison, a call
    of ``not``/``exists``/``empty``/``boolean`` spanning the whole predicate, or a plain
    path (nodes). ``position()``, ``last()``, variables, sequences and conditionals are
    refused outright.
    """
    blanked, depths = _depths(predicate)
    if _CONTEXT_FUNCTION.search(blanked) or _REFUSED.search(blanked):
        return False
    top = "".join(c if d == 0 else " " for c, d in zip(blanked, depths, strict=True))
    if "," in top or _LOW_PRECEDENCE.search(top):
        return False
    if any(word in ("and", "or") for _, _, word in _top_level_tokens(blanked)):
        return True
    if _COMPARISON.search(top):
        return True
    text = blanked.strip()
    call = _BOOLEAN_CALL.match(text)
    if call is not None:
        return _closing_paren(text, call.end() - 1) == len(text) - 1
    if "(" in top:
        return False
    path = "".join(top.split("[")).strip()
    return bool(path) and all(
        not step or _PATH_STEP.fullmatch(step)
        for part in path.split("|")
        for step in part.split("/")
    )


def parent_chain(pattern: str, namespaces: Mapping[str | None, str]) -> str | None:
    """A cheap necessary condition on the last step of a child-only path pattern.

    ``//cda:ClinicalDocument[...]/cda:author/*[not(...)]`` ->
    ``parent::Q{urn:hl7-org:v3}author/parent::Q{urn:hl7-org:v3}ClinicalDocument``: the
    names of the ancestors the pattern requires, up to the first ``//``. None when the
    pattern is not such a path, or when putting the condition first among the last
    step's predicates could change its meaning (a predicate that is not surely boolean).
    """
    if any(word == "|" for _, _, word in _top_level_tokens(pattern)):
        return None
    steps = _steps(pattern.strip())
    last = steps[-1]
    match = _NAME_STEP.fullmatch(last.split("[", 1)[0].strip())
    if match is None or not last.strip():
        return None
    predicates = _predicates(last)
    if not all(boolean_predicate(p) for p in predicates):
        return None
    if match.group("name") != "*" and not predicates:
        return None  # a bare name test is already what Saxon checks first
    chain: list[str] = []
    for step in reversed(steps[:-1]):
        match = _NAME_STEP.fullmatch(step.split("[", 1)[0].strip())
        if not step.strip() or match is None:  # the root, a '//' or anything else: stop
            break
        prefix, name = match.group("prefix"), match.group("name")
        if name == "*":
            if prefix:
                break
            chain.append("parent::*")
            continue
        uri = namespaces.get(prefix) if prefix else ""
        if uri is None:
            break
        chain.append(f"parent::Q{{{uri}}}{name}")
    return "/".join(chain) or None


def _check_parents_first(root: etree._Element) -> int:
    """Put :func:`parent_chain` first among the predicates of the rules' last step.

    A rule ending in ``*[not(self::a | self::b ...)]`` is tried on every element the
    mode visits, and Saxon evaluates the step's own predicates before looking at the
    parent: the big union runs for every element of the header. Checking the parent
    names first rejects almost every element at once. The condition is implied by the
    pattern (it matches the same nodes), and the rules keep their explicit priority.
    """
    if root.get("xpath-default-namespace") is not None:
        return 0
    changed = 0
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        match = template.get("match")
        if (
            match is None
            or not template.get("mode")
            or template.get("priority") in (None, "-1", "-2")
            or template.get("xpath-default-namespace") is not None
        ):
            continue
        chain = parent_chain(match, template.nsmap)
        if chain is None:
            continue
        steps = _steps(match)
        name, bracket, rest = steps[-1].partition("[")
        steps[-1] = f"{name}[{chain}]{bracket}{rest}"
        template.set("match", "/".join(steps))
        changed += 1
    return changed


def _prune_deep_walks(root: etree._Element, rules: dict[str, list[etree._Element]]) -> int:
    prefixes: dict[str, set[str]] = {}
    for mode, templates in rules.items():
        paths = [anchored_path(t.get("match") or "", t.nsmap) for t in templates]
        if not paths or any(p is None for p in paths):
            continue
        heads = {p[:k] for p in paths if p is not None for k in range(1, len(p))}
        if any("*" in head for head in heads):  # a wildcard before the last step: keep it simple
            continue
        prefixes[mode] = {" ".join(head) for head in heads}
    path = "string-join(ancestor-or-self::*/concat('{', namespace-uri(), '}', local-name()), ' ')"
    pruned = 0
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        own = template.get("mode")
        if own not in prefixes or template.get("priority") != "-2":
            continue
        allowed = ", ".join("'" + p.replace("'", "''") + "'" for p in sorted(prefixes[own]))
        for descent in list(template.iterchildren(f"{{{XSL_NS}}}apply-templates")):
            guard = etree.Element(f"{{{XSL_NS}}}if")
            guard.set(
                "test",
                f"count(key('{DEPTH_KEY}', 1)) ne 1"
                f" or empty(/Q{{{HL7_NS}}}ClinicalDocument)"
                f" or {path} = ({allowed})",
            )
            guard.tail, descent.tail = descent.tail, None
            template.replace(descent, guard)
            guard.append(descent)
            pruned += 1
    return pruned


def _add_key(root: etree._Element, name: str, match: str, use: str) -> None:
    key = etree.Element(f"{{{XSL_NS}}}key")
    key.set("name", name)
    key.set("match", match)
    key.set("use", use)
    imports = list(root.iterchildren(f"{{{XSL_NS}}}import"))
    root.insert(root.index(imports[-1]) + 1 if imports else 0, key)


def _drop_idle_walks(root: etree._Element) -> int:
    """Remove the ``<xsl:apply-templates/>`` the kit's SVRL stylesheet puts in every
    ``svrl:active-pattern``: a walk of the whole document in the default mode, whose only
    rules output nothing (``text()``) — as long as no other default-mode rule exists."""
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        mode = template.get("mode")
        match = template.get("match")
        if match is None:
            continue
        default = mode is None or "#default" in mode.split() or "#all" in mode.split()
        if default and match.strip() not in ("/", "text()"):
            return 0
    dropped = 0
    for pattern in root.iter(f"{{{SVRL_NS}}}active-pattern"):
        for walk in list(pattern.iterchildren(f"{{{XSL_NS}}}apply-templates")):
            if walk.get("select") is None and walk.get("mode") is None and len(walk) == 0:
                _remove_keeping_tail(walk)
                dropped += 1
    return dropped


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def add_guards(xslt: str) -> tuple[str, int]:
    """Guard the pattern walks of a compiled schematron; return (stylesheet, changes made)."""
    root = etree.fromstring(
        xslt.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, huge_tree=True)
    )
    rules = _mode_rules(root)
    guarded = _guard_walks(root, rules)
    if guarded:
        _add_key(root, GUARD_KEY, f"Q{{{HL7_NS}}}templateId", "@root")
    pruned = _prune_deep_walks(root, rules)
    if pruned:
        _add_key(root, DEPTH_KEY, f"Q{{{HL7_NS}}}ClinicalDocument", "1")
    dropped = _drop_idle_walks(root)
    reordered = _check_parents_first(root)
    return etree.tostring(root, encoding="unicode"), guarded + pruned + dropped + reordered
