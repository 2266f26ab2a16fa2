#!/usr/bin/env python3
"""MCP figures for `make bench`: the official Python MCP client calls
`greet` through `nekoctl mcp` (hello's entry) and through a FastMCP server
(Python, from the same `mcp` package) with the same tool, in the same run:
sequential call latency (p50, p99), calls per second, and the time from
starting the server to its tool list answered.

Usage: figures.py NEKOCTL PLUGINS_DIR   (run with the venv's python: make mcp-venv)
NEKO_BENCH_CALLS (default 2000) calls per server, NEKO_BENCH_ROUNDS (default 5) starts."""
import asyncio, os, statistics, sys, tempfile, time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

nekoctl, plugins = sys.argv[1], sys.argv[2]
calls = int(os.environ.get("NEKO_BENCH_CALLS", "2000"))
rounds = int(os.environ.get("NEKO_BENCH_ROUNDS", "5"))
# The servers' own stderr (FastMCP logs each request) is not the figures.
QUIET = open(os.devnull, "w")

FASTMCP_PEER = '''
from mcp.server.fastmcp import FastMCP
server = FastMCP("peer")

@server.tool()
def greet(name: str, excited: bool = False) -> dict:
    """Greets `name`."""
    if not name:
        raise ValueError("name must not be empty")
    return {"greeting": f"Hello, {name}{'!!' if excited else '!'}"}

server.run()
'''


async def start_to_list(params):
    start = time.perf_counter()
    async with stdio_client(params, errlog=QUIET) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            return time.perf_counter() - start


async def call_loop(params, tool):
    async with stdio_client(params, errlog=QUIET) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            arguments = {"name": "bench"}
            for _ in range(calls // 10):  # warm up
                await session.call_tool(tool, arguments)
            latencies = []
            begin = time.perf_counter()
            for _ in range(calls):
                start = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                latencies.append(time.perf_counter() - start)
                if result.isError:
                    raise SystemExit(f"{tool}: an error result: {result.content}")
            return latencies, calls / (time.perf_counter() - begin)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def main():
    with tempfile.TemporaryDirectory() as work:
        peer = os.path.join(work, "fastmcp_peer.py")
        with open(peer, "w") as file:
            file.write(FASTMCP_PEER)
        servers = [
            ("nekoctl mcp (in-process host)", StdioServerParameters(command=nekoctl, args=["mcp", "--dir", plugins, "--only", "hello", "-q"]), "hello__greet"),
            ("FastMCP (Python peer)", StdioServerParameters(command=sys.executable, args=[peer]), "greet"),
        ]
        results = {}
        for name, params, tool in servers:
            starts = [await start_to_list(params) for _ in range(rounds)]
            latencies, rate = await call_loop(params, tool)
            results[name] = (statistics.median(starts), percentile(latencies, 0.5), percentile(latencies, 0.99), rate)
        print(f"MCP: the official Python client, {calls} sequential greet calls each, {rounds} starts (medians)")
        print(f"  {'server':32} {'start->tools/list':>18} {'p50':>9} {'p99':>9} {'calls/s':>9}")
        for name, (start, p50, p99, rate) in results.items():
            print(f"  {name:32} {start * 1000:15.1f} ms {p50 * 1e6:6.0f} µs {p99 * 1e6:6.0f} µs {rate:9.0f}")
        neko, peer_figures = results[servers[0][0]], results[servers[1][0]]
        print(f"  nekoctl mcp / FastMCP: p50 {neko[1] / peer_figures[1]:.2f}x, calls/s {neko[3] / peer_figures[3]:.2f}x, start {neko[0] / peer_figures[0]:.2f}x (goal: faster than FastMCP)")


asyncio.run(main())
