// minik ui: pods that move. A pod never moves from one node to another: when one is deleted
// or evicted (kubectl drain evicts every pod of a node), its ReplicaSet makes a new one and the
// scheduler places it, often elsewhere. The server says which new pod stands for which old one
// (snapshot.moves); this draws the new one sliding from where the old one was (FLIP: First,
// Last, Invert, Play), and a pod that disappears fading out where it was. The page is redrawn
// on every snapshot, so a slide in progress is picked up again at the time it has reached.
// With prefers-reduced-motion nothing slides or fades; a moved pod is still marked
// (data-moved-from). app.js tells this script before and after each draw.
"use strict";
(function () {
  const SLIDE = 900; // ms
  const FADE = 700;
  const REMEMBER = 30000; // how long a pod's last place is kept once it is gone
  const reduce = window.matchMedia("(prefers-reduced-motion: reduce)");
  const words = JSON.parse(document.body.dataset.words);
  const key = (ns, name) => ns + "/" + name;
  const last = new Map(); // "ns/pod" -> {rect, at}: where each pod was last drawn
  const nodes = new Map(); // node name -> rect
  const started = new Map(); // a move's seq -> {t0, from} (null: marked, not played)
  let before = new Map(); // the boxes of the draw before this one
  let draws = 0;

  function pageRect(e) {
    const r = e.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height };
  }

  function layer() {
    let l = document.getElementById("ghosts");
    if (!l) {
      l = document.createElement("div");
      l.id = "ghosts";
      l.setAttribute("aria-hidden", "true");
      document.body.appendChild(l);
    }
    return l;
  }

  // A pod that is gone fades out where it was last drawn (a copy of its box, inert).
  function ghost(was) {
    const g = was.box.cloneNode(true);
    g.removeAttribute("tabindex");
    g.removeAttribute("data-pod");
    g.removeAttribute("data-namespace");
    g.removeAttribute("aria-label");
    g.classList.remove("new", "moving");
    g.classList.add("ghost");
    g.style.left = was.rect.x + "px";
    g.style.top = was.rect.y + "px";
    g.style.width = was.rect.w + "px";
    layer().appendChild(g);
    const a = g.animate([{ opacity: 1 }, { opacity: 0, transform: "scale(0.9)" }],
      { duration: FADE, easing: "ease-in" });
    a.onfinish = () => g.remove();
  }

  // The new pod slides from `s.from` to where it is drawn now, `elapsed` into the slide.
  function play(box, s, now) {
    if (!s || reduce.matches) return;
    const elapsed = now - s.t0;
    if (elapsed >= SLIDE) return;
    const to = pageRect(box);
    const dx = s.from.x - to.x;
    const dy = s.from.y - to.y;
    box.classList.add("moving");
    const a = box.animate(
      [{ transform: "translate(" + dx + "px, " + dy + "px)" }, { transform: "none" }],
      { duration: SLIDE, easing: "cubic-bezier(0.2, 0.7, 0.3, 1)" });
    a.currentTime = elapsed;
    a.onfinish = () => box.classList.remove("moving");
  }

  // Where a move starts: the old pod's last place, else inside its node's box.
  function origin(m) {
    const old = last.get(key(m.namespace, m.from_pod));
    if (old) return old.rect;
    const n = nodes.get(m.from);
    return n ? { x: n.x + 12, y: n.y + 48, w: 0, h: 0 } : null;
  }

  document.addEventListener("minik:before-draw", () => {
    const now = performance.now();
    before = new Map();
    for (const b of document.querySelectorAll("#nodes .pod, #pending .pod")) {
      const rect = pageRect(b);
      const k = key(b.dataset.namespace, b.dataset.pod);
      before.set(k, { rect, box: b });
      last.set(k, { rect, at: now });
    }
    for (const n of document.querySelectorAll("#nodes .node")) nodes.set(n.dataset.node, pageRect(n));
    for (const [k, v] of last) if (now - v.at > REMEMBER) last.delete(k);
  });

  document.addEventListener("minik:drawn", (e) => {
    const snap = e.detail;
    const now = performance.now();
    if (draws > 0 && !reduce.matches) {
      const present = new Set(snap.pods.map((p) => key(p.namespace, p.name)));
      for (const [k, was] of before) if (!present.has(k)) ghost(was);
    }
    before = new Map();
    const moves = snap.moves || [];
    for (const m of moves) {
      const box = document.querySelector("#nodes .pod[data-namespace=\"" + CSS.escape(m.namespace) +
        "\"][data-pod=\"" + CSS.escape(m.pod) + "\"]");
      if (!box) continue;
      box.dataset.movedFrom = m.from;
      // Said too, for a screen reader and a pointer's tooltip.
      const said = words.moved_from.replace("{node}", m.from);
      box.setAttribute("aria-label", box.getAttribute("aria-label") + ", " + said);
      box.title += "\n" + said;
      // Moves made before the page opened are marked, not played.
      if (!started.has(m.seq)) {
        started.set(m.seq, draws > 0 ? { t0: now, from: origin(m) } : null);
        if (draws > 0) {
          document.body.dataset.moves = String((Number(document.body.dataset.moves) || 0) + 1);
        }
      }
      const s = started.get(m.seq);
      play(box, s && s.from ? s : null, now);
    }
    const told = new Set(moves.map((m) => m.seq));
    for (const seq of started.keys()) if (!told.has(seq)) started.delete(seq);
    draws++;
  });
})();
