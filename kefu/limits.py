"""Bound what the API takes, so a value the database cannot hold is a 422 with its reason, never a 500.

Row ids are 32-bit integers (INTEGER primary keys: PostgreSQL casts every id it is given to that type); a number
past that can name no row, and handed to the database it fails with an overflow instead of "not found". Route
parameters, queries and request bodies use these types (and MAX_ID in `Query(le=...)`) rather than a bare `int`;
tests/integration/test_fuzz_api.py proves with schemathesis that no input gets a 5xx.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import StringConstraints

MAX_ID = 2**31 - 1

# A row's id: 1 or more.
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# Money in cents and stock counts are 32-bit integer columns (PostgreSQL INTEGER): ¥21,474,836.47 at most.
MAX_CENTS = 2**31 - 1
# A web address kefu stores and shows as a link or an image: http(s), a host, no spaces.
LINK_PATTERN = r"https?://[^\s/?#@]+(?:[/?#]\S*)?"
Link = Annotated[str, StringConstraints(max_length=500, pattern=f"^{LINK_PATTERN}$")]
