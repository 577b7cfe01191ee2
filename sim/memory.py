"""How the process gets its memory: set on importing `sim`, before numpy is imported.

A run makes and drops many full-size arrays (a column of a month's parcels is 20-40 MB).
By default glibc's malloc maps each one fresh from the kernel and gives it back when freed,
so every one is paid for again in page faults: about 390,000 for a month of Kaifeng, 0.75 s
of system time. Taken from the heap instead and kept there when freed (up to `TRIM_BYTES`
at its top: giving memory back and faulting it in again is what costs), they are faulted in
once and then reused: about 250,000 faults and 0.25 s less a month, for 4% more peak
memory.

numpy advises the kernel to back arrays of 4 MB and more with transparent huge pages. A run
writes each of its big arrays once, so huge pages save it little, and where the kernel
compacts memory to find them (defrag "madvise", the common default) they cost a month about
0.6 s more. (On a machine three times slower, with the same kernel settings, they made no
difference beyond the noise.)

Settings in the environment win: NUMPY_MADVISE_HUGEPAGE=1 keeps huge pages, and any MALLOC_*
variable or GLIBC_TUNABLES leaves malloc as the environment set it.
"""

from __future__ import annotations

import ctypes
import os

MMAP_THRESHOLD_BYTES = 1 << 30  # allocations below this come from the heap
TRIM_BYTES = 1 << 30  # free memory kept at the heap's top
TOP_PAD_BYTES = 64 << 20  # the heap grows by at least this much at a time
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt options


def configure() -> None:
    """numpy without huge-page advice and glibc's malloc keeping big blocks, unless the
    environment says otherwise."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if "GLIBC_TUNABLES" in os.environ or any(key.startswith("MALLOC_") for key in os.environ):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: its allocator keeps its own ways
        return
    for option, value in ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
                          (_M_TRIM_THRESHOLD, TRIM_BYTES), (_M_TOP_PAD, TOP_PAD_BYTES)):
        mallopt(option, ctypes.c_int(value))
