"""One Validator used from several threads gives the same verdicts as sequential use."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from esante.cda.validate import Validator

pytestmark = pytest.mark.kit

DOCUMENTS = ("VSM_2023.01.xml", "VAC-NOTE_2023.01.xml", "CSE-MDE_2023.01.xml")


def test_four_threads_same_results(
    kit_validator: Validator, example: Callable[[str], bytes]
) -> None:
    data = {name: example(name) for name in DOCUMENTS}
    expected = {name: kit_validator.validate(doc) for name, doc in data.items()}
    jobs = [name for name in DOCUMENTS for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda name: (name, kit_validator.validate(data[name])), jobs))
    assert len(results) == len(jobs)
    for name, report in results:
        assert report.findings == expected[name].findings
        assert report.xsd_errors == expected[name].xsd_errors
        assert report.ok == expected[name].ok
    assert any(expected[name].findings for name in DOCUMENTS)  # a real comparison
