"""Deployment slots: the swap control and the app settings' names, on the sandbox or on App Service.

>>> slots = open_slots(env)
>>> slots.swap()                       # staging <-> production, returns when the control says done
>>> slots.setting_names()              # names only; App Service values are dropped on arrival
>>> aim_at_slot(env, "staging").base_url   # --slot staging: [slots] slot_url, the slot's own address
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import httpx

from drillbook.clients.azure import arm_call, azure_errors, management_client
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError, TargetError

FAULT_TOKEN_VAR = "SANDBOX_FAULT_TOKEN"
SANDBOX_SLOT_PATH = "/_sandbox/slots/{slot}"
SWAP_MARGIN_S = 30.0


class Slots(Protocol):
    settings_source: str
    swap_source: str

    def swap(self) -> None: ...

    def setting_names(self) -> list[str]: ...

    def set_setting(self, name: str, value: str) -> None: ...

    def remove_setting(self, name: str) -> None: ...

    def restart(self) -> None: ...


def open_slots(env: Environment, **azure_options: Any) -> Slots:
    """The sandbox's control on the local tier, App Service (azure-mgmt-web) elsewhere."""
    if env.tier == "local":
        return SandboxSlots(env.base_url, os.environ.get(FAULT_TOKEN_VAR, ""),
                            timeout_s=env.config.slots.swap_objective_s + SWAP_MARGIN_S)
    return AppServiceSlots(env, **azure_options)


def slot_url(env: Environment) -> str:
    """The slot's own address: ``[slots] slot_url``, or the sandbox's route for that slot."""
    slots = env.config.slots
    if slots.slot_url:
        return slots.slot_url
    if env.tier != "local":
        raise ConfigError(f"{env.path.name}: [slots] slot_url is not set -> add the slot's own address, "
                          'e.g. slot_url = "https://app-castiel-api-prod-staging.azurewebsites.net"')
    return env.base_url + SANDBOX_SLOT_PATH.format(slot=slots.slot)


def aim_at_slot(env: Environment, slot: str | None) -> Environment:
    """``--slot NAME``: the environment aimed at that slot's own address, to smoke a deploy before the swap."""
    if slot is None:
        return env
    named = env.config.slots.slot
    if slot != named:
        raise ConfigError(f"--slot {slot}: {env.path.name} names the slot {named!r} ([slots] slot) "
                          f"-> pass --slot {named}, or set [slots] slot and slot_url for {slot!r}")
    if env.uses_sandbox:
        return env  # its slot's route is known once it runs: drill_env aims there
    return env.with_base_url(slot_url(env))


class SandboxSlots:
    """``/_sandbox/slots/swap`` and ``/_sandbox/settings`` behind X-Fault-Token."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float) -> None:
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.settings_source = f"{self.base_url}/_sandbox/settings"
        self.swap_source = f"{self.base_url}/_sandbox/slots/swap"
        self._headers = {"X-Fault-Token": token}

    def swap(self) -> None:
        self._call("POST", "/_sandbox/slots/swap")

    def setting_names(self) -> list[str]:
        return list(self._call("GET", "/_sandbox/settings")["names"])

    def set_setting(self, name: str, value: str) -> None:
        self._call("PUT", f"/_sandbox/settings/{name}", {"value": value})

    def remove_setting(self, name: str) -> None:
        self._call("DELETE", f"/_sandbox/settings/{name}")

    def restart(self) -> None:
        self._call("POST", "/_sandbox/slots/restart")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            response = httpx.request(method, self.base_url + path, json=body, headers=self._headers,
                                     timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise TargetError(f"{method} {path}: no answer from the sandbox control ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise TargetError(f"{method} {path} returned {response.status_code}: {response.text[:160]} "
                              f"(is {FAULT_TOKEN_VAR} the sandbox's fault token?)")
        return response.json()


class AppServiceSlots:
    """The App Service named in ``[azure]``, through azure-mgmt-web (imported on use)."""

    def __init__(self, env: Environment, **client_options: Any) -> None:
        azure, slots = env.config.azure, env.config.slots
        if not (azure.resource_group and azure.app_service and azure.subscription_id):
            raise ConfigError(f"{env.path.name}: [azure] needs subscription_id, resource_group and app_service "
                              "for slot swaps and app settings -> add them")
        self.resource_group, self.app, self.slot = azure.resource_group, azure.app_service, slots.slot
        self.timeout_s = slots.swap_objective_s + SWAP_MARGIN_S
        self.settings_source = f"App Service {self.app} ({self.resource_group}) application settings"
        self.swap_source = f"App Service {self.app} ({self.resource_group}) slot {self.slot}"
        self._client = _web_client(env, client_options)

    def swap(self) -> None:
        from azure.mgmt.web.models import CsmSlotEntity

        entity = CsmSlotEntity(target_slot="production", preserve_vnet=True)
        with self._asking(f"swapping slot {self.slot} of {self.app}"):
            poller = self._client.web_apps.begin_swap_slot(self.resource_group, self.app, self.slot, entity)
            poller.result(self.timeout_s)

    def setting_names(self) -> list[str]:
        with self._asking(f"listing the application settings of {self.app}"):
            settings = self._client.web_apps.list_application_settings(self.resource_group, self.app)
        return sorted((settings.properties or {}).keys())  # the values are never kept

    def set_setting(self, name: str, value: str) -> None:
        self._update_settings(lambda properties: properties.update({name: value}))

    def remove_setting(self, name: str) -> None:
        self._update_settings(lambda properties: properties.pop(name, None))

    def restart(self) -> None:
        with self._asking(f"restarting {self.app}"):
            self._client.web_apps.restart(self.resource_group, self.app)

    def _asking(self, doing: str):
        """An Azure failure of one call as a TargetError: one line that names the role to grant."""
        return azure_errors(arm_call(doing, f"Website Contributor on {self.resource_group}"))

    def _update_settings(self, change) -> None:
        """App Service replaces the whole set: read it, change one entry, write it back (values stay in memory)."""
        from azure.mgmt.web.models import StringDictionary

        with self._asking(f"changing the application settings of {self.app}"):
            properties = dict(self._client.web_apps.list_application_settings(self.resource_group, self.app)
                              .properties or {})
            change(properties)
            self._client.web_apps.update_application_settings(self.resource_group, self.app,
                                                              StringDictionary(properties=properties))


def _web_client(env: Environment, options: dict[str, Any]) -> Any:
    from drillbook.config.secrets import SecretRef, resolve_secret

    subscription = env.config.azure.subscription_id
    if isinstance(subscription, SecretRef):
        subscription = resolve_secret(subscription, where=f"{env.path.name}: [azure] subscription_id")
    return management_client("web", subscription, **options)
