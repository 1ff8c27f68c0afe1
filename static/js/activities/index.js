// One front-end module per activity type, found by step.type (see DESIGN.md).
import welcome from "./welcome.js";
import input from "./input.js";
import pause from "./break.js";

export const ACTIVITIES = { [welcome.type]: welcome, [input.type]: input, [pause.type]: pause };
