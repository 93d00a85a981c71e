// Captures: a Livepeer node fed by a node that is neither a loader nor another Livepeer
// node gets its input from a preview node the prompt rewrite adds. When ComfyUI reports
// that preview as executed, the file it shows is read through `/view` and kept, and the
// waiting node may start its job.

/** The captures expected from queued prompts, by capture node id. */
export class Captures {
  /**
   * @param {import("./inputs.js").InputFiles} inputs where captured files are kept
   * @param {() => void} onCaptured called after a file was kept
   * @param {(message: string) => void} onProblem called when a file cannot be read
   */
  constructor(inputs, onCaptured, onProblem) {
    this.inputs = inputs;
    this.onCaptured = onCaptured;
    this.onProblem = onProblem;
    this.expected = new Map();
  }

  /**
   * Expects the captures of a prompt.
   * @param {import("../core/rewrite.js").Capture[]} captures
   * @param {Map<string, import("../core/plan.js").Decision>} decisions
   */
  expect(captures, decisions) {
    for (const capture of captures) {
      const source = decisions.get(capture.nodeId)?.sources[capture.input];
      if (source) this.expected.set(capture.id, source);
    }
  }

  /**
   * ComfyUI's `executed` event detail: keeps the file of an expected capture.
   * @param {{node?: string, display_node?: string, output?: any}} detail
   */
  async executed(detail) {
    const id = String(detail?.node ?? detail?.display_node ?? "");
    const source = this.expected.get(id);
    if (!source) return;
    this.expected.delete(id);
    const file = detail.output?.images?.[0] ?? detail.output?.audio?.[0];
    if (!file?.filename) {
      this.onProblem(`the preview of node #${source.nodeId} showed no file`);
      return;
    }
    try {
      const blob = await this.inputs.view({
        filename: file.filename, subfolder: file.subfolder ?? "", type: file.type ?? "output",
      });
      this.inputs.keepCapture(source, blob);
      this.onCaptured();
    } catch (error) {
      this.onProblem(error.message);
    }
  }
}
