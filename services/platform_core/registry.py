"""The platform's services: where each one's class, schemas and projections live.

``mentoring run``, ``rebuild``, ``catalogue`` and the deployment tests look services up here.
A service whose module does not import (not written yet, or broken) is simply not offered;
:func:`unavailable_services` says why.

More services (a plugin, a test probe) can be added with the environment variable
``MENTORING_EXTRA_SERVICES="name=package.module:Class,other=...``.

Nothing here imports nameko or eventlet at import time: ``mentoring run-one`` must be able to
monkey-patch eventlet before anything else is loaded.
"""
from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # for annotations only: the store is imported lazily, like the Store below
    from .store import PayloadCodec

#: name -> "module:Class" of the nameko service class.
SERVICES: Dict[str, str] = {
    "registration": "services.registration.service:RegistrationService",
    "matching": "services.matching.service:MatchingService",
    "sessions": "services.sessions.service:SessionsService",
    "notifications": "services.notifications.service:NotificationsService",
}

#: Default HTTP ports (``<SERVICE>_HTTP_PORT``) and metrics ports (``<SERVICE>_METRICS_PORT``).
HTTP_PORTS: Dict[str, int] = {"registration": 8001, "matching": 8002, "sessions": 8003, "notifications": 8004}
METRICS_PORTS: Dict[str, int] = {"registration": 9101, "matching": 9102, "sessions": 9103, "notifications": 9104}


#: The package of the published event contracts (payload schemas of every published event).
CONTRACTS = "services.contracts"


class ServiceUnavailable(LookupError):
    pass


def _extra_services(environ=None) -> Dict[str, str]:
    raw = (environ if environ is not None else os.environ).get("MENTORING_EXTRA_SERVICES", "")
    extra = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, target = item.partition("=")
        if not target or ":" not in target:
            raise ValueError(f"MENTORING_EXTRA_SERVICES: {item!r} is not name=module:Class")
        extra[name.strip()] = target.strip()
    return extra


def known_services(environ=None) -> Dict[str, str]:
    """Every registered service (available or not), extras included, in a stable order."""
    return {**SERVICES, **_extra_services(environ)}


def env_prefix(name: str) -> str:
    """``registration`` -> ``REGISTRATION`` (``my-svc`` -> ``MY_SVC``) for environment variables."""
    return name.upper().replace("-", "_")


def _module_missing(exc: ModuleNotFoundError, module: str) -> bool:
    """True when ``module`` itself (or a parent package) is absent, not something it imports."""
    name = exc.name or ""
    return bool(name) and (module == name or module.startswith(name + "."))


def load_service(name: str, environ=None):
    """The service class registered as ``name``; :class:`ServiceUnavailable` says why not."""
    services = known_services(environ)
    if name not in services:
        raise ServiceUnavailable(f"unknown service {name!r}; known: {', '.join(services)}")
    module_name, _, attr = services[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if _module_missing(exc, module_name):
            raise ServiceUnavailable(f"{name}: {module_name} does not exist (not written yet)") from None
        raise ServiceUnavailable(f"{name}: {module_name} does not import: {exc!r}") from exc
    except Exception as exc:  # a bug in the module: say so, do not hide it
        raise ServiceUnavailable(f"{name}: {module_name} does not import: {exc!r}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ServiceUnavailable(f"{name}: {module_name} has no {attr}") from None


def available_services(environ=None) -> Dict[str, object]:
    """name -> service class, for every registered service whose module imports."""
    found = {}
    for name in known_services(environ):
        try:
            found[name] = load_service(name, environ)
        except ServiceUnavailable:
            continue
    return found


def unavailable_services(environ=None) -> Dict[str, str]:
    """name -> why it cannot be offered."""
    missing = {}
    for name in known_services(environ):
        try:
            load_service(name, environ)
        except ServiceUnavailable as exc:
            missing[name] = str(exc)
    return missing


def service_package(name: str, environ=None) -> str:
    """``services.registration`` for ``services.registration.service:RegistrationService``."""
    module_name = known_services(environ)[name].partition(":")[0]
    return module_name.rsplit(".", 1)[0] if "." in module_name else module_name


def import_schemas(environ=None) -> List[str]:
    """Import the published contracts (``services.contracts``) and each registered service's
    ``schemas`` module so their event types register in the catalogue; returns the names of
    the services whose schemas were imported."""
    importlib.import_module(CONTRACTS)
    imported = []
    for name in known_services(environ):
        module_name = service_package(name, environ) + ".schemas"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if _module_missing(exc, module_name):
                continue
            raise
        imported.append(name)
    return imported


def projections_of(name: str, environ=None) -> List:
    """The projections (read models) of a service.

    A service lists them in a module-level ``PROJECTIONS`` of its ``service``, ``read_model``
    or ``store`` module (or the module of its class); failing that, every module-level
    :class:`~.projection.Projection` found there."""
    from .projection import Projection

    load_service(name, environ)
    package = service_package(name, environ)
    own = known_services(environ)[name].partition(":")[0]
    modules = []
    for module_name in dict.fromkeys((f"{package}.service", f"{package}.read_model",
                                      f"{package}.store", own)):
        try:
            modules.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if not _module_missing(exc, module_name):
                raise
    for module in modules:
        listed = getattr(module, "PROJECTIONS", None)
        if listed is not None:
            return list(listed)
    found: List = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Projection) and value not in found:
                found.append(value)
    return found


def store_projections(service_cls) -> tuple:
    """The projections the ``Store`` of a service class declares (rebuilt when they change)."""
    from .dependencies import Store

    for klass in service_cls.__mro__:
        for value in vars(klass).values():
            if isinstance(value, Store):
                return value.engine.projections
    return ()


def store_spec(service_cls) -> Tuple[tuple, Optional[Callable[[], "PayloadCodec"]]]:
    """``(read_models, codec_factory)`` of the ``Store`` a service class declares."""
    from .dependencies import Store

    for value in vars(service_cls).values():
        if isinstance(value, Store):
            return value.engine.read_models, value.engine.codec_factory
    for base in service_cls.__mro__[1:]:
        for value in vars(base).values():
            if isinstance(value, Store):
                return value.engine.read_models, value.engine.codec_factory
    raise LookupError(f"{service_cls.__name__} declares no Store")
