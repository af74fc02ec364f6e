import fcntl
from pathlib import Path

import pytest

from infra.build import ROOT, build


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`chalice package` for the prod stage, as `make package` builds it: sam.json beside deployment.zip."""
    # one package build at a time: test workers share the project's .chalice cache and policy files, and two
    # builds after a source change once failed each other's setup
    lock = ROOT / "build" / ".package.lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        return build("prod", tmp_path_factory.mktemp("prod"))
