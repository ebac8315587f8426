"""Where the shared real sample files are: ../shared/samples beside the repository.

CI clones the repository with shared/ beside it; CRM_SAMPLES_DIR overrides the place.
The samples hold real public records with personal data, so they are read from there
and never copied into the repository.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("CRM_SAMPLES_DIR") or ROOT.parent / "shared" / "samples")
