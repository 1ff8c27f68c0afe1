// Hyphenation for the projector (issue 30): long German compounds broke without a hyphen. CSS
// `hyphens: auto` (app.css) does it where the browser has a dictionary for the element's language;
// where it has none (many Linux installations), soft hyphens from TeX's patterns are put into the
// long words of the given elements instead. The texts read the same (a soft hyphen shows only at a
// line end); the language is the one of the element (its lang attribute, inherited).
import { de, en } from "../vendor/hyphen.bundle.js";

const PATTERNS = { de, en };
const LONG_WORD = 10; // shorter words fit a card's line anyway
const supported = new Map();
// a long word of each language: only measured, never shown
const PROBES = { de: "donaudampfschifffahrtsgesellschaft", en: "internationalization" };

// Does this browser hyphenate `lang` by itself? A long word in a narrow box with hyphens: auto
// gets taller when it is broken into lines.
function browserHyphenates(lang) {
  if (!supported.has(lang)) {
    const probe = document.createElement("span");
    probe.lang = lang;
    probe.textContent = PROBES[lang];
    probe.style.cssText = "position:absolute;visibility:hidden;width:3em;hyphens:auto;-webkit-hyphens:auto;overflow-wrap:normal;word-break:normal;font-size:16px;line-height:20px";
    document.body.append(probe);
    supported.set(lang, probe.getBoundingClientRect().height > 25);
    probe.remove();
  }
  return supported.get(lang);
}

function languageOf(node) {
  const holder = node.parentElement && node.parentElement.closest("[lang]");
  return ((holder && holder.lang) || document.documentElement.lang || "de").slice(0, 2).toLowerCase();
}

export function hyphenate(...roots) {
  for (const root of roots) {
    if (!root) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const lang = languageOf(node);
      const patterns = PATTERNS[lang];
      if (!patterns || browserHyphenates(lang) || node.data.includes("\u00ad")) continue;
      if (!new RegExp(`\\p{L}{${LONG_WORD},}`, "u").test(node.data)) continue;
      node.data = patterns(node.data, { minWordLength: LONG_WORD });
    }
  }
}
