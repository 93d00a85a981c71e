"""Prompt validation with ComfyUI's rules and error shapes (execution.py `validate_prompt`).

A prompt is rejected as a whole for a node without a known `class_type`
(`missing_node_type`) or without any output node (`prompt_no_outputs`). Otherwise each
output node is checked with its inputs, recursively; outputs that fail are listed in
`node_errors`, and the prompt is rejected (`prompt_outputs_failed_validation`) only when
none passes. A loader's file input skips the combo membership check and is checked by
the loader's own validator against the input folder instead, as in ComfyUI.
"""

import traceback

from .files import Folders
from .node_defs import FILE_VALIDATORS


class Validation:
    """The outcome: `ok`, the top-level `error`, the passing outputs and `node_errors`."""

    def __init__(self, ok, error, good_outputs, node_errors):
        self.ok = ok
        self.error = error
        self.good_outputs = good_outputs
        self.node_errors = node_errors


def validate_node_input(received_type, input_type) -> bool:
    """ComfyUI's link type check: equal, a `*` wildcard, or overlapping `A,B` unions."""
    if received_type == input_type:
        return True
    if not isinstance(received_type, str) or not isinstance(input_type, str):
        return False
    received = {t.strip() for t in received_type.split(",")}
    accepted = {t.strip() for t in input_type.split(",")}
    if "*" in received or "*" in accepted:
        return True
    return bool(received & accepted)


def _input_info(class_inputs: dict, name: str):
    for category in ("required", "optional", "hidden"):
        spec = class_inputs.get(category, {}).get(name)
        if spec is not None:
            if not isinstance(spec, list):
                return spec, category, {}
            extra = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
            return spec[0], category, extra
    return None, None, None


class _Validator:
    def __init__(self, prompt: dict, defs: dict, folders: Folders):
        self.prompt = prompt
        self.defs = defs
        self.folders = folders
        self.validated: dict[str, tuple] = {}

    def node(self, unique_id: str) -> tuple:
        if unique_id in self.validated:
            return self.validated[unique_id]
        inputs = self.prompt[unique_id]["inputs"]
        class_type = self.prompt[unique_id]["class_type"]
        class_inputs = self.defs[class_type]["input"]
        file_input, file_message = FILE_VALIDATORS.get(class_type, (None, None))
        errors = []
        valid = True

        names = set(class_inputs.get("required", {})) | set(class_inputs.get("optional", {}))
        for name in sorted(names):
            input_type, category, extra = _input_info(class_inputs, name)
            if name not in inputs:
                if category == "required":
                    errors.append({
                        "type": "required_input_missing",
                        "message": "Required input is missing",
                        "details": f"{name}",
                        "extra_info": {"input_name": name},
                    })
                continue
            value = inputs[name]
            info = [input_type, extra]
            if isinstance(value, list):
                if not self._linked(unique_id, name, value, input_type, info, errors):
                    valid = False
                continue
            value = self._convert(name, value, input_type, info, inputs, errors)
            if value is _INVALID or name == file_input:
                continue
            self._check_range_and_list(name, value, input_type, extra, info, errors)

        if file_input is not None and file_input in inputs:
            value = inputs[file_input]
            if not isinstance(value, list) and not self.folders.exists_annotated(str(value)):
                errors.append({
                    "type": "custom_validation_failed",
                    "message": "Custom validation failed for node",
                    "details": f"{file_input} - {file_message.format(value)}",
                    "extra_info": {"input_name": file_input},
                })

        result = (valid and not errors, errors, unique_id)
        self.validated[unique_id] = result
        return result

    def _linked(self, unique_id, name, value, input_type, info, errors) -> bool:
        """Checks a `[node_id, slot]` link; False when the linked node failed."""
        if len(value) != 2:
            errors.append({
                "type": "bad_linked_input",
                "message": "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                "details": f"{name}",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_value": value},
            })
            return True
        origin_id, slot = value
        origin_class = self.prompt[origin_id]["class_type"]
        received_type = self.defs[origin_class]["output"][slot]
        if not validate_node_input(received_type, input_type):
            errors.append({
                "type": "return_type_mismatch",
                "message": "Return type mismatch between linked nodes",
                "details": f"{name}, received_type({received_type}) "
                           f"mismatch input_type({input_type})",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_type": received_type, "linked_node": value},
            })
            return True
        try:
            return self.node(origin_id)[0] is not False
        except Exception as ex:
            self.validated[origin_id] = (False, [{
                "type": "exception_during_inner_validation",
                "message": "Exception when validating inner node",
                "details": str(ex),
                "extra_info": {"input_name": name, "input_config": info,
                               "exception_message": str(ex),
                               "exception_type": type(ex).__name__,
                               "traceback": traceback.format_tb(ex.__traceback__),
                               "linked_node": value},
            }], origin_id)
            return False

    @staticmethod
    def _convert(name, value, input_type, info, inputs, errors):
        if isinstance(value, dict) and "__value__" in value:
            value = value["__value__"]
            inputs[name] = value
        converters = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}
        convert = converters.get(input_type) if isinstance(input_type, str) else None
        if convert is None:
            return value
        try:
            value = convert(value)
        except (TypeError, ValueError) as ex:
            errors.append({
                "type": "invalid_input_type",
                "message": f"Failed to convert an input value to a {input_type} value",
                "details": f"{name}, {value}, {ex}",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_value": value, "exception_message": str(ex)},
            })
            return _INVALID
        inputs[name] = value
        return value

    @staticmethod
    def _check_range_and_list(name, value, input_type, extra, info, errors):
        if "min" in extra and value < extra["min"]:
            errors.append({
                "type": "value_smaller_than_min",
                "message": f"Value {value} smaller than min of {extra['min']}",
                "details": f"{name}",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_value": value},
            })
            return
        if "max" in extra and value > extra["max"]:
            errors.append({
                "type": "value_bigger_than_max",
                "message": f"Value {value} bigger than max of {extra['max']}",
                "details": f"{name}",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_value": value},
            })
            return
        if isinstance(input_type, list):
            options = input_type
        elif input_type == "COMBO":
            options = extra.get("options", [])
        else:
            return
        if value not in options:
            errors.append({
                "type": "value_not_in_list",
                "message": "Value not in list",
                "details": f"{name}: {value!r} not in {options}",
                "extra_info": {"input_name": name, "input_config": info,
                               "received_value": value},
            })


