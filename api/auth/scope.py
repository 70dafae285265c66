"""PURE: what a caller may read of work orders, the one rule every read route and export asks.

- the public (no key) and vehicle keys: no work-order field anywhere (status, priority, category, due
  time, score and its terms, assignee), only the potholes themselves;
- crews: the orders assigned to their own crew (queue, order, history, repair photos), or every crew's
  when a manager granted it (`sees_all_orders` in the roster);
- managers and admins: every order.
"""

from __future__ import annotations

from api.auth.service import Principal
from api.auth.tables import Role
from api.errors import ForbiddenError

__all__ = [
    "STAFF_ROLES",
    "check_moves_order",
    "check_sees_order",
    "queue_crew",
    "sees_every_order",
    "sees_order",
    "sees_work_orders",
]

STAFF_ROLES = frozenset({Role.CREW, Role.MANAGER, Role.ADMIN})


def sees_work_orders(principal: Principal | None) -> bool:
    """Whether any work-order field may be shown at all (some orders may still be another crew's)."""
    return principal is not None and principal.role in STAFF_ROLES


def sees_every_order(principal: Principal | None) -> bool:
    if principal is None:
        return False
    return principal.role in (Role.MANAGER, Role.ADMIN) or (
        principal.role == Role.CREW and principal.sees_all_orders
    )


def sees_order(principal: Principal | None, assignee: str | None) -> bool:
    """One order, by its assignee: a crew sees its own (an unassigned order is nobody's)."""
    if sees_every_order(principal):
        return True
    return principal is not None and principal.role == Role.CREW and assignee == principal.name


def check_sees_order(principal: Principal, assignee: str | None, work_order_id: int) -> None:
    """403 for a crew reading an order that is not its own (without naming whose it is)."""
    if not sees_order(principal, assignee):
        raise ForbiddenError(f"work_order_id={work_order_id}: not assigned to crew '{principal.name}'")


def check_moves_order(principal: Principal, assignee: str | None, work_order_id: int) -> None:
    """403 for a crew changing an order that is not its own: a grant to read every crew's orders does not
    let it move them. The text says what a crew may do and, like a read's, never names the assignee."""
    if principal.role == Role.CREW and assignee != principal.name:
        raise ForbiddenError(
            f"work_order_id={work_order_id}: a crew may change only the orders assigned to it, "
            f"and this one is not assigned to crew '{principal.name}'"
        )


def queue_crew(principal: Principal, crew: str | None) -> str | None:
    """The crew whose queue a caller reads: a crew its own (asking for another is a 403) unless granted
    every crew's; managers and admins any (None: every crew's and the unassigned)."""
    if principal.role != Role.CREW or principal.sees_all_orders:
        return crew
    if crew not in (None, principal.name):
        raise ForbiddenError(f"crew: crew '{principal.name}' reads only its own queue")
    return principal.name
