// The call page: click a word, a timestamp or an evidence chip to seek; the word being spoken is highlighted
// and kept in view; silence (gaps between utterances) and overtalk (overlapping speakers) drawn on the timeline.
(function () {
  const audio = document.getElementById("audio");
  const words = Array.from(document.querySelectorAll("#transcript .w"));
  const starts = words.map((w) => parseFloat(w.dataset.start));
  const seek = (t) => {
    if (!audio || !isFinite(t)) return;
    audio.currentTime = t;
    highlight(t);
  };
  document.addEventListener("click", (ev) => {
    const el = ev.target.closest("[data-seek], #transcript .w");
    if (!el) return;
    ev.preventDefault();
    seek(parseFloat(el.dataset.seek ?? el.dataset.start));
  });
  const speed = document.getElementById("speed");
  if (speed && audio) speed.addEventListener("change", () => { audio.playbackRate = parseFloat(speed.value); });

  let current = null;
  function highlight(t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1; }
    const word = found >= 0 ? words[found] : null;
    if (word === current) return;
    if (current) current.classList.remove("now");
    current = word;
    if (word) { word.classList.add("now"); word.scrollIntoView({ block: "nearest" }); }
  }
  if (audio) audio.addEventListener("timeupdate", () => highlight(audio.currentTime));

  const timeline = document.getElementById("timeline");
  const utts = Array.from(document.querySelectorAll("#transcript .utt")).map((u) => ({
    start: parseFloat(u.dataset.start), end: parseFloat(u.dataset.end), role: u.dataset.role }));
  const duration = Math.max(parseFloat(timeline?.dataset.duration || "0"), ...utts.map((u) => u.end), 1);
  const band = (a, b, kind) => {
    const el = document.createElement("span");
    el.className = "band " + kind;
    el.style.left = (100 * a / duration) + "%";
    el.style.width = Math.max(0.3, 100 * (b - a) / duration) + "%";
    el.dataset.seek = a.toFixed(2);
    el.title = kind + " " + a.toFixed(1) + "–" + b.toFixed(1) + " s";
    timeline.appendChild(el);
  };
  if (timeline) {
    let lastEnd = 0;
    utts.forEach((u, i) => {
      if (u.start - lastEnd >= 2) band(lastEnd, u.start, "silence");
      utts.slice(i + 1).forEach((v) => { if (v.role !== u.role && v.start < u.end) band(v.start, Math.min(u.end, v.end), "overtalk"); });
      lastEnd = Math.max(lastEnd, u.end);
    });
  }
  const startAt = document.querySelector(".call")?.dataset.startAt;
  if (startAt) {
    const t = parseFloat(startAt);
    if (audio) audio.addEventListener("loadedmetadata", () => seek(t), { once: true });
    highlight(t);
  }
})();
