// Draft: a brainstorm whose columns are captured into record fields (co-drafting); drawn the same way.
import brainstorm from "./brainstorm.js";

export default { ...brainstorm, type: "draft", label: ({ _ }) => _("Gemeinsam formulieren") };
