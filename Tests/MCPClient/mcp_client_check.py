"""Drives `nekoctl mcp` with the official Python MCP client (PyPI `mcp`).

Run by Tests/NekoMCPTests/PythonClientTests.swift with the virtual
environment's python (.build/mcp-venv, made by `make mcp-venv`):

    python mcp_client_check.py NEKOCTL PLUGINS in-process
    python mcp_client_check.py NEKOCTL PLUGINS attached
    python mcp_client_check.py NEKOCTL PLUGINS serve-dies
    python mcp_client_check.py NEKOCTL PLUGINS raw
    python mcp_client_check.py NEKOCTL PLUGINS figures [N]

PLUGINS is a plugin root holding hello and cgreet (hello's plugin.toml with
`[plugin.mcp] hide = ["fail"]`, made by the Swift test). Each check prints
`ok: ...`; the first failure prints `FAIL: ...` and exits 1. Nothing sleeps:
every wait is for an event (a response, a notification, a log line), bounded
only so that a hang fails instead of blocking.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import jsonschema
import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

BOUND = 60  # seconds: a wait that takes longer is a hang


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def ok(message):
    print(f"ok: {message}", flush=True)


def check(condition, message):
    if not condition:
        fail(message)
    ok(message)


class Notifications:
    """Collects the server's notifications; lets a check wait for one."""

    def __init__(self):
        self.changed = asyncio.Event()
        self.logs = []
        self.logged = asyncio.Event()
        self.emitted = asyncio.Event()

    async def log(self, params):
        self.logs.append(params)
        data = params.data if isinstance(params.data, dict) else {}
        if "message" in data:
            self.logged.set()
        if data.get("topic") == "cgreet.logged":
            self.emitted.set()

    async def __call__(self, message):
        if isinstance(message, types.ServerNotification):
            if isinstance(message.root, types.ToolListChangedNotification):
                self.changed.set()


def server(nekoctl, args, socket):
    env = dict(os.environ, NEKO_SOCKET=socket, SWIFT_BACKTRACE="enable=no")
    return StdioServerParameters(command=nekoctl, args=args, env=env)


async def basic_checks(session, notifications, mode):
    init_tools = await session.list_tools()
    tools = {tool.name: tool for tool in init_tools.tools}
    check("hello__greet" in tools and "cgreet__greet" in tools, f"{mode}: tools/list has hello__greet and cgreet__greet ({len(tools)} tools)")
    check("hello__fail" not in tools, f"{mode}: hello__fail is left out by [plugin.mcp] hide")
    for tool in tools.values():
        jsonschema.Draft202012Validator.check_schema(tool.inputSchema)
        if tool.inputSchema.get("type") != "object":
            fail(f"{tool.name}: inputSchema type is {tool.inputSchema.get('type')}, not object")
        if tool.outputSchema is not None:
            jsonschema.Draft202012Validator.check_schema(tool.outputSchema)
            if tool.outputSchema.get("type") != "object":
                fail(f"{tool.name}: outputSchema type is {tool.outputSchema.get('type')}, not object")
    ok(f"{mode}: every inputSchema and outputSchema is a valid JSON Schema of an object")
    add = tools["hello__add"]
    check(add.annotations is not None and add.annotations.readOnlyHint is True and add.annotations.idempotentHint is True,
          f"{mode}: hello__add has readOnlyHint and idempotentHint")
    check(tools["hello__greet"].annotations is None or tools["hello__greet"].annotations.readOnlyHint is None,
          f"{mode}: hello__greet claims no readOnlyHint")

    result = await session.call_tool("hello__greet", {"name": "Ada"})
    check(not result.isError and "Hello, Ada!" in result.content[0].text, f"{mode}: hello__greet answers {result.content[0].text}")
    if tools["hello__greet"].outputSchema is not None:
        check(result.structuredContent is not None, f"{mode}: hello__greet has structuredContent")

    wrong = await session.call_tool("hello__greet", {"name": 42})
    check(wrong.isError and "invalid_argument" in wrong.content[0].text and "name" in wrong.content[0].text,
          f"{mode}: a wrong-typed argument is an error result naming the field: {wrong.content[0].text}")
    missing = await session.call_tool("hello__greet", {})
    check(missing.isError and "name" in missing.content[0].text,
          f"{mode}: a missing argument is an error result naming the field: {missing.content[0].text}")
    try:
        await session.call_tool("hello__nope", {})
        fail(f"{mode}: an unknown tool must be a JSON-RPC error")
    except Exception as error:  # McpError
        ok(f"{mode}: an unknown tool is a JSON-RPC error: {error}")
    after = await session.call_tool("hello__add", {"a": 2, "b": 40.5})
    check(not after.isError and "42.5" in after.content[0].text, f"{mode}: the session is still usable: hello__add answers {after.content[0].text}")

    reports = []

    async def progress(done, total, message):
        reports.append((done, total, message))

    counted = await session.call_tool("hello__count", {"to": 3}, progress_callback=progress)
    check(not counted.isError and len(reports) == 3 and reports[-1][0] == 3,
          f"{mode}: hello__count sends 3 progress notifications: {reports}")


