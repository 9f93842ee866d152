// Find in the view: the nodes drawn whose name, English name or id holds the text are
// highlighted (class ``found``, always labelled); the first is selected and centred, Enter
// (or the button) moves to the next. Nothing is asked of the server.
import { graph } from "./graph.js";
import { t } from "./words.js";

export function setupFind() {
  const input = document.getElementById("find");
  const said = document.getElementById("find-count");
  let found = null;
  let at = -1;

  const centre = () => {
    const cy = graph();
    cy.nodes(":selected").unselect();
    const node = found[at];
    node.select();
    cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1) }, { duration: 250 });
    said.textContent = t(`${at + 1} of ${found.length}: ${node.data("name")}`,
      `第 ${at + 1} 个，共 ${found.length} 个：${node.data("name")}`);
  };

  const search = () => {
    const cy = graph();
    cy.nodes(".found").removeClass("found");
    const q = input.value.trim().toLowerCase();
    found = null;
    at = -1;
    if (!q) {
      said.textContent = "";
      return;
    }
    found = cy.nodes().filter((n) => !n.data("isGroup") && [n.data("name"), n.data("name_en"), n.id()]
      .some((v) => v && String(v).toLowerCase().includes(q)));
    found.addClass("found");
    if (found.empty()) {
      said.textContent = t("not in this view", "本视图中没有");
      return;
    }
    at = 0;
    centre();
  };

  input.addEventListener("input", search);
  const next = () => {
    if (!found || found.empty() || found[0].removed()) return search(); // a new drawing
    at = (at + 1) % found.length;
    centre();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      next();
    } else if (event.key === "Escape") {
      input.value = "";
      search();
    }
  });
  document.getElementById("find-next").addEventListener("click", next);
}
