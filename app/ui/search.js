// Search box with suggestions: GET /api/search?q=… as the user types (Chinese or English,
// name or alias); ↑/↓ and Enter or a click open the node's view.
import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { go, viewFor } from "./state.js";
import { t, word } from "./words.js";

export function setupSearch() {
  const input = document.getElementById("search");
  const list = document.getElementById("suggestions");
  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    active = -1;
  };
  const open = (item) => {
    close();
    input.value = item.name;
    input.blur();
    go({ view: viewFor(item.label), id: item.id });
  };
  const highlight = () => {
    [...list.children].forEach((li, i) => {
      li.classList.toggle("active", i === active);
      li.setAttribute("aria-selected", String(i === active));
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", `suggestion-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };

  async function suggest() {
    const q = input.value.trim();
    if (!q) return close();
    const ticket = ++asked;
    let answer;
    try {
      answer = await api.search(q);
    } catch (error) {
      answer = { items: [], total: 0, error };
    }
    if (ticket !== asked) return;
    items = answer.items;
    const more = answer.total - items.length;
    const note = answer.error ? answer.error.message
      : more > 0 ? t(`${more} more — type more to narrow`, `另有 ${more} 个——请输入更多字以缩小范围`)
        : items.length ? null : t("nothing found", "未找到");
    fill(list, items.map((item, i) => h("li", { role: "option", id: `suggestion-${i}`,
      dataset: { id: item.id }, "aria-selected": "false" },
    h("b", {}, item.name),
    item.matched === "name" ? null : [" ", h("span", { className: "match" }, item.match)],
    h("small", {}, `${word("labels", item.label)} · ${word("kinds", item.kind, item.label)} · `,
      h("span", { className: "id" }, item.id)))),
    note ? h("li", { className: "none" }, note) : null);
    active = -1;
    list.hidden = false;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 180);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = Math.max(0, Math.min(items.length - 1, active + step));
      highlight();
    } else if (event.key === "Enter" && items.length) {
      event.preventDefault();
      open(items[Math.max(active, 0)]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  list.addEventListener("mousedown", (event) => {
    const li = event.target.closest("li[data-id]");
    if (!li) return;
    event.preventDefault();
    open(items.find((item) => item.id === li.dataset.id));
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("focus", () => {
    if (input.value.trim() && items.length) list.hidden = false;
  });
}
