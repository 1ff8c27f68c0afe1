// Draft: a brainstorm whose columns are captured into record fields (co-drafting); drawn the same way.
import brainstorm from "./brainstorm.js";

export default {
  ...brainstorm,
  type: "draft",
  label: ({ _ }) => _("Gemeinsam formulieren"),
  help: ({ _ }) => _("Schlagen Sie vor, wie ein Satz für die Maßnahme lauten soll: ein Vorschlag pro Beitrag. Die Moderation übernimmt, worauf sich die Gruppe einigt."),
};
