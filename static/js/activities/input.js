// Input: a short talk with text, images or a PDF on the projector; phones get the same to read along.
function media(state, step, ui) {
  const { _, h } = ui;
  const files = (state.activity[step.key] || {}).files || [];
  return h("div", { class: "input-media" }, files.map((file) => (file.mime === "application/pdf"
    ? h("figure", {}, h("iframe", { src: file.url, title: file.name }),
      h("figcaption", {}, h("a", { href: file.url, target: "_blank", rel: "noopener" }, _("PDF öffnen: {name}", { name: file.name }))))
    : h("img", { src: file.url, alt: typeof file.alt === "string" ? file.alt : ui.t(file.alt || ""), "data-file-id": file.id }))));
}

function body(state, step, ui) {
  const { h, t } = ui;
  // one column that the projector's board gives its whole height: the image takes what the text leaves
  return [h("div", { class: "input-body" }, step.text ? h("p", { class: "input-text", text: t(step.text) }) : null, media(state, step, ui))];
}

export default {
  type: "input",
  help: ({ _ }) => _("Hören Sie zu und lesen Sie hier mit. Sie müssen nichts eingeben."),
  label: ({ _ }) => _("Input (Text, Bilder, PDF)"),  // the builder's name for the type
  captures: false,  // nothing to put into the record (the builder offers no field either)
  phone: body,
  projector: body,
  console: body,
};
