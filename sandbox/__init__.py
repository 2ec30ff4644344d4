"""The local Castiel stand-in every drill and project test runs against.

    from sandbox import FaultControl, start_sandbox

    with start_sandbox() as sandbox:
        FaultControl(sandbox.url, sandbox.fault_token).inject("/health", status=503)

`python -m sandbox` runs it by hand. The names below load on first use, so
`python -m sandbox` does not pay for the launcher's imports before it starts
its child processes.
"""

__all__ = ["FaultControl", "SandboxError", "SandboxProcess", "start_sandbox"]


def __getattr__(name: str):
    if name in __all__:
        from sandbox import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
