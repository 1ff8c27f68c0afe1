// Redrawing a board on every event must not cost anyone what they are typing in it.
import { fill } from "./live.js";

export function redrawKeepingInput(container, children) {
  const typed = [...container.querySelectorAll("input[id], textarea[id], select[id]")].map((el) => [el.id, el.value]);
  const active = document.activeElement;
  const focused = active && active.id && container.contains(active) ? active.id : null;
  fill(container, children);
  for (const [id, value] of typed) {
    const el = document.getElementById(id);
    if (el && value && el.type !== "checkbox") el.value = value;
  }
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

// After a form was sent: empty its fields (the ones on the page now, not the ones drawn before).
export function clearFields(ids) {
  for (const id of ids) {
    const el = document.getElementById(id);
    if (el) el.value = "";
  }
}