async def cancel_check(session, mode):
    """Cancels a slow call (hello__sleep) once the plugin reported it began."""
    began = asyncio.Event()

    async def progress(done, total, message):
        began.set()

    request_id = session._request_id  # the id the next request gets
    call = asyncio.create_task(session.call_tool("hello__sleep", {"ms": 600000}, progress_callback=progress))
    await asyncio.wait_for(began.wait(), BOUND)
    await session.send_notification(types.ClientNotification(types.CancelledNotification(
        method="notifications/cancelled", params=types.CancelledNotificationParams(requestId=request_id, reason="test"))))
    # The server answers later requests; the canceled one gets no answer (MCP).
    pong = await session.call_tool("hello__ping", {})
    check(not pong.isError, f"{mode}: after notifications/cancelled the session answers hello__ping")
    done, _ = await asyncio.wait({call}, timeout=0)
    check(not done, f"{mode}: the canceled call got no answer")
    call.cancel()


async def logging_check(session, notifications, mode):
    """A plugin's log lines at the level the client sets; its emitted messages as info lines."""
    await session.set_logging_level("warning")
    await session.call_tool("cgreet__log", {"marker": "below"})  # an info line: not forwarded
    await session.set_logging_level("info")
    notifications.logged.clear()
    await session.call_tool("cgreet__log", {"marker": "above"})
    await asyncio.wait_for(notifications.logged.wait(), BOUND)
    lines = [entry for entry in notifications.logs if isinstance(entry.data, dict) and "message" in entry.data]
    check(lines[0].logger == "cgreet" and lines[0].level == "info" and "above" in lines[0].data["message"]
          and not any("below" in entry.data["message"] for entry in lines),
          f"{mode}: cgreet's log line comes as notifications/message at the level set, not below it: {lines[0].data}")
    await asyncio.wait_for(notifications.emitted.wait(), BOUND)
    ok(f"{mode}: cgreet's emitted message comes as notifications/message (topic cgreet.logged)")


async def attached_logging_check(session, notifications, nekoctl, socket):
    """As logging_check, through the serve's watch stream; a reload's list_changed (the same stream,
    later) shows the line below the level was handled before the level goes down."""
    await session.set_logging_level("warning")
    await session.call_tool("cgreet__log", {"marker": "below"})  # an info line: not forwarded
    notifications.changed.clear()
    reload = subprocess.run([nekoctl, "reload", "hello", "--socket", socket], capture_output=True, text=True)
    check(reload.returncode == 0, f"attached: nekoctl reload hello: {reload.stdout.strip()}")
    await asyncio.wait_for(notifications.changed.wait(), BOUND)
    await session.set_logging_level("info")
    notifications.logged.clear()
    await session.call_tool("cgreet__log", {"marker": "above"})
    await asyncio.wait_for(notifications.logged.wait(), BOUND)
    lines = [entry for entry in notifications.logs if isinstance(entry.data, dict) and "message" in entry.data
             and entry.logger == "cgreet"]
    check(lines and lines[0].level == "info" and "above" in lines[0].data["message"]
          and not any("below" in entry.data["message"] for entry in lines),
          f"attached: cgreet's log line comes as notifications/message at the level set, not below it: {lines[:1]}")
    await asyncio.wait_for(notifications.emitted.wait(), BOUND)
    ok("attached: cgreet's emitted message comes as notifications/message (topic cgreet.logged)")


