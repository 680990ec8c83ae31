"""Skip schematron work that cannot produce findings — same findings, less work.

The ISO skeleton compiles each ``<sch:pattern>`` into an XSLT mode and walks the whole
document once per mode, trying every rule of the mode on every element. The ANS body
profiles hold hundreds of patterns (``IHE.sch`` has ~230), most keyed on a template the
document does not use, and the minimal-structure profile has ~770 rules in two modes:
walking and matching, not checking, cost most of the run time. This post-processing of
the compiled stylesheet (cached on disk with it) removes that work, in this order:

1. **Walks of modes without rules** (:func:`_drop_empty_walks`): the skeleton walks the
   document for patterns that have no concrete rule; such a walk outputs nothing.
2. **Only the candidates** (:func:`_candidate_walk`): when every rule of a mode either
   requires an element ``templateId`` with a given ``@root`` on a step of its pattern
   (``*[cda:templateId/@root='X']``, ``cda:observation[cda:templateId/@root='X']/cda:value``)
   with plain name tests below it, or (outside the header-only modes of item 4) ends in an
   element name test, the walk becomes the union of the elements those rules can match,
   in document order, without the rules' descent into the children::

       <xsl:apply-templates mode="M7"
           select="(key('esante-templateId-root', ('X'))/.. | //Q{urn:hl7-org:v3}value)"/>

   Each candidate gets the rule the whole walk would have given it, in the same order.
   When a mode's rules use ``position()`` or ``last()``, or a step below the
   ``templateId`` is not a name, the walk is kept but starts from the outermost elements
   holding one of the ``templateId`` s (``outermost(key(…)/..)``) — or, with
   ``position()``, runs only if one exists.
3. **Idle default-mode walks** (:func:`_drop_idle_walks`): the kit's SVRL stylesheet
   puts an ``<xsl:apply-templates/>`` in every ``svrl:active-pattern``, a walk in the
   default mode whose only rules (``/``, ``text()``) output nothing; removed when the
   stylesheet has no other default-mode rule.
4. **Header-only walks** (:func:`_prune_deep_walks`): the minimal-structure profile
   (ART-DECOR rules) walks the whole body although its rule contexts are child-only
   paths from the root, ``//hl7:ClinicalDocument[...]/hl7:…/*``. The walk only descends
   into an element whose path from the root is a proper prefix of some rule context —
   provided the document has a single ``ClinicalDocument`` and it is the root element,
   otherwise it walks everything.
5. **Parent first** (:func:`_check_parents_first`): a rule ending in
   ``*[not(self::a | self::b …)]`` gets ``[parent::… ]`` as its first predicate, a
   cheap condition its pattern implies.
6. **Dispatch by parent** (:func:`_dispatch_by_parent`): a mode whose rules name their
   parent element is split into one mode per parent name, so that an element is only
   tried against the rules that can match it; for a header-only mode, the path test of
   item 4 becomes a name test the dispatch does for free.
7. **Value sets read once** (:func:`_value_sets_as_parameters`): ``doc('….xml')`` and
   ``document($JDV_…)`` become global parameters the compiler binds to documents parsed
   once per process (:mod:`._valuesets`).
8. **Repeated code compiled once** (:mod:`._shared_code`): identical rule bodies and
   assertions become named templates, called where they were.

Anything the analysis does not fully understand (unions, ``or``, axes, other namespaces,
non-literal values, positional predicates, ``#current``, ``xsl:next-match``…) is left as
the kit's pipeline wrote it. ``tests/unit/cda/validate/test_fast_paths.py`` runs a
stylesheet shaped like the kit's before and after on documents built to exercise each
rewrite; the comparison against the kit's own pipeline (``tests/integration/cda_validate``)
checks the equivalence on every official example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from lxml import etree

from esante.cda.validate._shared_code import share_repeated_code

XSL_NS = "http://www.w3.org/1999/XSL/Transform"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
HL7_NS = "urn:hl7-org:v3"
GUARD_KEY = "esante-templateId-root"
DEPTH_KEY = "esante-clinical-document"
GUARDS_VERSION = "14"

_OID_LITERAL = r"""(?:'([^']*)'|"([^"]*)")"""
_TEMPLATE_ID_ROOT = re.compile(
    r"(?P<prefix>[A-Za-z_][\w.-]*):templateId\s*(?:/\s*@root\s*=\s*"
    + _OID_LITERAL
    + r"|\[\s*@root\s*=\s*"
    + _OID_LITERAL
    + r"\s*\])"
)
_WORD = re.compile(r"(?<![\w:.$@-])(and|or)(?![\w:.-])|\|")


