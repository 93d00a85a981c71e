"""The core node classes the stub knows, in the shape `GET /object_info` gives them.

Each definition copies what ComfyUI's own class produces: V1 classes (`nodes.py`,
`comfy_extras/nodes_audio.py`, `nodes_preview_any.py`) through `node_info`, V3 classes
(`LoadVideo`, `SaveVideo`, the string primitives) through `Schema.get_v1_info`, so a V3
combo is `["COMBO", {"multiselect": false, "options": [...], "video_upload": true}]` and
V3 hidden inputs are one-element lists. The file lists are read from the input folder on
every call, as ComfyUI does.
"""

from .files import Folders

HIDDEN_V1 = {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
HIDDEN_V3 = {"prompt": ["PROMPT"], "extra_pnginfo": ["EXTRA_PNGINFO"]}

SAVE_IMAGE_DESCRIPTION = "Saves the input images to your ComfyUI output directory."
FILENAME_PREFIX_TOOLTIP = (
    "The prefix for the file to save. This may include formatting information such as "
    "%date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes."
)

# The input each loader checks with its own validator, and the validator's message.
FILE_VALIDATORS = {
    "LoadImage": ("image", "Invalid image file: {}"),
    "LoadImageMask": ("image", "Invalid image file: {}"),
    "LoadVideo": ("file", "Invalid video file: {}"),
    "LoadAudio": ("audio", "Invalid audio file: {}"),
}


def _v1(name, display_name, category, module, inputs, outputs, output_node=False,
        output_names=None, description=""):
    """A V1 class as `server.py`'s `node_info` reports it."""
    return {
        "input": inputs,
        "input_order": {key: list(value) for key, value in inputs.items()},
        "output": outputs,
        "output_is_list": [False] * len(outputs),
        "output_name": output_names or outputs,
        "name": name,
        "display_name": display_name,
        "description": description,
        "python_module": module,
        "category": category,
        "output_node": output_node,
    }


def _v3(name, display_name, category, module, inputs, outputs, output_node=False,
        description=""):
    """A V3 class as `Schema.get_v1_info` reports it."""
    return {
        "input": inputs,
        "input_order": {key: list(value) for key, value in inputs.items()},
        "output": outputs,
        "output_is_list": [False] * len(outputs),
        "output_name": outputs,
        "output_tooltips": [None] * len(outputs),
        "output_matchtypes": None,
        "name": name,
        "display_name": display_name,
        "description": description,
        "python_module": module,
        "category": category,
        "output_node": output_node,
        "deprecated": False,
        "experimental": False,
        "api_node": False,
    }


def _v3_combo(options, **extra):
    return ["COMBO", {"multiselect": False, "options": options, **extra}]


def object_info(folders: Folders) -> dict[str, dict]:
    """Every known class by name, with the current input folder's file lists."""
    images = folders.list_input(("image",))
    videos = folders.list_input(("video",))
    audio = folders.list_input(("audio", "video"))
    defs = [
        _v1("LoadImage", "Load Image", "image", "nodes",
            {"required": {"image": [images, {"image_upload": True}]}},
            ["IMAGE", "MASK"]),
        _v1("LoadImageMask", "Load Image (as Mask)", "mask", "nodes",
            {"required": {
                "image": [images, {"image_upload": True}],
                "channel": [["alpha", "red", "green", "blue"]],
            }},
            ["MASK"]),
        _v3("LoadVideo", "Load Video", "image/video", "comfy_extras.nodes_video",
            {"required": {"file": _v3_combo(videos, video_upload=True)}},
            ["VIDEO"]),
        _v1("LoadAudio", "Load Audio", "audio", "comfy_extras.nodes_audio",
            {"required": {"audio": [audio, {"audio_upload": True}]}},
            ["AUDIO"]),
        _v3("PrimitiveString", "String", "utils/primitive", "comfy_extras.nodes_primitive",
            {"required": {"value": ["STRING", {"multiline": False}]}},
            ["STRING"]),
        _v3("PrimitiveStringMultiline", "String (Multiline)", "utils/primitive",
            "comfy_extras.nodes_primitive",
            {"required": {"value": ["STRING", {"multiline": True}]}},
            ["STRING"]),
        _v1("PreviewImage", "Preview Image", "image", "nodes",
            {"required": {"images": ["IMAGE"]}, "hidden": HIDDEN_V1},
            [], output_node=True, description=SAVE_IMAGE_DESCRIPTION),
        _v1("SaveImage", "Save Image", "image", "nodes",
            {"required": {
                "images": ["IMAGE", {"tooltip": "The images to save."}],
                "filename_prefix": ["STRING", {
                    "default": "ComfyUI", "tooltip": FILENAME_PREFIX_TOOLTIP}],
            }, "hidden": HIDDEN_V1},
            [], output_node=True, description=SAVE_IMAGE_DESCRIPTION),
        _v1("PreviewAudio", "Preview Audio", "audio", "comfy_extras.nodes_audio",
            {"required": {"audio": ["AUDIO"]}, "hidden": HIDDEN_V1},
            [], output_node=True),
        _v1("SaveAudio", "Save Audio (FLAC)", "audio", "comfy_extras.nodes_audio",
            {"required": {
                "audio": ["AUDIO"],
                "filename_prefix": ["STRING", {"default": "audio/ComfyUI"}],
            }, "hidden": HIDDEN_V1},
            [], output_node=True),
        _v3("SaveVideo", "Save Video", "image/video", "comfy_extras.nodes_video",
            {"required": {
                "video": ["VIDEO", {"tooltip": "The video to save."}],
                "filename_prefix": ["STRING", {
                    "tooltip": FILENAME_PREFIX_TOOLTIP, "default": "video/ComfyUI",
                    "multiline": False}],
                "format": _v3_combo(["auto", "mp4"], tooltip="The format to save the video as.",
                                    default="auto"),
                "codec": _v3_combo(["auto", "h264"], tooltip="The codec to use for the video.",
                                   default="auto"),
            }, "hidden": HIDDEN_V3},
            [], output_node=True,
            description="Saves the input images to your ComfyUI output directory."),
        _v1("PreviewAny", "Preview Any", "utils", "comfy_extras.nodes_preview_any",
            {"required": {"source": ["*", {}]}},
            ["STRING"], output_node=True),
    ]
    return {definition["name"]: definition for definition in defs}
