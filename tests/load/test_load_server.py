"""The server's side of a load drill: what it says when it cannot be read, or is read late, and the p95 gap."""

from drillbook.environments import load_environment
from drillbook.load._server import ServerSide, gap_line


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
