// Toasts through the frontend's toast store: the newer per-severity API where the
// frontend has it, the `add` API otherwise.

const NEW_API = { error: "error", warn: "warning", info: "info", success: "success" };

/**
 * Shows a toast.
 * @param {any} app ComfyUI's app
 * @param {{severity: "error" | "warn" | "info" | "success", summary: string,
 *   detail?: string, life?: number}} toast `life` in ms; omitted means it stays
 */
export function showToast(app, { severity, summary, detail, life }) {
  const store = app.extensionManager?.toast;
  if (!store) return;
  const method = store[NEW_API[severity]];
  if (typeof method === "function") {
    method.call(store, summary, { description: detail, duration: life });
  } else {
    store.add({ severity, summary, detail, life });
  }
}
