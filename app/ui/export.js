// Export the current view: the picture as PNG (cy.png) or SVG (cytoscape-svg's cy.svg), and
// its data as CSV or JSON. Files are named after the view, the node and the day.

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function cellText(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows) {
  if (!rows.length) return "";
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [columns.join(","), ...rows.map((row) => columns.map((c) => cellText(row[c])).join(","))];
  return lines.join("\r\n") + "\r\n";
}

export function exportPicture(cy, format, name) {
  if (format === "png") {
    const blob = cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2, maxWidth: 8000,
      maxHeight: 8000 });
    download(blob, `${name}.png`);
  } else {
    if (typeof cy.svg !== "function") throw new Error("the cytoscape-svg extension is not loaded");
    const text = cy.svg({ full: true, bg: "#ffffff" });
    download(new Blob([text], { type: "image/svg+xml" }), `${name}.svg`);
  }
}

export function exportData(data, format, name) {
  if (format === "csv") {
    download(new Blob([toCsv(data.rows)], { type: "text/csv;charset=utf-8" }), `${name}.csv`);
  } else {
    download(new Blob([JSON.stringify(data.json, null, 2)], { type: "application/json" }),
      `${name}.json`);
  }
}