def serve_dies(nekoctl, plugins):
    """An attached nekoctl mcp exits (non-zero, naming the socket) when its serve goes away (SIGTERM:
    the serve answers the watch request and exits; the mcp waits for nothing else)."""
    socket = os.path.join(tempfile.mkdtemp(), "serve.sock")
    serve = start_serve(nekoctl, plugins, socket)
    process = subprocess.Popen(
        [nekoctl, "mcp", "--socket", socket], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(os.environ, NEKO_SOCKET=socket, SWIFT_BACKTRACE="enable=no"), text=True, bufsize=1)
    try:
        process.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}) + "\n")
        process.stdin.flush()
        check(json.loads(process.stdout.readline()).get("id") == 1, "serve-dies: initialize answered (attached)")
        serve.terminate()
        serve.wait()
        status = process.wait(timeout=BOUND)
        stderr = process.stderr.read()
        check(status != 0 and socket in stderr,
              f"serve-dies: nekoctl mcp exits {status} when its serve goes away, naming the socket: {stderr.strip().splitlines()[-1:]}")
    finally:
        if process.poll() is None:
            process.kill()
        if serve.poll() is None:
            serve.kill()


async def run_session(nekoctl, args, socket, mode, body):
    notifications = Notifications()
    async with stdio_client(server(nekoctl, args, socket)) as (read, write):
        async with ClientSession(read, write, message_handler=notifications, logging_callback=notifications.log,
                                 read_timeout_seconds=timedelta(seconds=BOUND)) as session:
            init = await session.initialize()
            check(init.capabilities.tools is not None and init.capabilities.tools.listChanged is True,
                  f"{mode}: the server says tools.listChanged: true")
            await body(session, notifications)


