// The replay page: a scrubber over the session's events drives three framed live pages
// (console, projector, a phone) that fold the same events with the live reducers (live.js).
import { _ } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const moments = JSON.parse($("replay-moments")?.textContent || "[]");
const scrubber = $("replay-scrubber");
const frames = () => [...document.querySelectorAll(".replay-views iframe")];
const start = moments.length ? Date.parse(moments[0].at) : 0;
let timer = null;

function offsetText(seq) {
  if (!seq) return "0:00";
  const seconds = Math.max(0, Math.round((Date.parse(moments[seq - 1].at) - start) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function show(seq) {
  scrubber.value = String(seq);
  $("replay-time").textContent = offsetText(seq);
  scrubber.setAttribute("aria-valuetext", _("Ereignis {seq} von {total}, {time}",
    { seq, total: moments.length, time: offsetText(seq) }));
  frames().forEach((frame) => frame.contentWindow?.postMessage({ replaySeq: seq }, window.location.origin));
}

function stop() {
  clearTimeout(timer);
  timer = null;
  $("replay-play").setAttribute("aria-pressed", "false");
  $("replay-play").textContent = _("Abspielen");
}

function step() {
  // Waits as long as the room did between two events, divided by the chosen speed.
  const seq = Number(scrubber.value);
  if (seq >= moments.length) { stop(); return; }
  const next = seq + 1;
  const gap = seq ? Date.parse(moments[next - 1].at) - Date.parse(moments[seq - 1].at) : 0;
  timer = setTimeout(() => { show(next); step(); }, Math.min(gap / Number($("replay-speed").value), 5000));
}

if (scrubber) {
  scrubber.addEventListener("input", () => { stop(); show(Number(scrubber.value)); });
  $("replay-play").addEventListener("click", () => {
    if (timer) { stop(); return; }
    if (Number(scrubber.value) >= moments.length) show(0);
    $("replay-play").setAttribute("aria-pressed", "true");
    $("replay-play").textContent = _("Anhalten");
    step();
  });
  $("replay-mark-list").addEventListener("click", (e) => {
    const seq = e.target.closest("button[data-seq]")?.dataset.seq;
    if (seq) { stop(); show(Number(seq)); }
  });
  $("replay-person")?.addEventListener("change", (e) => {
    const frame = $("replay-phone");
    frame.src = frame.src.replace(/person=\d+/, `person=${e.target.value}`);
  });
  // A frame that (re)loads asks for the current moment.
  window.addEventListener("message", (e) => {
    if (e.origin === window.location.origin && e.data && e.data.replayReady) show(Number(scrubber.value));
  });
}

// The projector's frame is a 1920×1080 screen scaled to the width it has (it was cropped before).
document.querySelectorAll(".replay-screen").forEach((box) => {
  const frame = box.querySelector("iframe.scaled");
  const fit = () => { frame.style.transform = `scale(${Math.min(box.clientWidth / frame.width, box.clientHeight / frame.height)})`; };
  new ResizeObserver(fit).observe(box);
  fit();
});
