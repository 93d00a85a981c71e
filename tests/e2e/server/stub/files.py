"""The input, output and temp folders, and the routes that move files in and out of them.

Mirrors ComfyUI's `folder_paths` helpers and its `/upload/image` and `/view` routes
(server.py): the same form fields, the same `name (1).ext` renaming of a different file
with a taken name, and the same 400 / 403 / 404 answers. `/view` serves the stored bytes
as they are: the `preview` and `channel` conversions, which need Pillow, are not done.
"""

import hashlib
import mimetypes
import os

from aiohttp import web

FOLDER_TYPES = ("input", "output", "temp")


class Folders:
    """The three folders ComfyUI reads and writes, by their type name."""

    def __init__(self, input_dir: str, output_dir: str, temp_dir: str):
        self.dirs = {
            "input": os.path.abspath(input_dir),
            "output": os.path.abspath(output_dir),
            "temp": os.path.abspath(temp_dir),
        }
        for path in self.dirs.values():
            os.makedirs(path, exist_ok=True)

    def by_type(self, folder_type: str | None) -> str | None:
        """The folder for `input`, `output` or `temp`; None for any other name."""
        return self.dirs.get(folder_type)

    def annotated_path(self, name: str, default_type: str = "input") -> str | None:
        """Resolves `sub/x.png`, `x.png [output]` and the like to a path inside a folder.

        Returns None when the name would leave its folder.
        """
        folder_type = default_type
        for candidate in FOLDER_TYPES:
            suffix = f" [{candidate}]"
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                folder_type = candidate
                break
        base = self.dirs[folder_type]
        path = os.path.abspath(os.path.join(base, name))
        if os.path.commonpath((base, path)) != base:
            return None
        return path

    def exists_annotated(self, name: str) -> bool:
        """Whether a loader node's file value names an existing file."""
        path = self.annotated_path(name)
        return path is not None and os.path.isfile(path)

    def list_input(self, content_types: tuple[str, ...]) -> list[str]:
        """Sorted names of the files directly in the input folder of the given kinds.

        Like ComfyUI, files in subfolders are not listed (they still validate).
        """
        base = self.dirs["input"]
        names = [n for n in os.listdir(base) if os.path.isfile(os.path.join(base, n))]
        return sorted(n for n in names if content_kind(n) in content_types)


def content_kind(filename: str) -> str | None:
    """`image`, `video`, `audio`, ... from the file name's MIME type, or None."""
    mime_type, _ = mimetypes.guess_type(filename, strict=False)
    return mime_type.split("/")[0] if mime_type else None


def _same_content(path: str, data: bytes) -> bool:
    with open(path, "rb") as existing:
        return hashlib.sha256(existing.read()).digest() == hashlib.sha256(data).digest()


def add_routes(routes: web.RouteTableDef, folders: Folders) -> None:
    """Registers `POST /upload/image` and `GET /view`."""

    @routes.post("/upload/image")
    async def upload_image(request: web.Request) -> web.Response:
        post = await request.post()
        image = post.get("image")
        if not isinstance(image, web.FileField) or not image.filename:
            return web.Response(status=400)

        folder_type = post.get("type") or "input"
        upload_dir = folders.by_type(folder_type)
        if upload_dir is None:
            return web.Response(status=400)
        subfolder = post.get("subfolder", "")
        target_dir = os.path.join(upload_dir, os.path.normpath(subfolder))
        filename = image.filename
        path = os.path.abspath(os.path.join(target_dir, filename))
        if os.path.commonpath((upload_dir, path)) != upload_dir:
            return web.Response(status=400)
        os.makedirs(target_dir, exist_ok=True)

        data = image.file.read()
        duplicate = False
        if post.get("overwrite") not in ("true", "1"):
            stem, ext = os.path.splitext(filename)
            counter = 1
            while os.path.exists(path):
                if _same_content(path, data):
                    duplicate = True
                    break
                filename = f"{stem} ({counter}){ext}"
                path = os.path.join(target_dir, filename)
                counter += 1
        if not duplicate:
            with open(path, "wb") as out:
                out.write(data)
        return web.json_response({"name": filename, "subfolder": subfolder, "type": folder_type})

    @routes.get("/view")
    async def view(request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        if "filename" not in query:
            return web.Response(status=404)
        filename = query["filename"]
        output_dir = None
        for candidate in FOLDER_TYPES:
            suffix = f" [{candidate}]"
            if filename.endswith(suffix):
                filename = filename[: -len(suffix)]
                output_dir = folders.by_type(candidate)
        if not filename or filename[0] == "/" or ".." in filename:
            return web.Response(status=400)
        if output_dir is None:
            output_dir = folders.by_type(query.get("type", "output"))
        if output_dir is None:
            return web.Response(status=400)
        if "subfolder" in query:
            full_dir = os.path.join(output_dir, query["subfolder"])
            if os.path.commonpath((os.path.abspath(full_dir), output_dir)) != output_dir:
                return web.Response(status=403)
            output_dir = full_dir

        filename = os.path.basename(filename)
        path = os.path.join(output_dir, filename)
        if not os.path.isfile(path):
            return web.Response(status=404)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        headers = {
            "Content-Type": content_type,
            "Content-Disposition": f'filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        }
        return web.FileResponse(path, headers=headers)
