"""Pieces of the ``azure-monitor`` source; :mod:`drillbook.metrics.azure_monitor` assembles them.

    _settings   resource ids and endpoints from ``[azure]`` (no SDK import)
    _kql        the request query and the parsing of its table (no SDK import)
    _gauges     the infrastructure metrics and their parsing
    _clients    the SDK clients: credential, bounded retry, timeouts
    _failures   SDK exceptions -> one-line MetricsError that says what to fix

Nothing here is imported unless an environment chooses ``source = "azure-monitor"``.
"""