_INVALID = object()


def _whole_prompt_error(error_type, message, details="", extra_info=None):
    error = {"type": error_type, "message": message, "details": details,
             "extra_info": extra_info or {}}
    return Validation(False, error, [], {})


def validate_prompt(prompt: dict, partial_targets, defs: dict, folders: Folders) -> Validation:
    """Validates an API-format prompt against `defs` (the `object_info` classes)."""
    outputs = []
    for node_id, node in prompt.items():
        if "class_type" not in node:
            title = node.get("_meta", {}).get("title")
            return _whole_prompt_error(
                "missing_node_type",
                f"Node '{title or f'ID #{node_id}'}' has no class_type. "
                "The workflow may be corrupted or a custom node is missing.",
                f"Node ID '#{node_id}'",
                {"node_id": node_id, "class_type": None, "node_title": title})
        class_type = node["class_type"]
        if class_type not in defs:
            title = node.get("_meta", {}).get("title", class_type)
            return _whole_prompt_error(
                "missing_node_type",
                f"Node '{title}' not found. The custom node may not be installed.",
                f"Node ID '#{node_id}'",
                {"node_id": node_id, "class_type": class_type, "node_title": title})
        if defs[class_type]["output_node"]:
            if partial_targets is None or node_id in partial_targets:
                outputs.append(node_id)

    if not outputs:
        return _whole_prompt_error("prompt_no_outputs", "Prompt has no outputs")

    validator = _Validator(prompt, defs, folders)
    good_outputs = []
    failures = []
    node_errors = {}
    for output_id in outputs:
        try:
            valid, reasons, _ = validator.node(output_id)
        except Exception as ex:
            valid = False
            reasons = [{
                "type": "exception_during_validation",
                "message": "Exception when validating node",
                "details": str(ex),
                "extra_info": {"exception_type": type(ex).__name__,
                               "traceback": traceback.format_tb(ex.__traceback__)},
            }]
            validator.validated[output_id] = (False, reasons, output_id)
        if valid is True:
            good_outputs.append(output_id)
            continue
        failures.append(reasons)
        for node_id, (node_valid, node_reasons, _) in validator.validated.items():
            if node_valid is not True and node_reasons:
                entry = node_errors.setdefault(node_id, {
                    "errors": node_reasons,
                    "dependent_outputs": [],
                    "class_type": prompt[node_id]["class_type"],
                })
                entry["dependent_outputs"].append(output_id)

    if not good_outputs:
        details = "\n".join(f"{e['message']}: {e['details']}" for r in failures for e in r)
        error = {"type": "prompt_outputs_failed_validation",
                 "message": "Prompt outputs failed validation",
                 "details": details, "extra_info": {}}
        return Validation(False, error, [], node_errors)
    return Validation(True, None, good_outputs, node_errors)
