// Long work (a PDF, a Word file, an import's preview) is done by a worker process on the server
// and can take seconds. The page stays usable meanwhile and, after a second, says that it is at
// work: a progress bar and the seconds so far, in a live region next to the link or the form.
//   <a data-long-work href="…pdf">  → fetched in the background, saved as a download when ready
//   <form data-long-work>           → sent as usual; its submit button shows the wait
import { _ } from "./i18n.js";

const SHOW_AFTER_MS = 1000;

function statusFor(element) {
  let status = element.nextElementSibling;
  if (!status || !status.classList.contains("long-work-status")) {
    status = document.createElement("span");
    status.className = "long-work-status";
    status.setAttribute("role", "status");
    element.after(status);
  }
  return status;
}

function showProgress(status, label) {
  const started = Date.now();
  let timer = null;
  const draw = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    status.replaceChildren();
    const bar = document.createElement("progress"); // no value: it is at work, how long is unknown
    bar.setAttribute("aria-label", label);
    const text = document.createElement("span");
    const elapsed = _("{seconds} s", { seconds });
    text.textContent = " " + label + " " + elapsed;
    status.append(bar, text);
  };
  const first = setTimeout(() => {
    draw();
    timer = setInterval(draw, 1000);
  }, SHOW_AFTER_MS);
  return () => {
    clearTimeout(first);
    if (timer) clearInterval(timer);
  };
}

function filenameOf(response, fallback) {
  const header = response.headers.get("content-disposition") || "";
  const match = header.match(/filename="([^"]+)"/);
  return match ? match[1] : fallback;
}

async function messageOf(response) {
  // A refusal is a page of the app whose alert names what happened (in the viewer's language).
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const alert = page.querySelector("[role=alert]");
  return alert ? alert.textContent.trim() : _("Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.");
}

async function download(link) {
  if (link.getAttribute("aria-busy") === "true") return; // once at a time per link
  const status = statusFor(link);
  link.setAttribute("aria-busy", "true");
  const stop = showProgress(status, _("Wird erstellt …"));
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    stop();
    if (!response.ok) {
      status.textContent = await messageOf(response);
      return;
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const save = document.createElement("a");
    save.href = url;
    save.download = filenameOf(response, link.href.split("/").pop().split("?")[0]);
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.textContent = _("Fertig: {name}", { name: save.download });
  } catch {
    stop();
    status.textContent = _("Keine Verbindung zum Server. Bitte versuchen Sie es noch einmal.");
  } finally {
    link.removeAttribute("aria-busy");
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-long-work]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return;
  }
  event.preventDefault();
  download(link);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-long-work]");
  if (!form) return;
  const button = event.submitter || form.querySelector("[type=submit]");
  if (form.dataset.sending === "true") {
    event.preventDefault(); // a second click would upload the file twice
    return;
  }
  form.dataset.sending = "true";
  const status = statusFor(button || form);
  showProgress(status, _("Wird hochgeladen und geprüft …"));
  // The browser sends the form and keeps this page until the answer comes: it stays usable.
  window.addEventListener("pageshow", () => delete form.dataset.sending, { once: true });
});
