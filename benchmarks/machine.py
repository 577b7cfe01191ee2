"""When and on what a benchmark table was measured.

The project's 2-core machines have differed three times over in speed, so seconds are only
comparable within one table, and every table says which machine measured it.
"""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The processor's name as the kernel reports it (platform.processor() is often blank on
    Linux)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict:
    """The date, processor, core count, architecture and Python of this run, for the JSON."""
    return {"date": datetime.date.today().isoformat(), "cpu": cpu_model(),
            "cpus": os.cpu_count(), "machine": platform.machine(),
            "python": platform.python_version()}


def machine_markdown(about: dict) -> str:
    """The line that heads a markdown table."""
    return (f"Measured {about['date']} on {about['cpu']} ({about['cpus']} CPUs, "
            f"{about['machine']}), Python {about['python']}.\n")
