"""Pieces of the ``azure-monitor`` source; :mod:`drillbook.metrics.azure_monitor` assembles them.

    _settings   resource ids and endpoints from ``[azure]`` (no SDK import)
    _kql        the request query and the parsing of its table (no SDK import)
    _gauges     the infrastructure metrics and their parsing
    _clients    the SDK clients, under the bounds of clients.azure
    _failures   what each call asks of Azure (its role, its fixes), for clients.azure's one line; partial results

Nothing here is imported unless an environment chooses ``source = "azure-monitor"``.
"""
