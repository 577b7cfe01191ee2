"""What every scenario model shares: strictness and the common number types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Strict(BaseModel):
    """Unknown keys are errors and every value is checked, defaults included."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)
