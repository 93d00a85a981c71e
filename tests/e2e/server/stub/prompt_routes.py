"""The routes around prompts: node definitions, `/prompt`, the queue, history and jobs.

Shapes follow ComfyUI's server.py and comfy_execution/jobs.py. Two routes exist only here,
for tests: `GET /test/prompts` lists the body of every accepted `POST /prompt` in order,
and `POST /test/reset` forgets them along with the history and the node cache.
"""

import json
import uuid

from aiohttp import web

from .files import Folders
from .node_defs import object_info
from .queue import PromptQueue, QueueItem, now_ms
from .validation import validate_prompt

JOB_STATUSES = ("pending", "in_progress", "completed", "failed", "cancelled")


def add_routes(routes: web.RouteTableDef, queue: PromptQueue, folders: Folders) -> None:
    """Registers the routes that answer with and without the `/api` prefix."""

    @routes.get("/object_info")
    async def get_object_info(request: web.Request) -> web.Response:
        return web.json_response(object_info(folders))

    @routes.get("/object_info/{node_class}")
    async def get_object_info_node(request: web.Request) -> web.Response:
        name = request.match_info["node_class"]
        defs = object_info(folders)
        return web.json_response({name: defs[name]} if name in defs else {})

    @routes.get("/prompt")
    async def get_prompt(request: web.Request) -> web.Response:
        return web.json_response(queue.hub.status())

    @routes.post("/prompt")
    async def post_prompt(request: web.Request) -> web.Response:
        body = await request.json()
        received = json.loads(json.dumps(body))
        if "number" in body:
            number = float(body["number"])
        else:
            number = queue.next_number(bool(body.get("front")))

        if "prompt" not in body:
            return _rejected("no_prompt", "No prompt provided", "No prompt provided")
        prompt_id = body.get("prompt_id")
        if prompt_id is None:
            prompt_id = str(uuid.uuid4())
        elif not _is_canonical_uuid(prompt_id):
            return _rejected(
                "invalid_prompt_id", "prompt_id must be a valid UUID",
                "prompt_id must be a UUID string in canonical lowercase hyphenated form; "
                "omit it to let the server generate one")

        prompt = body["prompt"]
        result = validate_prompt(prompt, body.get("partial_execution_targets"),
                                 object_info(folders), folders)
        if not result.ok:
            return web.json_response(
                {"error": result.error, "node_errors": result.node_errors}, status=400)

        extra_data = dict(body.get("extra_data") or {})
        if "client_id" in body:
            extra_data["client_id"] = body["client_id"]
        for sensitive in ("auth_token_comfy_org", "api_key_comfy_org"):
            extra_data.pop(sensitive, None)
        extra_data["create_time"] = now_ms()
        queue.received.append(received)
        await queue.put(QueueItem(number, prompt_id, prompt, extra_data, result.good_outputs))
        return web.json_response(
            {"prompt_id": prompt_id, "number": number, "node_errors": result.node_errors})

    @routes.get("/queue")
    async def get_queue(request: web.Request) -> web.Response:
        running = [queue.running.as_list()] if queue.running else []
        return web.json_response({
            "queue_running": running,
            "queue_pending": [item.as_list() for item in queue.pending],
        })

    @routes.post("/queue")
    async def post_queue(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("clear"):
            queue.pending.clear()
        for prompt_id in body.get("delete", []):
            queue.pending[:] = [i for i in queue.pending if i.prompt_id != prompt_id]
        await queue.hub.broadcast_status()
        return web.Response(status=200)

    @routes.post("/interrupt")
    async def post_interrupt(request: web.Request) -> web.Response:
        return web.Response(status=200)

    @routes.post("/free")
    async def post_free(request: web.Request) -> web.Response:
        return web.Response(status=200)

    @routes.get("/history")
    async def get_history(request: web.Request) -> web.Response:
        max_items = request.rel_url.query.get("max_items")
        items = list(queue.history.items())
        if max_items is not None:
            items = items[-int(max_items):]
        return web.json_response(dict(items))

    @routes.get("/history/{prompt_id}")
    async def get_history_item(request: web.Request) -> web.Response:
        prompt_id = request.match_info["prompt_id"]
        entry = queue.history.get(prompt_id)
        return web.json_response({prompt_id: entry} if entry else {})

    @routes.post("/history")
    async def post_history(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("clear"):
            queue.history.clear()
        for prompt_id in body.get("delete", []):
            queue.history.pop(prompt_id, None)
        return web.Response(status=200)


def add_api_only_routes(routes: web.RouteTableDef, queue: PromptQueue) -> None:
    """Registers the routes ComfyUI defines with `/api` in their path: the jobs API."""

    @routes.get("/api/jobs")
    async def get_jobs(request: web.Request) -> web.Response:
        query = request.rel_url.query
        wanted = [s.strip() for s in query.get("status", "").split(",") if s.strip()]
        invalid = [s for s in wanted if s not in JOB_STATUSES]
        if invalid:
            return web.json_response(
                {"error": f"Invalid status value(s): {', '.join(invalid)}. "
                          f"Valid values: {', '.join(JOB_STATUSES)}"}, status=400)
        try:
            limit = int(query["limit"]) if "limit" in query else None
            offset = max(0, int(query.get("offset", 0)))
        except ValueError:
            return web.json_response({"error": "limit must be an integer"}, status=400)
        if limit is not None and limit <= 0:
            return web.json_response({"error": "limit must be a positive integer"},
                                     status=400)

        jobs = _all_jobs(queue)
        if wanted:
            jobs = [job for job in jobs if job["status"] in wanted]
        jobs.sort(key=lambda job: job.get("create_time", 0),
                  reverse=query.get("sort_order", "desc") == "desc")
        total = len(jobs)
        page = jobs[offset:offset + limit] if limit is not None else jobs[offset:]
        return web.json_response({
            "jobs": page,
            "pagination": {"offset": offset, "limit": limit, "total": total,
                           "has_more": offset + len(page) < total},
        })

    @routes.get("/api/jobs/{job_id}")
    async def get_job(request: web.Request) -> web.Response:
        job_id = request.match_info["job_id"]
        if job_id in queue.history:
            return web.json_response(_history_job(job_id, queue.history[job_id], True))
        for job in _all_jobs(queue):
            if job["id"] == job_id:
                return web.json_response(job)
        return web.json_response({"error": "Job not found"}, status=404)


def add_test_routes(app: web.Application, queue: PromptQueue) -> None:
    """Registers `GET /test/prompts` and `POST /test/reset` (tests only, no `/api` copy)."""

    async def prompts(request: web.Request) -> web.Response:
        return web.json_response(queue.received)

    async def reset(request: web.Request) -> web.Response:
        queue.reset()
        return web.json_response({"ok": True})

    app.router.add_get("/test/prompts", prompts)
    app.router.add_post("/test/reset", reset)


def _rejected(error_type: str, message: str, details: str) -> web.Response:
    error = {"type": error_type, "message": message, "details": details, "extra_info": {}}
    return web.json_response({"error": error, "node_errors": {}}, status=400)


def _is_canonical_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _workflow_id(extra_data: dict):
    return extra_data.get("extra_pnginfo", {}).get("workflow", {}).get("id")


def _queued_job(item: QueueItem, status: str) -> dict:
    job = {"id": item.prompt_id, "status": status, "priority": item.number,
           "create_time": item.extra_data.get("create_time"), "outputs_count": 0,
           "previewable_outputs_count": 0, "workflow_id": _workflow_id(item.extra_data)}
    return {key: value for key, value in job.items() if value is not None}


def _history_job(prompt_id: str, entry: dict, include_outputs: bool = False) -> dict:
    number, _, prompt, extra_data, _ = entry["prompt"]
    times = {event: data.get("timestamp") for event, data in entry["status"]["messages"]}
    items = [dict(item, nodeId=node_id, mediaType=media)
             for node_id, output in entry["outputs"].items()
             for media, values in output.items() if media != "animated"
             for item in values if isinstance(item, dict)]
    preview = next((i for i in items if i.get("type") == "output"), None)
    job = {
        "id": prompt_id, "status": "completed", "priority": number,
        "create_time": extra_data.get("create_time"),
        "execution_start_time": times.get("execution_start"),
        "execution_end_time": times.get("execution_success"),
        "outputs_count": len(items), "previewable_outputs_count": len(items),
        "preview_output": preview or (items[0] if items else None),
        "workflow_id": _workflow_id(extra_data),
    }
    job = {key: value for key, value in job.items() if value is not None}
    if include_outputs:
        job["outputs"] = entry["outputs"]
        job["execution_status"] = entry["status"]
        job["workflow"] = {"prompt": prompt, "extra_data": extra_data}
    return job


def _all_jobs(queue: PromptQueue) -> list[dict]:
    jobs = [_history_job(pid, entry) for pid, entry in queue.history.items()]
    if queue.running:
        jobs.append(_queued_job(queue.running, "in_progress"))
    jobs.extend(_queued_job(item, "pending") for item in queue.pending)
    return jobs
