// The conversation of an llm job: a list of messages, each a role and a text, that can
// grow and shrink. Messages left empty are not sent.
import { el } from "./dom.js";

const ROLES = ["system", "user", "assistant"];
const STARTERS = [
  { role: "system", content: "", placeholder: "optional: how the model should answer" },
  { role: "user", content: "What makes a harbour a good one?" },
];

/** The messages of one llm job. */
export class MessageList {
  /**
   * @param {HTMLOListElement} list
   * @param {HTMLButtonElement} addButton
   */
  constructor(list, addButton) {
    this.list = list;
    this.count = 0;
    for (const starter of STARTERS) this.#add(starter);
    addButton.addEventListener("click", () => this.#add({ role: "user", content: "" }));
  }

  /**
   * The messages that have text, in order; throws an Error when none has.
   * @returns {{role: string, content: string}[]}
   */
  value() {
    const messages = [...this.list.children]
      .map((item) => ({
        role: item.querySelector("select").value,
        content: item.querySelector("textarea").value.trim(),
      }))
      .filter((message) => message.content !== "");
    if (messages.length === 0) throw new Error("messages: write at least one message");
    return messages;
  }

  #add({ role, content, placeholder = "" }) {
    const n = ++this.count;
    const select = el("select", { id: `message-role-${n}`, "aria-label": `role of message ${n}` },
      ...ROLES.map((name) => new Option(name, name, false, name === role)));
    const text = el("textarea", {
      id: `message-text-${n}`,
      rows: "2",
      placeholder,
      "aria-label": `text of message ${n}`,
    });
    text.value = content;
    const remove = el("button", { type: "button", class: "secondary", text: "Remove" });
    const item = el("li", { class: "message" }, select, text, remove);
    remove.addEventListener("click", () => item.remove());
    this.list.append(item);
  }
}
