"""Where the shared real sample files are: ../shared/samples beside the repository.

CI clones the repository with shared/ beside it; CRM_SAMPLES_DIR overrides the place.
The samples hold real public records with personal data, so they are read from there
and never copied into the repository.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("CRM_SAMPLES_DIR") or ROOT.parent / "shared" / "samples")


def samples_required(path: Path):
    """Skip where the shared samples are not beside the repository, except in CI, where it fails."""
    import pytest

    if path.exists():
        return pytest.mark.skipif(False, reason="shared samples are present")
    if os.environ.get("CI"):
        raise RuntimeError(f"shared samples not found at {path}")
    return pytest.mark.skip(reason=f"shared samples not found at {path}")
