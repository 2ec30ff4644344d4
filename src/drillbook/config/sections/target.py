"""``[target]``, ``[safety]`` and ``[auth]``: what is drilled, whether it may be changed, and its credentials."""

from __future__ import annotations

from drillbook.config.model import Flag, Reference, Section, Text, Url, choice, setting

TIERS = ("local", "staging", "production")


class TargetSection(Section):
    """The target: its tier and address. The tier decides what may run there."""

    tier: choice(*TIERS) = setting(..., '"staging"', "local (loopback and the sandbox only), staging or production")
    base_url: Url = setting(..., '"https://api-staging.castiel.com"',
                            'the API\'s address, or "sandbox" for the embedded local sandbox')
    description: Text | None = setting(None, '"Castiel staging"', "what this target is, for people reading the file")
    name: Text | None = setting(None, '"canary"', "the environment's name in the record; default: the file's stem")


class SafetySection(Section):
    """Whether destructive drills (faults, load, writes) may run on this target at all."""

    allow_destructive: Flag | None = setting(
        None, "false", "destructive drills may run here; default: true on the local tier, false elsewhere "
                       "(production also needs --approve)")


class AuthSection(Section):
    """Credentials the drills send, always as references to where the secret lives."""

    admin_token: Reference | None = setting(None, '{ env = "CASTIEL_ADMIN_TOKEN" }',
                                            "the admin endpoints' bearer token; unset: admin checks skip")