def start_serve(nekoctl, plugins, socket):
    """Starts `nekoctl serve --watch`; returns once it says it listens."""
    serve = subprocess.Popen(
        [nekoctl, "serve", "--dir", plugins, "--socket", socket],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
    for line in serve.stderr:
        if "listening on" in line:
            return serve
    fail(f"nekoctl serve ended before listening (exit {serve.wait()})")


async def in_process(nekoctl, plugins):
    socket = os.path.join(tempfile.mkdtemp(), "none.sock")  # nobody listens: in-process

    async def body(session, notifications):
        await basic_checks(session, notifications, "in-process")
        await cancel_check(session, "in-process")
        await logging_check(session, notifications, "in-process")

    await run_session(nekoctl, ["mcp", "--dir", plugins], socket, "in-process", body)
    await run_session(nekoctl, ["mcp", "--dir", plugins, "--all", "--only", "hello"], socket, "in-process --all --only hello",
                      only_and_all)


async def only_and_all(session, notifications):
    names = {tool.name for tool in (await session.list_tools()).tools}
    check("hello__fail" in names and not any(name.startswith("cgreet__") for name in names),
          "--all serves hello__fail; --only hello serves no cgreet tool")


async def attached(nekoctl, plugins):
    socket = os.path.join(tempfile.mkdtemp(), "serve.sock")
    serve = start_serve(nekoctl, plugins, socket)
    try:
        async def body(session, notifications):
            await basic_checks(session, notifications, "attached")
            await cancel_check(session, "attached")
            notifications.changed.clear()
            reload = subprocess.run([nekoctl, "reload", "hello", "--socket", socket], capture_output=True, text=True)
            check(reload.returncode == 0, f"attached: nekoctl reload hello: {reload.stdout.strip()}")
            await asyncio.wait_for(notifications.changed.wait(), BOUND)
            ok("attached: notifications/tools/list_changed after the reload")
            names = {tool.name for tool in (await session.list_tools()).tools}
            check("hello__greet" in names, "attached: tools/list after the reload still has hello__greet")
            await attached_logging_check(session, notifications, nekoctl, socket)

        await run_session(nekoctl, ["mcp", "--socket", socket], socket, "attached", body)
    finally:
        serve.terminate()
        serve.wait()


def raw(nekoctl, plugins):
    """Malformed JSON-RPC on the wire: each gets a JSON-RPC error, and the server goes on."""
    socket = os.path.join(tempfile.mkdtemp(), "none.sock")
    process = subprocess.Popen(
        [nekoctl, "mcp", "--dir", plugins], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=dict(os.environ, NEKO_SOCKET=socket), text=True, bufsize=1)

    def send(line):
        process.stdin.write(line + "\n")
        process.stdin.flush()

    def receive():
        line = process.stdout.readline()
        if not line:
            fail("nekoctl mcp closed its output")
        return json.loads(line)

    send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}))
    check(receive().get("id") == 1, "raw: initialize answered")
    send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    send("{this is not json")
    answer = receive()
    check("error" in answer and answer["error"]["code"] == -32700, f"raw: a line that is not JSON gets a parse error: {answer['error']}")
    send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "no/such/method"}))
    answer = receive()
    check(answer.get("id") == 2 and answer["error"]["code"] == -32601, f"raw: an unknown method gets method-not-found: {answer['error']}")
    send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "hello__nope"}}))
    answer = receive()
    check(answer.get("id") == 3 and answer["error"]["code"] == -32602, f"raw: an unknown tool gets invalid params: {answer['error']['message']}")
    send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"arguments": {}}}))
    answer = receive()
    check(answer.get("id") == 4 and "error" in answer, f"raw: a tools/call without a name gets an error: {answer['error']}")
    send(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "hello__ping", "arguments": {}}}))
    answer = receive()
    check(answer.get("id") == 5 and answer["result"].get("isError") is not True, "raw: the server still serves: hello__ping answered")
    process.stdin.close()
    check(process.wait(timeout=BOUND) == 0, "raw: nekoctl mcp exits 0 when its input closes")


async def figures(nekoctl, plugins, count):
    """Median tools/list and tools/call round trips, in-process and attached (rough: a busy machine)."""
    async def measure(args, socket, mode):
        async def body(session, notifications):
            lists, calls = [], []
            for _ in range(count):
                start = time.perf_counter()
                await session.list_tools()
                lists.append(time.perf_counter() - start)
            for _ in range(count):
                start = time.perf_counter()
                await session.call_tool("hello__greet", {"name": "Ada"})
                calls.append(time.perf_counter() - start)
            print(f"figure: {mode}: tools/list median {statistics.median(lists) * 1000:.3f} ms, "
                  f"tools/call hello__greet median {statistics.median(calls) * 1000:.3f} ms (N={count})", flush=True)
        start = time.perf_counter()
        await run_session(nekoctl, args, socket, mode, body)

    none = os.path.join(tempfile.mkdtemp(), "none.sock")
    await measure(["mcp", "--dir", plugins], none, "in-process")
    socket = os.path.join(tempfile.mkdtemp(), "serve.sock")
    serve = start_serve(nekoctl, plugins, socket)
    try:
        await measure(["mcp", "--socket", socket], socket, "attached")
    finally:
        serve.terminate()
        serve.wait()


def main():
    if len(sys.argv) < 4:
        fail("usage: mcp_client_check.py NEKOCTL PLUGINS in-process|attached|serve-dies|raw|figures [N]")
    nekoctl, plugins, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "in-process":
        asyncio.run(in_process(nekoctl, plugins))
    elif mode == "attached":
        asyncio.run(attached(nekoctl, plugins))
    elif mode == "serve-dies":
        serve_dies(nekoctl, plugins)
    elif mode == "raw":
        raw(nekoctl, plugins)
    elif mode == "figures":
        asyncio.run(figures(nekoctl, plugins, int(sys.argv[4]) if len(sys.argv) > 4 else 200))
    else:
        fail(f"unknown mode {mode}")
    print("all checks passed", flush=True)


if __name__ == "__main__":
    main()
