from pathlib import Path

import pytest

from infra.build import build


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`chalice package` for the prod stage, as `make package` builds it: sam.json beside deployment.zip."""
    return build("prod", tmp_path_factory.mktemp("prod"))
