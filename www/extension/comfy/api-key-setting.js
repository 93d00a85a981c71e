// The API key setting: a masked field with Save and Clear buttons that send the key to
// the relay on the ComfyUI server, and a line saying whether a key is set and where
// from. The setting's own value is never written, so comfy.settings.json never holds
// the key; nor does anything else in the page keep it once it is sent.
import { describeKey, readRelayConfig, writeRelayConfig } from "./relay-config.js";

/** The id of the key field, for tests and labels. */
export const API_KEY_INPUT_ID = "livepeer-api-key-input";

const BORDER = "border:1px solid rgba(128,128,128,0.6);border-radius:6px;color:inherit;";
const FIELD_STYLE = `${BORDER}background:transparent;padding:4px 8px;width:12rem`;
const BUTTON_STYLE = `${BORDER}background:transparent;padding:4px 10px;cursor:pointer`;

/**
 * The setting's custom renderer.
 * @param {any} api ComfyUI's api
 * @param {(message: string, problem: boolean) => void} report shows an outcome
 * @returns {() => HTMLElement}
 */
export function apiKeyRenderer(api, report) {
  return () => {
    const root = element("div", { style: "display:flex;flex-direction:column;gap:4px" });
    const row = element("div", { style: "display:flex;gap:6px;align-items:center" });
    const input = element("input", {
      id: API_KEY_INPUT_ID,
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "paste a key",
      style: FIELD_STYLE,
    });
    const save = element("button", { type: "button", textContent: "Save", style: BUTTON_STYLE });
    const clear = element("button", { type: "button", textContent: "Clear",
      style: BUTTON_STYLE });
    const status = element("span", { style: "font-size:0.8rem;opacity:0.8" });
    row.append(input, save, clear);
    root.append(row, status);

    const show = (config) => (status.textContent = describeKey(config));
    const send = async (key) => {
      save.disabled = clear.disabled = true;
      try {
        show(await writeRelayConfig(api, { api_key: key }));
        report(key ? "The API key was saved on the ComfyUI server." : "The API key was cleared.",
          false);
      } catch (error) {
        report(error.message, true);
      } finally {
        input.value = "";
        save.disabled = clear.disabled = false;
      }
    };
    save.addEventListener("click", () => input.value.trim() && send(input.value.trim()));
    clear.addEventListener("click", () => send(""));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && input.value.trim()) send(input.value.trim());
    });
    readRelayConfig(api).then(show, (error) => (status.textContent = error.message));
    return root;
  };
}

function element(tag, properties) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === "textContent" || name === "disabled") node[name] = value;
    else node.setAttribute(name, value);
  }
  return node;
}
