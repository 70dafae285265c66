"""Who may read published data: OGC API and Open311 *reads* are public when POTHOLE_PUBLIC_READ is true.

A key, when sent, must still be valid (a wrong key is 401 even on a public endpoint, so a client never
silently loses its privileges) and a working key (a metrics key is 403: it reads /metrics only). Writes
always need a key; photos are never published.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security

from api.auth.deps import WORKING_ROLES, api_key_header, check_role, current_principal
from api.auth.service import Principal
from api.errors import AuthError
from api.services import services_of


def public_reader(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> Principal | None:
    if key:
        return check_role(current_principal(request, key), WORKING_ROLES)
    if services_of(request.app).settings.public_read:
        return None
    raise AuthError("X-API-Key: header missing (public reads are off: POTHOLE_PUBLIC_READ=false)")


PublicReader = Annotated[Principal | None, Depends(public_reader)]
