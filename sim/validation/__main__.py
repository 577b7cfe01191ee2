"""`python -m sim.validation [PATH]`: run every check and write the validation report."""

import sys
from pathlib import Path

from sim.validation.report import write

target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs") / "validation.md"
checks = write(target)
failed = [c for c in checks if not c.passed]
print(f"{target}: {len(checks) - len(failed)} of {len(checks)} checks pass")
sys.exit(1 if failed else 0)
