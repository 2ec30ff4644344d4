"""A DRILLBOOK_SANDBOX_URL that nothing answers at is named once, not reported as nine unreachable targets."""

import socket


def test_a_stale_sandbox_url_is_named_with_the_fix(run_drill):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run_drill("-m", "smoke", environ={"DRILLBOOK_SANDBOX_URL": url})
    assert result.ret == 4  # a usage error, refused before any drill
    assert result.stderr.lines == [f"ERROR: DRILLBOOK_SANDBOX_URL={url}: nothing answers there (Connection refused) "
                                   "-> unset DRILLBOOK_SANDBOX_URL to start a fresh sandbox, or start one with "
                                   "python -m sandbox", ""]
    assert "Exit" not in result.stdout.str() and "unreachable" not in result.stdout.str()
