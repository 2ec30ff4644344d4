"""The server's side of a load drill: what it says when it cannot be read, or is read late, and the p95 gap."""

import time

from drillbook import runbook
from drillbook.config.environments import load_environment
from drillbook.load._server import ServerSide, gap_line
from drillbook.load._settings import LoadOptions, settings_from


def test_a_probe_source_is_not_taken_for_the_server(env_file):
    server = ServerSide(load_environment(path=env_file()))
    server.name = "probe"  # as [metrics] source = "probe" names it
    server.open(started=0.0)
    assert server.notes() == ["server side: [metrics] source = probe measures drillbook's own probe, not the "
                              "server: not read"]


def test_azure_monitor_read_late_is_said(env_file):
    env = load_environment(path=env_file('\n[azure]\ningestion_lag_s = 150\n'))
    server = ServerSide(env)
    server.name = "azure-monitor"  # as [metrics] source = "azure-monitor" names it (not opened: no Azure here)
    assert server.notes() == ["server side: read 150 s late ([azure] ingestion_lag_s), so its windows trail the "
                              "client's and a short drill's last intervals are judged on the client side only"]


def test_a_client_p95_far_above_the_servers_is_called_out():
    assert gap_line(240.0, 45.0) == ("p95 over the run: client 240 ms, server 45 ms: the client waited 195 ms more "
                                     "-> look for queueing in front of the app or a saturated load generator")
    assert gap_line(64.0, 46.0) == "p95 over the run: client 64 ms, server 46 ms"
    assert gap_line(None, 46.0) is None


def test_an_interval_is_read_only_once_the_ingestion_lag_has_passed(env_file, sandbox):
    env = load_environment(path=env_file('\n[azure]\ningestion_lag_s = 1.5\n', base_url=sandbox.url))
    settings = settings_from(LoadOptions(None, None, None, None, None, None), env.config.load,
                             allow_inconclusive=False)
    server = ServerSide(env)
    server.open(time.time())
    server.name = "azure-monitor"  # read late as Azure Monitor is; the sandbox's scrape stands in for its answers
    try:
        server.start_judging(runbook.threshold, settings, run_start=time.time())
        ended = time.time()
        server.complete(ended)
        server.read_due()
        assert server.readings == [], "an interval Azure Monitor has not ingested yet is not read"
        time.sleep(max(0.0, ended + 1.5 - time.time()) + 0.05)
        server.read_due()
        assert len(server.readings) == 1 and server.errors == []
    finally:
        server.close()
