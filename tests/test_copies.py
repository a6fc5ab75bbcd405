"""The project's own copies of the seed page text and the spec match ../shared byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, SEED_SPEC, SEED_TEXT

SHARED = REPO.parent / "shared"


@pytest.mark.parametrize(("copy", "original"), [
    (SEED_TEXT, Path("seed/000_7a121beb77ee4d36.txt")),
    (SEED_SPEC, Path("spec/seed-article.json")),
])
def test_copy_is_byte_identical_to_shared(copy: Path, original: Path) -> None:
    assert copy.is_file(), f"{copy} is missing: the tests need their own copy"
    if not (SHARED / original).is_file():
        pytest.skip("../shared is not beside this clone")
    assert copy.read_bytes() == (SHARED / original).read_bytes()
