"""A loopback HTTP target far cheaper per request than locust: one canned 200 for every request, keep-alive.

    python benchmarks/_fast_target.py      # prints the port, then serves until killed

It parses nothing but the end of each request head, so the load generator, not
the target, is what a load benchmark measures.
"""

import asyncio
import sys

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}"


class Canned(asyncio.Protocol):
    """Answers each request head (GETs without a body) as soon as its blank line arrives."""

    def connection_made(self, transport) -> None:
        self.transport, self.pending = transport, b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        heads = self.pending.count(b"\r\n\r\n")
        if heads:
            self.transport.write(ANSWER * heads)
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4:]


async def serve() -> None:
    server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    sys.exit(asyncio.run(serve()))
