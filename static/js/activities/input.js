// Input: a short talk with text, images or a PDF on the projector; phones get the same to read along.
// A PDF is shown page by page, rendered to images on the server; the facilitator turns the pages
// (op input.page) and the projector and the phones follow.
import { activityOf } from "../live.js";

const counting = new Set(); // PDFs whose page count this page is asking for

function pdfPage(state, step, ui, file, turns) {
  const { _, h } = ui;
  const pages = file.pages;
  if (!pages && !counting.has(file.id)) {
    counting.add(file.id);
    fetch(`${file.url}/pages`, { credentials: "same-origin" }).then((r) => r.json()).then((answer) => {
      if (answer.pages) { file.pages = answer.pages; ui.redraw && ui.redraw(); }
    }).catch(() => {});
  }
  const page = file.page || 1;
  const of = pages ? _("Seite {page} von {pages}", { page, pages }) : _("Seite {page}", { page });
  return h("figure", { class: "pdf-page", "data-file-id": file.id },
    h("img", { src: `${file.url}/pages/${page}`, alt: `${file.name} – ${of}`, "data-page": page }),
    h("figcaption", {}, of, " · ", h("a", { href: file.url, target: "_blank", rel: "noopener" }, _("PDF öffnen: {name}", { name: file.name })),
      turns ? h("span", { class: "page-turns" },
        h("button", { type: "button", disabled: page <= 1, "aria-label": _("Vorige Seite von {name}", { name: file.name }),
          onclick: () => ui.send("input.page", { step_key: step.key, file_id: file.id, page: page - 1 }) }, _("◀ Seite zurück")),
        h("button", { type: "button", disabled: !!pages && page >= pages, "aria-label": _("Nächste Seite von {name}", { name: file.name }),
          onclick: () => ui.send("input.page", { step_key: step.key, file_id: file.id, page: page + 1 }) }, _("Seite weiter ▶"))) : null));
}

function media(state, step, ui, turns = false) {
  const { h } = ui;
  const files = (state.activity[step.key] || {}).files || [];
  return h("div", { class: "input-media" }, files.map((file) => (file.mime === "application/pdf"
    ? pdfPage(state, step, ui, file, turns)
    : h("img", { src: file.url, alt: typeof file.alt === "string" ? file.alt : ui.t(file.alt || ""), "data-file-id": file.id }))));
}

function body(state, step, ui, turns = false) {
  const { h, t } = ui;
  // one column that the projector's board gives its whole height: the image takes what the text leaves
  return [h("div", { class: "input-body" }, step.text ? h("p", { class: "input-text", text: t(step.text) }) : null, media(state, step, ui, turns))];
}

export default {
  type: "input",
  help: ({ _ }) => _("Hören Sie zu und lesen Sie hier mit. Sie müssen nichts eingeben."),
  label: ({ _ }) => _("Input (Text, Bilder, PDF)"),  // the builder's name for the type
  captures: false,  // nothing to put into the record (the builder offers no field either)
  phone: body,
  projector: body,
  // the facilitator turns the PDF's pages (a minute-taker or an observer follows)
  console: (state, step, ui) => body(state, step, ui, !ui.may || ui.may.run),
  events: {
    "input.paged": (s, p) => {
      const file = (activityOf(s, p.step_key).files || []).find((f) => f.id === p.file_id);
      if (file) file.page = p.page;
    },
  },
};
