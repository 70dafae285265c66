"""Optional parts that plug in without editing the backend: layers, publishing, stats, the web app.

For each package below that is importable, `create_app` calls `<package>.plugin.register(app, settings)`
(add routers) and the lifespan calls `<package>.plugin.startup(app, settings)` after the engine and the
default hooks exist (replace `app.state.enricher` / `app.state.prioritiser`). The web app's
`api.static.mount_web(app)` is called last so its catch-all mount never shadows the API.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from fastapi import FastAPI

from api.config import Settings

PLUGIN_MODULES = ("api.layers.plugin", "api.policy.plugin", "api.publish.plugin", "api.stats.plugin")

log = logging.getLogger("api.plugins")


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None  # that part is not written (or not installed): the backend runs without it
        raise


def register_plugins(app: FastAPI, settings: Settings) -> list[ModuleType]:
    loaded = [m for m in (_import(n) for n in PLUGIN_MODULES) if m is not None]
    for module in loaded:
        register = getattr(module, "register", None)
        if callable(register):
            register(app, settings)
    return loaded


def start_plugins(app: FastAPI, settings: Settings, plugins: list[ModuleType]) -> None:
    for module in plugins:
        startup = getattr(module, "startup", None)
        if callable(startup):
            startup(app, settings)
            log.info("plugin started", extra={"plugin": module.__name__})


def mount_static(app: FastAPI) -> None:
    static = _import("api.static")
    mount_web = getattr(static, "mount_web", None) if static is not None else None
    if callable(mount_web):
        mount_web(app)
