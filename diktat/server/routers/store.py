"""The operator's view of the store: GET /api/store/inventory — every dictation, note and
waiting upload with its state, age, size and when retention deletes it, never its content or
owner (what `diktat store list` prints). Only the operator role; audited as `store.listed`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from diktat.server.deps import PrincipalDep, ServicesDep
from diktat.server.schemas import InventoryItem
from diktat.store.retention import deletes_at, inventory

router = APIRouter(prefix="/api/store")

OPERATORS_ONLY = ("Lageroversikten er for driftsrollen. / The store inventory is for the "
                  "operator role.")


@router.get("/inventory")
async def store_inventory(services: ServicesDep, principal: PrincipalDep
                          ) -> list[InventoryItem]:
    if principal.role != "operator":
        raise HTTPException(403, OPERATORS_ONLY)

    def listed() -> list[InventoryItem]:
        items = inventory(services.settings, services.keys)
        services.audit.record("store.listed", actor=principal.actor, role=principal.role,
                              count=len(items))
        found = []
        for item in items:
            when = deletes_at(item, services.settings.retention)
            found.append(InventoryItem(
                id=item.id, kind=item.kind, state=item.state,
                changed_at=item.changed_at.isoformat(timespec="seconds"),
                size_bytes=item.size_bytes,
                deletes_at=when[1].isoformat(timespec="seconds") if when else None,
                rule=when[0] if when else None))
        return found

    return await run_in_threadpool(listed)
