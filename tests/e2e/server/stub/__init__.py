"""The parts of the ComfyUI test server: each module owns one group of ComfyUI's routes.

`comfy_stub.py` (one folder up) assembles them into an aiohttp application. Nothing here
runs a model: prompts are validated like ComfyUI validates them, then "executed" by
sending ComfyUI's WebSocket event sequence with plausible outputs.
"""
