// The Livepeer node types: frontend-only LiteGraph nodes, one per pipeline, with typed
// inputs, one output and widgets made by ComfyUI's own widget constructors (so `seed`
// gets ComfyUI's "control after generate" widget). They never reach the server: the
// prompt rewrite puts a loader of their result in their place.
import { CATEGORY, NODE_DEFS } from "../core/node-defs.js";

/**
 * @typedef {object} NodeHooks what the node types call back
 * @property {(node: any) => () => any} badge a badge thunk for a new node
 * @property {(node: any, ctx: CanvasRenderingContext2D) => void} draw
 * @property {(node: any) => void} removed
 * @property {(node: any) => {content: string, callback: () => void}[]} menu
 */

/**
 * Registers every Livepeer node type with LiteGraph.
 * @param {any} app ComfyUI's app
 * @param {NodeHooks} hooks
 */
export function registerNodeTypes(app, hooks) {
  const { LiteGraph, LGraphNode } = globalThis;
  for (const def of NODE_DEFS) {
    class LivepeerNode extends LGraphNode {
      constructor(title) {
        super(title ?? def.title);
        this.isVirtualNode = true;
        this.serialize_widgets = true;
        this.properties ??= {};
        for (const input of def.inputs) this.addInput(input.name, input.type);
        this.addOutput(def.output.name, def.output.type);
        for (const widget of def.widgets) addWidget(app, this, widget);
        this.badges?.push(hooks.badge(this));
        const [width, height] = this.computeSize();
        this.setSize([Math.max(width, 320), height]);
      }

      onDrawForeground(ctx) {
        hooks.draw(this, ctx);
      }

      onRemoved() {
        hooks.removed(this);
      }

      getExtraMenuOptions(canvas, options) {
        options.push(null, ...hooks.menu(this));
      }
    }
    LivepeerNode.title = def.title;
    LivepeerNode.description = `Runs ${def.pipeline} on the Livepeer network; its output `
      + `is ${def.outputNote}.`;
    LivepeerNode.prototype.isVirtualNode = true;
    LiteGraph.registerNodeType(def.type, LivepeerNode);
    LivepeerNode.category = CATEGORY;
  }
}

/** Adds one widget, through ComfyUI's constructors when it has them. */
function addWidget(app, node, spec) {
  const widgets = globalThis.comfyAPI?.widgets?.ComfyWidgets;
  const options = widgetOptions(spec);
  const make = widgets?.[spec.type];
  if (make) {
    const inputData = spec.type === "COMBO" ? [spec.choices, options] : [spec.type, options];
    make(node, spec.name, inputData, app);
    return;
  }
  const type = { STRING: "text", INT: "number", FLOAT: "number", BOOLEAN: "toggle",
    COMBO: "combo" }[spec.type];
  node.addWidget(type, spec.name, spec.default, () => {}, {
    ...options, values: spec.choices, precision: spec.type === "INT" ? 0 : undefined,
  });
}

function widgetOptions(spec) {
  const options = { default: spec.default };
  for (const name of ["min", "max", "step", "round", "multiline", "placeholder"]) {
    if (spec[name] !== undefined) options[name] = spec[name];
  }
  if (spec.seed) options.control_after_generate = true;
  return options;
}
