"""The prompt queue: accepted prompts, their simulated execution, and the history.

Execution sends ComfyUI's WebSocket sequence (execution.py `execute_async`, main.py
`prompt_worker`) to the client whose id came with the prompt (to nobody for a prompt
without `client_id`), with the queue length broadcast to everyone: `status` (queued) →
`execution_start` → `execution_cached` → for each node that runs, in dependency order,
`executing` and, for an output node, `executed` → `execution_success` → `executing` with
node null → `status` (done). A node whose class, inputs and upstream nodes are unchanged
since an earlier run is cached, as in ComfyUI: it is listed in `execution_cached`, and a
cached output node reports its earlier `executed` output again.
"""

import asyncio
import json
import os
import time

from .files import Folders
from .outputs import ui_output
from .sockets import SocketHub


def now_ms() -> int:
    return int(time.time() * 1000)


class QueueItem:
    """One accepted prompt, as ComfyUI's queue tuple `(number, id, prompt, extra, outputs)`."""

    def __init__(self, number, prompt_id, prompt, extra_data, outputs):
        self.number = number
        self.prompt_id = prompt_id
        self.prompt = prompt
        self.extra_data = extra_data
        self.outputs = outputs

    def as_list(self) -> list:
        return [self.number, self.prompt_id, self.prompt, self.extra_data, self.outputs]


class PromptQueue:
    """Runs accepted prompts one at a time and keeps what a test wants to read back."""

    def __init__(self, folders: Folders, node_delay: float):
        self.folders = folders
        self.node_delay = node_delay
        self.hub = SocketHub(self.remaining)
        self.pending: list[QueueItem] = []
        self.running: QueueItem | None = None
        self.history: dict[str, dict] = {}
        self.received: list[dict] = []
        self.counter = 0
        self._cache: dict[str, dict | None] = {}
        self._wake = asyncio.Event()

    def remaining(self) -> int:
        return len(self.pending) + (1 if self.running else 0)

    def next_number(self, front: bool) -> int:
        number = self.counter
        self.counter += 1
        return -number if front else number

    async def put(self, item: QueueItem) -> None:
        """Queues an accepted prompt and tells every client the new queue length."""
        self.pending.append(item)
        self.pending.sort(key=lambda queued: queued.number)
        await self.hub.broadcast_status()
        self._wake.set()

    def reset(self) -> None:
        """Forgets received prompts, history and cached nodes (not the queue itself)."""
        self.received.clear()
        self.history.clear()
        self._cache.clear()

    async def run_forever(self) -> None:
        """The worker: takes prompts off the queue in order and runs them."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.pending:
                self.running = self.pending.pop(0)
                try:
                    await self._execute(self.running)
                finally:
                    self.running = None
                    await self.hub.broadcast_status()

    async def _execute(self, item: QueueItem) -> None:
        sid = item.extra_data.get("client_id")
        prompt_id = item.prompt_id
        messages = []

        async def send(event, data):
            if event != "executing":
                messages.append([event, data])
            if sid is not None:
                await self.hub.send(event, data, sid)

        order = _execution_order(item.prompt, item.outputs)
        signatures = {node_id: _signature(item.prompt, node_id, self.folders)
                      for node_id in order}
        cached = [node_id for node_id in order if signatures[node_id] in self._cache]
        outputs, meta = {}, {}

        await send("execution_start", {"prompt_id": prompt_id, "timestamp": now_ms()})
        await send("execution_cached",
                   {"nodes": cached, "prompt_id": prompt_id, "timestamp": now_ms()})
        for node_id in order:
            if node_id not in cached:
                await send("executing",
                           {"node": node_id, "display_node": node_id, "prompt_id": prompt_id})
                if self.node_delay:
                    await asyncio.sleep(self.node_delay)
                self._cache[signatures[node_id]] = ui_output(node_id, item.prompt,
                                                             self.folders)
            output = self._cache[signatures[node_id]]
            if output is not None:
                outputs[node_id] = output
                meta[node_id] = {"node_id": node_id, "display_node": node_id,
                                 "parent_node": None, "real_node_id": node_id}
                await send("executed", {"node": node_id, "display_node": node_id,
                                        "output": output, "prompt_id": prompt_id})
        await send("execution_success", {"prompt_id": prompt_id, "timestamp": now_ms()})
        if sid is not None:
            await self.hub.send("executing", {"node": None, "prompt_id": prompt_id}, sid)

        self.history[prompt_id] = {
            "prompt": item.as_list(),
            "outputs": outputs,
            "status": {"status_str": "success", "completed": True, "messages": messages},
            "meta": meta,
        }


def _upstream(prompt: dict, node_id: str) -> list[str]:
    return [value[0] for value in prompt[node_id]["inputs"].values()
            if isinstance(value, list) and len(value) == 2 and value[0] in prompt]


def _execution_order(prompt: dict, outputs: list[str]) -> list[str]:
    """The nodes the outputs need, each after the nodes it reads from."""
    order, seen = [], set()

    def visit(node_id):
        if node_id in seen:
            return
        seen.add(node_id)
        for origin in _upstream(prompt, node_id):
            visit(origin)
        order.append(node_id)

    for output_id in sorted(outputs, key=lambda x: (len(x), x)):
        visit(output_id)
    return order


def _signature(prompt: dict, node_id: str, folders: Folders) -> str:
    """What decides whether a node can be reused: id, class, inputs, upstream, file stamp."""
    node = prompt[node_id]
    parts = [node_id, node["class_type"], json.dumps(node["inputs"], sort_keys=True)]
    for value in node["inputs"].values():
        if isinstance(value, str):
            path = folders.annotated_path(value)
            if path and os.path.isfile(path):
                stat = os.stat(path)
                parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    for origin in _upstream(prompt, node_id):
        parts.append(_signature(prompt, origin, folders))
    return "|".join(parts)
