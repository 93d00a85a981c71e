"""The UI output each output node reports in its `executed` event, made without a model.

An output node's media comes from the loader it is linked to: a PreviewImage fed by a
LoadImage reports that input file (`{"filename", "subfolder", "type": "input"}`), a
SaveImage / SaveAudio / SaveVideo copies the loader's file into the output folder under
its `filename_prefix`, as ComfyUI names saved files. PreviewAny reports its source as
text. An image output whose source is not a loader gets a generated 1x1 PNG; an audio or
video output without a loader reports no files.
"""

import base64
import json
import os
import shutil

from .files import Folders

LOADER_INPUTS = {
    "LoadImage": "image",
    "LoadImageMask": "image",
    "LoadVideo": "file",
    "LoadAudio": "audio",
}

ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
    "AABJRU5ErkJggg=="
)


def _linked_node(prompt: dict, value):
    if isinstance(value, list) and len(value) == 2 and value[0] in prompt:
        return prompt[value[0]]
    return None


def _source_file(prompt: dict, node: dict, input_name: str, folders: Folders):
    """`(path, reference)` of the loader file behind an input, or None."""
    source = _linked_node(prompt, node["inputs"].get(input_name))
    if source is None or source["class_type"] not in LOADER_INPUTS:
        return None
    name = str(source["inputs"].get(LOADER_INPUTS[source["class_type"]], ""))
    path = folders.annotated_path(name)
    if path is None or not os.path.isfile(path):
        return None
    for folder_type in ("input", "output", "temp"):
        suffix = f" [{folder_type}]"
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        folder_type = "input"
    subfolder, filename = os.path.split(name)
    return path, {"filename": filename, "subfolder": subfolder, "type": folder_type}


def _save_copy(folders: Folders, source_path: str, prefix: str, ext: str) -> dict:
    """Copies a file into the output folder as `<prefix>_<counter:05>_<ext>`."""
    subfolder, stem = os.path.split(prefix)
    target_dir = os.path.join(folders.by_type("output"), subfolder)
    os.makedirs(target_dir, exist_ok=True)
    counter = 1
    while os.path.exists(os.path.join(target_dir, f"{stem}_{counter:05}_{ext}")):
        counter += 1
    filename = f"{stem}_{counter:05}_{ext}"
    if source_path is None:
        with open(os.path.join(target_dir, filename), "wb") as out:
            out.write(ONE_PIXEL_PNG)
    else:
        shutil.copyfile(source_path, os.path.join(target_dir, filename))
    return {"filename": filename, "subfolder": subfolder, "type": "output"}


def _preview_image(folders: Folders, node_id: str) -> dict:
    filename = f"ComfyUI_temp_{node_id}_00001_.png"
    with open(os.path.join(folders.by_type("temp"), filename), "wb") as out:
        out.write(ONE_PIXEL_PNG)
    return {"filename": filename, "subfolder": "", "type": "temp"}


def _text_of(prompt: dict, value) -> str:
    source = _linked_node(prompt, value)
    if source is None:
        return value if isinstance(value, str) else json.dumps(value, indent=4)
    if source["class_type"] in ("PrimitiveString", "PrimitiveStringMultiline"):
        return str(source["inputs"].get("value", ""))
    return "None"


def ui_output(node_id: str, prompt: dict, folders: Folders) -> dict | None:
    """The `output` of the `executed` event for an output node, or None for other nodes."""
    node = prompt[node_id]
    class_type = node["class_type"]
    prefix = str(node["inputs"].get("filename_prefix", "ComfyUI"))

    if class_type in ("PreviewImage", "SaveImage"):
        found = _source_file(prompt, node, "images", folders)
        if class_type == "PreviewImage":
            return {"images": [found[1] if found else _preview_image(folders, node_id)]}
        path = found[0] if found else None
        ext = os.path.splitext(path)[1] if path else ".png"
        return {"images": [_save_copy(folders, path, prefix, ext)]}

    if class_type in ("PreviewAudio", "SaveAudio"):
        found = _source_file(prompt, node, "audio", folders)
        if found is None:
            return {"audio": []}
        if class_type == "PreviewAudio":
            return {"audio": [found[1]]}
        return {"audio": [_save_copy(folders, found[0], prefix, os.path.splitext(found[0])[1])]}

    if class_type == "SaveVideo":
        found = _source_file(prompt, node, "video", folders)
        if found is None:
            return {"images": [], "animated": [True]}
        saved = _save_copy(folders, found[0], prefix, os.path.splitext(found[0])[1])
        return {"images": [saved], "animated": [True]}

    if class_type == "PreviewAny":
        return {"text": [_text_of(prompt, node["inputs"].get("source"))]}
    return None
