"""An independent parcel-per-process model of docs/model.md, for differential tests."""

from .model import run_reference

__all__ = ["run_reference"]
