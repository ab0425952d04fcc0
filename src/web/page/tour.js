// minik tour --web: the tour's current step beside the cluster. The terminal tour is the source
// of truth; the server sends its step (`/tour`, Server-Sent Events) each time the tour shows
// one or says how it went. Every string goes in as text (textContent), never as HTML. The
// command is shown exactly as it is pasted, with a button that copies it.
"use strict";
(function () {
  const body = document.body;
  if (body.dataset.tour !== "on") return;
  const $ = (id) => document.getElementById(id);
  const area = $("tour-area");
  area.hidden = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The lab's text in paragraphs (a blank line between them); a paragraph with an indented
  // line is kept as it is written (a table, a listing), the others flow as prose.
  function paragraphs(text) {
    const out = [];
    for (const para of text.split(/\n\s*\n/)) {
      const lines = para.split("\n").filter((l) => l.trim() !== "");
      if (!lines.length) continue;
      if (lines.some((l) => /^\s/.test(l))) out.push(el("pre", "tour-pre", lines.join("\n")));
      else out.push(el("p", "tour-text", lines.map((l) => l.trim()).join(" ")));
    }
    return out;
  }

  function copy(text, button, words) {
    const said = () => {
      button.textContent = words.copied;
      setTimeout(() => { button.textContent = words.copy; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(said, () => fallback(text) && said());
    } else if (fallback(text)) {
      said();
    }
  }

  // Without the clipboard API: a hidden text area selected and copied.
  function fallback(text) {
    const t = el("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.className = "offscreen";
    document.body.appendChild(t);
    t.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    t.remove();
    return ok;
  }

  function commandBlock(command, words) {
    const box = el("div", "tour-command");
    box.appendChild(el("p", "tour-label", words.try_this + ":"));
    const pre = el("pre", "tour-cmd");
    pre.id = "tour-cmd";
    pre.appendChild(el("code", "", command));
    box.appendChild(pre);
    const b = el("button", "copy", words.copy);
    b.type = "button";
    b.id = "tour-copy";
    b.addEventListener("click", () => copy(command, b, words));
    box.appendChild(b);
    return box;
  }

  function draw(panel) {
    const w = panel.words;
    $("tour-title").textContent = w.heading;
    $("tour-lab").textContent = panel.lab;
    const step = $("tour-step");
    step.replaceChildren();
    const s = panel.step;
    if (!s) {
      step.appendChild(el("p", "empty", w.waiting));
      step.dataset.id = "";
      return;
    }
    step.dataset.id = s.id;
    step.dataset.number = s.number;
    step.dataset.status = s.status || "";
    const h = el("h3", "tour-heading", w.step + " " + s.number + "/" + s.total + ": ");
    h.appendChild(el("span", "tour-step-title", s.title));
    step.appendChild(h);
    if (s.status) step.appendChild(el("p", "badge tour-status", s.status_text));
    for (const p of paragraphs(s.text)) step.appendChild(p);
    if (s.command) step.appendChild(commandBlock(s.command, w));
    if (s.more.length) {
      step.appendChild(el("p", "tour-label", w.also + ":"));
      for (const c of s.more) {
        const pre = el("pre", "tour-more");
        pre.appendChild(el("code", "", c));
        step.appendChild(pre);
      }
    }
  }

  const source = new EventSource("/tour?token=" + encodeURIComponent(body.dataset.token));
  source.onmessage = (e) => {
    const panel = JSON.parse(e.data);
    if (panel) draw(panel);
  };
})();
