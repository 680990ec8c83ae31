"""validate_many: a process pool, results in input order, unreadable files reported."""

from __future__ import annotations

from pathlib import Path

from esante.cda.validate import BatchItem, BatchValidator, InvalidDocumentError, validate_many
from tests.unit.cda.validate.kitfiles import synthetic_document


def write(tmp_path: Path) -> list[Path]:
    paths = []
    for i, data in enumerate(
        [
            synthetic_document(),
            b"pas du XML",
            synthetic_document(code="AUTRE"),
            synthetic_document(),
        ]
    ):
        path = tmp_path / f"doc{i}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


def check(items: list[BatchItem], paths: list[Path]) -> None:
    assert [item.path for item in items] == paths
    assert [item.ok for item in items] == [True, False, False, True]
    assert isinstance(items[1].error, InvalidDocumentError)
    assert items[1].report is None
    assert items[2].report is not None
    assert len(items[2].report.errors) == 1


def test_pool_of_two_workers(synthetic_kit: Path, tmp_path: Path) -> None:
    paths = write(tmp_path)
    seen: list[Path] = []
    with BatchValidator(synthetic_kit, workers=2, cache_dir=tmp_path / "cache") as batch:
        items = batch.validate_many(paths, progress=lambda item: seen.append(item.path))
        again = batch.validate_many(paths[:1])  # the pool stays usable
    check(items, paths)
    assert sorted(seen) == sorted(paths)
    assert again[0].ok
    assert list((tmp_path / "cache").glob("*.xsl"))  # workers share the disk cache


def test_in_process(synthetic_kit: Path, tmp_path: Path) -> None:
    paths = write(tmp_path)
    check(validate_many(paths, workers=1, kit=synthetic_kit, cache_dir=tmp_path / "c"), paths)