@lru_cache(maxsize=4096)
def _depths(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` with string literals blanked, and the bracket depth before each char.

    Memoised: the analyses look at the same (long) patterns many times.
    """
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
    return "".join(blanked), tuple(depths)


def _top_level_tokens(text: str) -> list[tuple[int, int, str]]:
    """Positions of ``and``, ``or`` and ``|`` outside brackets and literals."""
    blanked, depths = _depths(text)
    return [
        (m.start(), m.end(), m.group(0)) for m in _WORD.finditer(blanked) if depths[m.start()] == 0
    ]


def _steps(pattern: str) -> list[str]:
    """The steps of a path pattern (split on ``/`` outside brackets and literals)."""
    return list(_cached_steps(pattern))


@lru_cache(maxsize=4096)
def _cached_steps(pattern: str) -> tuple[str, ...]:
    blanked, depths = _depths(pattern)
    steps: list[str] = []
    start = 0
    for i, char in enumerate(blanked):
        if char == "/" and depths[i] == 0:
            steps.append(pattern[start:i])
            start = i + 1
    steps.append(pattern[start:])
    return tuple(steps)


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


def _template_root_step(
    pattern: str, namespaces: Mapping[str | None, str]
) -> tuple[str, int] | None:
    """A required ``templateId/@root`` value and the index of the step that requires it."""
    if any(word == "|" for _, _, word in _top_level_tokens(pattern)):
        return None
    for index, step in enumerate(_steps(pattern.strip())):
        for predicate in _predicates(step):
            for conjunct in _conjuncts(predicate):
                match = _TEMPLATE_ID_ROOT.fullmatch(conjunct)
                if match and namespaces.get(match.group("prefix")) == HL7_NS:
                    return next(g for g in match.groups()[1:] if g is not None), index
    return None


def required_template_root(pattern: str, namespaces: Mapping[str | None, str]) -> str | None:
    """A ``templateId/@root`` value that must exist for ``pattern`` to match, or None."""
    found = _template_root_step(pattern, namespaces)
    return found[0] if found is not None else None


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
        match = template.get("match")
        if match is not None and template.get("priority") not in ("-1", "-2"):
            for mode in (template.get("mode") or "").split():
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


def _steps_below(pattern: str, index: int, namespaces: Mapping[str | None, str]) -> str | None:
    """The steps of ``pattern`` after step ``index`` as a path of name tests.

    ``cda:entry[cda:templateId/@root='X']/cda:act//cda:value`` with the index of the
    ``entry`` step -> ``/Q{urn:hl7-org:v3}act//Q{urn:hl7-org:v3}value`` (predicates
    dropped: a superset of what the pattern matches below the step); ``''`` when the
    step is the last one. None when a step is not a plain name test.
    """
    parts: list[str] = []
    for step in _steps(pattern.strip())[index + 1 :]:
        if not step.strip():
            parts.append("")  # '//'
            continue
        match = _NAME_STEP.fullmatch(step.split("[", 1)[0].strip())
        if match is None:
            return None
        prefix, name = match.group("prefix"), match.group("name")
        if name == "*":
            if prefix:
                return None
            parts.append("*")
            continue
        uri = namespaces.get(prefix) if prefix else ""
        if uri is None:
            return None
        parts.append(f"Q{{{uri}}}{name}")
    if parts and not parts[-1]:
        return None
    return "".join("/" + part for part in parts)


_DESCENT_SELECTS = frozenset(
    {"*", "*|comment()|processing-instruction()", "@*|*|comment()|processing-instruction()"}
)


MAX_NAME_SCANS = 8


def _candidate_walk(
    root: etree._Element, mode: str, templates: list[etree._Element], *, by_name: bool
) -> tuple[str, list[etree._Element]] | None:
    """The exact elements a mode's rules can match, and the descents to drop.

    Each rule of the mode must either require a ``templateId`` on one step of its
    pattern, the steps below it being plain name tests (``*[cda:templateId/@root='X']``,
    ``cda:observation[cda:templateId/@root='X']/cda:value``): an element it matches is
    reached from an element holding that ``templateId`` by those steps
    (``key(…)/..``, ``key(…)/../Q{…}value``); or, with ``by_name``, end in an element
    name test (``cda:author/cda:assignedAuthor/cda:code``): an element it matches has
    that name (``//Q{…}code``, at most :data:`MAX_NAME_SCANS` names). The union of these
    paths, in document order, holds every element a rule of the mode can match. Applying
    the mode to them alone, without the rules' descent into the children, gives each the
    rule the whole walk would have given it (a rule depends on the node only:
    ``position()``, ``last()``, ``#current``, ``xsl:next-match`` and
    ``xsl:apply-imports`` are refused), in the walk's order (document order), and skips
    only nodes no rule can match — which the mode's other templates, the skeleton's
    descending ``@*|node()`` rule (required) and empty ``text()`` rule, would have
    passed over without output.
    """
    below: dict[str, set[str]] = {}
    names: set[str] = set()
    for template in templates:
        if template.get("priority") in ("-1", "-2"):
            if not _idle_template(template, mode):  # what the skipped nodes would output
                return None
            continue
        match = template.get("match") or ""
        found = _template_root_step(match, template.nsmap)
        steps = _steps_below(match, found[1], template.nsmap) if found is not None else None
        if found is not None and steps is not None:
            below.setdefault(steps, set()).add(found[0])
            continue
        parents = required_parents(match, template.nsmap) if by_name else None
        name = _steps_below(match, len(_steps(match.strip())) - 2, template.nsmap)
        if parents is None or name is None or name.endswith("*"):
            return None
        names.add(name)
    if (not below and not names) or len(names) > MAX_NAME_SCANS:
        return None
    if not any(t.get("priority") == "-2" for t in templates):
        return None  # the built-in rules would output the text of a visited attribute
    if _uses_context_position(templates):
        return None
    if any(
        len((t.get("mode") or "").split()) != 1
        or any(
            element.tag in _CONTEXT_DEPENDENT or "#current" in (element.get("mode") or "")
            for element in t.iter()
        )
        for t in templates
    ):
        return None
    descents: list[etree._Element] = []
    for walk in root.iter(f"{{{XSL_NS}}}apply-templates"):
        if walk.get("mode") != mode:
            continue
        owner = _enclosing_template(walk)
        if owner is not None and owner.get("mode") == mode:
            select = "".join((walk.get("select") or "").split())
            if select not in _DESCENT_SELECTS or len(walk) != 0:
                return None
            descents.append(walk)
        elif walk.get("select") != "/":
            return None
    paths = []
    for steps, values in sorted(below.items()):
        listed = ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values))
        paths.append(f"key('{GUARD_KEY}', ({listed}))/..{steps}")
    paths += [f"/{name}" for name in sorted(names)]  # '//Q{…}name'
    return "(" + " | ".join(paths) + ")", descents


def _guard_walks(root: etree._Element, rules: dict[str, list[etree._Element]]) -> int:
    guards: dict[str, list[str]] = {}
    for mode, templates in rules.items():
        roots = [required_template_root(t.get("match") or "", t.nsmap) for t in templates]
        if roots and all(r is not None for r in roots):
            guards[mode] = sorted({r for r in roots if r is not None})
    # header-only modes are left to the pruned walk and the dispatch by parent
    anchored = {
        mode
        for mode, templates in rules.items()
        if all(anchored_path(t.get("match") or "", t.nsmap) for t in templates)
    }
    whole_mode: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        for mode in (template.get("mode") or "#default").split():
            whole_mode.setdefault(mode, []).append(template)
    candidates = {
        mode: found
        for mode in rules
        if (
            found := _candidate_walk(
                root, mode, whole_mode.get(mode, []), by_name=mode not in anchored
            )
        )
        is not None
    }
    added = 0
    for walk in list(root.iter(f"{{{XSL_NS}}}apply-templates")):
        walked = walk.get("mode") or ""
        if walk.get("select") != "/" or (walked not in guards and walked not in candidates):
            continue
        added += 1
        if walked in candidates:
            walk.set("select", candidates[walked][0])
            continue
        values = ", ".join("'" + value.replace("'", "''") + "'" for value in guards[walked])
        anchors = f"key('{GUARD_KEY}', ({values}))/.."
        if not _uses_context_position(whole_mode.get(walked, [])):
            # walk only the subtrees that can hold a match, outermost first, in document
            # order: every element that could match is visited once, in the same order
            walk.set("select", f"outermost({anchors})")
            continue
        guard = etree.Element(f"{{{XSL_NS}}}if")
        guard.set("test", f"exists({anchors})")
        guard.tail, walk.tail = walk.tail, None
        parent = walk.getparent()
        assert parent is not None
        parent.replace(walk, guard)
        guard.append(walk)
    for _, descents in candidates.values():
        for descent in descents:
            _remove_keeping_tail(descent)
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


def required_parents(pattern: str, namespaces: Mapping[str | None, str]) -> list[str] | None:
    """The ancestors a path pattern requires of the element it matches, nearest first.

    ``//cda:ClinicalDocument[...]/cda:author/*[...]`` -> ``['{urn:hl7-org:v3}author',
    '{urn:hl7-org:v3}ClinicalDocument']`` (``'*'`` for any element), up to the first
    ``//``, the root, or a step that is not a plain name test. None when the pattern is not
    a path whose last step is an element name test (a union, an attribute, ``text()``…).
    """
    if any(word == "|" for _, _, word in _top_level_tokens(pattern)):
        return None
    steps = _steps(pattern.strip())
    if not steps[-1].strip() or _NAME_STEP.fullmatch(steps[-1].split("[", 1)[0].strip()) is None:
        return None
    names: list[str] = []
    for step in reversed(steps[:-1]):
        match = _NAME_STEP.fullmatch(step.split("[", 1)[0].strip())
        if not step.strip() or match is None:  # the root, a '//' or anything else: stop
            break
        prefix, name = match.group("prefix"), match.group("name")
        if name == "*":
            if prefix:
                break
            names.append("*")
            continue
        uri = namespaces.get(prefix) if prefix else ""
        if uri is None:
            break
        names.append(f"{{{uri}}}{name}")
    return names


def _name_test(name: str) -> str:
    """``{uri}local`` -> ``Q{uri}local`` (an EQName, whatever the prefixes in scope)."""
    return "*" if name == "*" else f"Q{name}"


def parent_chain(pattern: str, namespaces: Mapping[str | None, str]) -> str | None:
    """A cheap necessary condition on the last step of a child-only path pattern.

    ``//cda:ClinicalDocument[...]/cda:author/*[not(...)]`` ->
    ``parent::Q{urn:hl7-org:v3}author/parent::Q{urn:hl7-org:v3}ClinicalDocument``: the
    names of the ancestors the pattern requires (:func:`required_parents`). None when
    there are none, or when putting the condition first among the last step's predicates
    could change its meaning (a predicate that is not surely boolean).
    """
    parents = required_parents(pattern, namespaces)
    if not parents:
        return None
    last = _steps(pattern.strip())[-1]
    predicates = _predicates(last)
    if not all(boolean_predicate(p) for p in predicates):
        return None
    if last.split("[", 1)[0].strip() != "*" and not predicates:
        return None  # a bare name test is already what Saxon checks first
    return "/".join(f"parent::{_name_test(name)}" for name in parents)


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


DISPATCH_MIN_RULES = 16
_CONTEXT_DEPENDENT = frozenset(f"{{{XSL_NS}}}{name}" for name in ("next-match", "apply-imports"))


def _enclosing_template(element: etree._Element) -> etree._Element | None:
    for ancestor in element.iterancestors(f"{{{XSL_NS}}}template"):
        return ancestor
    return None


def _dispatch_by_parent(root: etree._Element) -> int:
    """Split a mode whose rules name their parent element into one mode per parent name.

    Saxon indexes the rules of a mode by the name of the element they match, nothing
    more: in the minimal-structure profile every header element is tried against the
    ~150 "closed template" rules (``…/hl7:author/*[not(self::…)]``) and the ~50 rules
    for an ``addr``, whatever its parent. Here, a rule whose pattern requires a parent
    named P (:func:`required_parents`) moves to a mode ``<M>-esante-p<n>`` that only
    processes the children of a P; rules without such a requirement and the default
    rules belong to every mode. The walk descends through a dispatch mode whose rules
    match the current element by name (indexed) and apply the child mode::

        <xsl:apply-templates select="*" mode="M12"/>
          -> <xsl:apply-templates select="." mode="M12-esante-d"/>
        <xsl:template match="Q{urn:hl7-org:v3}author" mode="M12-esante-d" priority="1">
          <xsl:apply-templates select="*" mode="M12-esante-p3"/>
        </xsl:template>

    The same children are processed in the same order and positions; each child is
    offered every rule that can match it (the others require another parent), so the
    same rule wins (priorities and declaration order are kept).

    Only a mode entered from the document node (``select="/"``) and walked with
    ``select="*"`` from its own templates is split, without ``#current``,
    ``xsl:next-match`` nor ``xsl:apply-imports``, and when at least
    :data:`DISPATCH_MIN_RULES` rules name their parent.
    """
    by_mode: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        for mode in (template.get("mode") or "").split():
            by_mode.setdefault(mode, []).append(template)
    walks: dict[str, list[etree._Element]] = {}
    for walk in root.iter(f"{{{XSL_NS}}}apply-templates"):
        walks.setdefault(walk.get("mode") or "#default", []).append(walk)
    split = 0
    for mode, templates in by_mode.items():
        if mode.startswith("#") or any(len((t.get("mode") or "").split()) != 1 for t in templates):
            continue
        if any(
            element.tag in _CONTEXT_DEPENDENT or "#current" in (element.get("mode") or "")
            for template in templates
            for element in template.iter()
        ):
            continue
        descents: list[etree._Element] = []
        entries_ok = True
        for walk in walks.get(mode, []):
            owner = _enclosing_template(walk)
            if owner is not None and owner.get("mode") == mode:
                if walk.get("select") != "*" or len(walk) != 0:
                    entries_ok = False
                descents.append(walk)
            elif walk.get("select") != "/":
                entries_ok = False
        if not entries_ok:
            continue
        parents: dict[int, str | None] = {}
        for template in templates:
            if template.get("priority") in ("-1", "-2") or template.get("match") is None:
                parents[id(template)] = None
                continue
            names = required_parents(template.get("match") or "", template.nsmap)
            parents[id(template)] = names[0] if names and names[0] != "*" else None
        named = sorted({p for p in parents.values() if p is not None})
        if sum(1 for p in parents.values() if p is not None) < DISPATCH_MIN_RULES:
            continue
        child_modes = {name: f"{mode}-esante-p{i}" for i, name in enumerate(named)}
        every = " ".join([mode, *child_modes.values()])
        for template in templates:
            parent = parents[id(template)]
            template.set("mode", child_modes[parent] if parent is not None else every)
        interior = _pruned_interior_names(templates, descents)
        dispatch = f"{mode}-esante-d"
        for walk in descents:
            walk.set("select", ".")
            walk.set("mode", dispatch)
            guard = walk.getparent()
            if interior is not None and guard is not None and _is_prune_guard(guard):
                guard.tail = (walk.tail or "") + (guard.tail or "")
                walk.tail = None
                owner = guard.getparent()
                assert owner is not None
                owner.replace(guard, walk)
        for name in sorted(set(child_modes) | (interior or set())):
            rule = etree.SubElement(root, f"{{{XSL_NS}}}template")
            rule.set("match", _name_test(name))
            rule.set("mode", dispatch)
            rule.set("priority", "1")
            descent = etree.SubElement(rule, f"{{{XSL_NS}}}apply-templates")
            descent.set("select", "*")
            descent.set("mode", child_modes.get(name, mode))
        fallback = etree.SubElement(root, f"{{{XSL_NS}}}template")
        fallback.set("match", "node() | @*")
        fallback.set("mode", dispatch)
        fallback.set("priority", "0")
        descent = etree.Element(f"{{{XSL_NS}}}apply-templates")
        descent.set("select", "*")
        descent.set("mode", mode)
        if interior is None:
            fallback.append(descent)
        else:  # no rule path runs through this name: below it, nothing can match
            guard = etree.SubElement(fallback, f"{{{XSL_NS}}}if")
            guard.set("test", _SINGLE_ROOT_DOCUMENT_FAILS)
            guard.append(descent)
        split += 1
    return split


_SINGLE_ROOT_DOCUMENT_FAILS = (
    f"count(key('{DEPTH_KEY}', 1)) ne 1 or empty(/Q{{{HL7_NS}}}ClinicalDocument)"
)


def _is_prune_guard(element: etree._Element) -> bool:
    return element.tag == f"{{{XSL_NS}}}if" and (element.get("test") or "").startswith(
        _SINGLE_ROOT_DOCUMENT_FAILS + " or "
    )


def _pruned_interior_names(
    templates: list[etree._Element], descents: list[etree._Element]
) -> set[str] | None:
    """For a mode whose walk :func:`_prune_deep_walks` pruned, the names along its rule paths.

    The pruned walk descends into an element only when its path from the root is a
    proper prefix of a rule's path (``count(key(…)) ne 1 or … or string-join(…) = (…)``,
    evaluated for every element of the header). With the dispatch by name, a cheaper
    test of the same kind prunes for free: a descendant of an element E can match a rule
    only if E's name appears before the last step of that rule's path (E is one of the
    matched element's required ancestors), or if E is above the ``ClinicalDocument`` the
    path starts from — impossible when the document's only ``ClinicalDocument`` is its
    root. So the dispatch mode gets a rule for each such name, and its fallback descends
    only when that condition on the document fails (as the pruned walk did).
    None when the mode was not pruned.
    """
    if not any(
        (guard := walk.getparent()) is not None and _is_prune_guard(guard) for walk in descents
    ):
        return None
    names: set[str] = set()
    for template in templates:
        if template.get("priority") in ("-1", "-2") or template.get("match") is None:
            continue
        path = anchored_path(template.get("match") or "", template.nsmap)
        if path is None or "*" in path[:-1]:
            return None
        names.update(path[:-1])
    return names


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
            guard.set("test", f"{_SINGLE_ROOT_DOCUMENT_FAILS} or {path} = ({allowed})")
            guard.tail, descent.tail = descent.tail, None
            template.replace(descent, guard)
            guard.append(descent)
            pruned += 1
    return pruned


VALUE_SET_PARAM = "esante-vs-"
_XML_LITERAL = r"""(?:'([\w./-]+\.xml)'|"([\w./-]+\.xml)")"""
_DOC_CALL = re.compile(
    r"(?<![\w.:$-])(doc|document)\(\s*(?:" + _XML_LITERAL + r"|\$([A-Za-z_][\w.-]*))\s*\)"
)
_LITERAL_ONLY = re.compile(r"\s*" + _XML_LITERAL + r"\s*")
_EXPRESSION_ATTRIBUTES = ("test", "select", "match")


def _literal_variables(root: etree._Element) -> dict[str, str]:
    """Top-level ``xsl:variable`` bound to a plain ``'….xml'`` literal and never shadowed."""
    found: dict[str, str] = {}
    for variable in root.iterchildren(f"{{{XSL_NS}}}variable"):
        literal = _LITERAL_ONLY.fullmatch(variable.get("select") or "")
        name = variable.get("name")
        if name and literal is not None and variable.get("as") is None and len(variable) == 0:
            found[name] = literal.group(1) or literal.group(2)
    for tag in ("variable", "param"):
        for local in root.iter(f"{{{XSL_NS}}}{tag}"):
            if local.getparent() is not root:
                found.pop(local.get("name") or "", None)
    return found


def _value_sets_as_parameters(root: etree._Element) -> int:
    """Read each value set once per process instead of once per validation.

    The kit's stylesheets open their value sets with ``doc('include/voc-….xml')`` or
    ``document($JDV_…)`` (a variable holding the path) inside the assertions: Saxon keeps
    the documents it loads for one transformation only, so every validation parsed them
    all again. Each such call on a literal path becomes a reference to a global parameter
    whose default is the very same call::

        <xsl:param name="esante-vs-0" select="document('../jeuxDeValeurs/JDV_X.xml')"/>

    The compiler binds the parameter to the value set parsed once (see
    :mod:`._valuesets`); a parameter left unbound (a file missing from the kit) evaluates
    the original call, with the original error. Stylesheets with ``xsl:strip-space``
    (which applies to the documents ``doc()`` loads) are left alone.
    """
    if root.find(f"{{{XSL_NS}}}strip-space") is not None:
        return 0
    variables = _literal_variables(root)
    params: dict[tuple[str, str], str] = {}

    def replace(text: str) -> str:
        blanked, _ = _depths(text)
        pieces: list[str] = []
        done = 0
        for call in _DOC_CALL.finditer(text):
            if blanked[call.start() : call.start() + 3] != text[call.start() : call.start() + 3]:
                continue  # inside a string literal
            literal = call.group(2) or call.group(3) or variables.get(call.group(4) or "")
            if literal is None:
                continue
            name = params.setdefault((call.group(1), literal), f"{VALUE_SET_PARAM}{len(params)}")
            pieces += [text[done : call.start()], f"${name}"]
            done = call.end()
        return "".join(pieces) + text[done:] if pieces else text

    changed = 0
    for element in root.iter(f"{{{XSL_NS}}}*"):
        if element.tag == f"{{{XSL_NS}}}key":
            continue
        for attribute in _EXPRESSION_ATTRIBUTES:
            value = element.get(attribute)
            if value and ("doc(" in value or "document(" in value):
                rewritten = replace(value)
                if rewritten != value:
                    element.set(attribute, rewritten)
                    changed += 1
    imports = list(root.iterchildren(f"{{{XSL_NS}}}import"))
    at = root.index(imports[-1]) + 1 if imports else 0
    for (function, literal), name in sorted(params.items(), key=lambda item: item[1]):
        param = etree.Element(f"{{{XSL_NS}}}param")
        param.set("name", name)
        param.set("select", f"{function}('{literal}')")
        root.insert(at, param)
        at += 1
    return changed


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


def _drop_empty_walks(root: etree._Element) -> int:
    """Remove the walks of modes that have no rule: they visit every node and output nothing.

    The kit has patterns without any (concrete) rule; the skeleton still writes their mode,
    made only of an empty ``text()`` rule and a ``@*|node()`` rule that applies the mode
    to the children, and walks the whole document with it. Such a walk outputs nothing,
    as long as the mode has no other template and no ``xsl:mode`` declaration changes the
    built-in rules.
    """
    if root.find(f"{{{XSL_NS}}}mode") is not None:
        return 0
    by_mode: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{{{XSL_NS}}}template"):
        for mode in (template.get("mode") or "#default").split():
            by_mode.setdefault(mode, []).append(template)
    dropped = 0
    for walk in list(root.iter(f"{{{XSL_NS}}}apply-templates")):
        mode = walk.get("mode") or ""
        if walk.get("select") != "/" or len(walk) != 0 or not mode or mode.startswith("#"):
            continue
        templates = by_mode.get(mode, [])
        if len(templates) == 2 and all(_idle_template(t, mode) for t in templates):
            _remove_keeping_tail(walk)
            dropped += 1
    return dropped


def _idle_template(template: etree._Element, mode: str) -> bool:
    """The skeleton's empty ``text()`` rule, or its ``@*|node()`` rule that only descends."""
    if template.get("mode") != mode or (template.text and template.text.strip()):
        return False
    match = "".join((template.get("match") or "").split())
    if match == "text()" and template.get("priority") == "-1":
        return len(template) == 0
    if match != "@*|node()" or template.get("priority") != "-2":
        return False
    for element in template.iterdescendants():
        if not isinstance(element.tag, str):
            continue  # a comment
        if element.tag == f"{{{XSL_NS}}}apply-templates":
            if element.get("mode") != mode or len(element) != 0:
                return False
        elif element.tag != f"{{{XSL_NS}}}if" or (element.text or "").strip():
            return False
    return True


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
    empty = _drop_empty_walks(root)
    rules = _mode_rules(root)
    guarded = _guard_walks(root, rules)
    if guarded:
        _add_key(root, GUARD_KEY, f"Q{{{HL7_NS}}}templateId", "@root")
    pruned = _prune_deep_walks(root, rules)
    if pruned:
        _add_key(root, DEPTH_KEY, f"Q{{{HL7_NS}}}ClinicalDocument", "1")
    dropped = _drop_idle_walks(root)
    reordered = _check_parents_first(root)
    dispatched = _dispatch_by_parent(root)
    value_sets = _value_sets_as_parameters(root)
    shared = share_repeated_code(root)
    changes = empty + guarded + pruned + dropped + reordered + dispatched + value_sets + shared
    return etree.tostring(root, encoding="unicode"), changes
