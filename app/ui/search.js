// Search box with suggestions: GET /api/search?q=… as the user types (Chinese or English,
// name or alias); ↑/↓ and Enter or a click open the node's view.
import { api } from "./api.js";
import { esc } from "./details.js";
import { go, viewFor } from "./state.js";

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
    [...list.children].forEach((li, i) => li.classList.toggle("active", i === active));
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
    list.innerHTML = items.map((item) => `
      <li role="option" data-id="${esc(item.id)}">
        <b>${esc(item.name)}</b>${item.matched === "name" ? ""
          : ` <span class="match">${esc(item.match)}</span>`}
        <small>${esc(item.label)} · ${esc(item.kind.replaceAll("_", " "))} · ${esc(item.id)}</small>
      </li>`).join("") + (answer.error ? `<li class="none">${esc(answer.error.message)}</li>`
      : answer.total > items.length ? `<li class="none">${answer.total - items.length} more — ` +
        "type more to narrow</li>" : items.length ? "" : `<li class="none">nothing found</li>`);
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
