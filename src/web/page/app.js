// minik ui: draws the snapshots the server sends (Server-Sent Events) and nothing else. Every
// name from the cluster goes in as text (textContent), never as HTML.
"use strict";
(function () {
  const body = document.body;
  const token = body.dataset.token;
  const words = JSON.parse(body.dataset.words);
  const $ = (id) => document.getElementById(id);
  const seen = new Set();
  let first = true;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  $("title").textContent = words.title;
  $("nodes-title").textContent = words.nodes;
  $("pending-title").textContent = words.pending;
  $("services-title").textContent = words.services;
  $("lines-title").textContent = words.happened;
  $("theme").textContent = words.theme;
  document.title = words.title + " · " + body.dataset.cluster;

  // Light or dark: the system's choice until the button is pressed; remembered.
  const saved = localStorage.getItem("minik-theme");
  if (saved) document.documentElement.dataset.theme = saved;
  $("theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    const next = dark ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("minik-theme", next);
  });

  function api(state) {
    const p = $("api");
    p.dataset.state = state.state;
    p.textContent =
      state.state === "live" ? words.api_live
      : state.state === "lost" ? words.api_lost + " (" + state.reason + ")"
      : words.api_connecting;
  }

  // phase and readiness as one word the colours follow
  function health(pod) {
    if (pod.deleting) return "deleting";
    if (pod.phase === "Running") return pod.ready ? "ready" : "running";
    if (pod.phase === "Succeeded") return "done";
    if (pod.phase === "Failed") return "failed";
    return "pending";
  }

  function podBox(pod) {
    const b = el("div", "pod");
    b.tabIndex = 0;
    b.dataset.pod = pod.name;
    b.dataset.namespace = pod.namespace;
    b.dataset.health = health(pod);
    if (!seen.has(pod.namespace + "/" + pod.name)) {
      if (!first) b.classList.add("new");
      seen.add(pod.namespace + "/" + pod.name);
    }
    b.appendChild(el("span", "name", pod.name));
    const state = pod.container_reason || pod.phase;
    const detail = [state, pod.ready ? words.ready : words.not_ready];
    if (pod.static_pod) {
      b.appendChild(el("span", "badge static", words.static_pod));
    }
    if (pod.restarts > 0) {
      const r = el("span", "restarts", "↻ " + pod.restarts);
      r.title = words.restarts + ": " + pod.restarts;
      b.appendChild(r);
      detail.push(words.restarts + " " + pod.restarts);
    }
    b.appendChild(el("span", "state", state));
    b.setAttribute("aria-label", pod.name + ": " + detail.join(", "));
    b.title = pod.namespace + "/" + pod.name + "\n" + detail.join(", ");
    return b;
  }

  // pods grouped by namespace, then by the controller that owns them
  function groups(pods) {
    const out = el("div", "groups");
    const byNs = new Map();
    for (const p of pods) {
      if (!byNs.has(p.namespace)) byNs.set(p.namespace, new Map());
      const kind = words.kinds[p.owner_kind] || p.owner_kind;
      const owner = p.owner ? kind + " " + p.owner : words.owner_none;
      const m = byNs.get(p.namespace);
      if (!m.has(owner)) m.set(owner, []);
      m.get(owner).push(p);
    }
    for (const [ns, owners] of byNs) {
      const g = el("div", "ns");
      g.dataset.namespace = ns;
      g.appendChild(el("div", "ns-name", ns));
      for (const [owner, list] of owners) {
        const o = el("div", "owner");
        o.dataset.owner = owner;
        o.appendChild(el("div", "owner-name", owner));
        for (const p of list) o.appendChild(podBox(p));
        g.appendChild(o);
      }
      out.appendChild(g);
    }
    return out;
  }

  function nodeBox(node, pods) {
    const s = el("section", "node");
    s.dataset.node = node.name;
    s.dataset.ready = node.ready;
    const role = node.roles.includes("control-plane") ? words.control_plane : words.worker;
    const h = el("h3", "node-name", node.name);
    s.setAttribute("aria-label", node.name + ": " + role + ", Ready=" + node.ready);
    s.appendChild(h);
    const badges = el("div", "badges");
    badges.appendChild(el("span", "badge role", role));
    const ready = el("span", "badge ready", "Ready: " + node.ready);
    ready.dataset.ready = node.ready;
    badges.appendChild(ready);
    if (node.unschedulable) badges.appendChild(el("span", "badge cordoned", words.cordoned));
    s.appendChild(badges);
    if (node.ready !== "True" && (node.ready_message || node.ready_reason)) {
      s.appendChild(el("p", "why", node.ready_message || node.ready_reason));
    }
    const dl = el("dl", "facts");
    const fact = (k, v) => { dl.appendChild(el("dt", "", k)); dl.appendChild(el("dd", "", v)); };
    fact(words.kubelet, node.kubelet);
    fact(words.runtime, node.runtime);
    fact(words.addresses, node.addresses.join(", "));
    fact(words.container, node.container ? node.name : words.no_container);
    s.appendChild(dl);
    s.appendChild(groups(pods));
    return s;
  }

  function draw(snap) {
    // moves.js remembers where each pod was, and animates what moved once it is drawn.
    document.dispatchEvent(new CustomEvent("minik:before-draw"));
    api(snap.api);
    const onNode = new Map(snap.nodes.map((n) => [n.name, []]));
    const pending = [];
    for (const p of snap.pods) {
      if (p.node && onNode.has(p.node)) onNode.get(p.node).push(p);
      else pending.push(p);
    }
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.pod : undefined;
    const nodes = $("nodes");
    nodes.replaceChildren(...snap.nodes.map((n) => nodeBox(n, onNode.get(n.name))));
    const lane = $("pending");
    lane.replaceChildren();
    for (const p of pending) {
      const b = podBox(p);
      if (p.waiting) b.appendChild(el("span", "why", p.waiting));
      lane.appendChild(b);
    }
    if (!pending.length) lane.appendChild(el("p", "empty", words.none));
    const services = $("services");
    services.replaceChildren();
    for (const s of snap.services) {
      const li = el("li", "service");
      li.dataset.service = s.name;
      li.appendChild(el("span", "name", s.namespace + "/" + s.name));
      li.appendChild(el("span", "kind", s.kind + " " + s.cluster_ip));
      li.appendChild(el("span", "behind", words.pods_behind + ": " +
        (s.pods.length ? s.pods.join(", ") : words.none)));
      services.appendChild(li);
    }
    const lines = $("lines");
    lines.replaceChildren();
    for (const l of snap.lines.slice().reverse()) {
      const li = el("li", "line", l.text);
      li.dataset.key = l.key;
      li.dataset.seq = l.seq;
      lines.appendChild(li);
    }
    if (focused) {
      const again = document.querySelector('[data-pod="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
    first = false;
    document.dispatchEvent(new CustomEvent("minik:drawn", { detail: snap }));
    body.dataset.drawn = String((Number(body.dataset.drawn) || 0) + 1);
  }

  const source = new EventSource("/events?token=" + encodeURIComponent(token));
  source.onmessage = (e) => draw(JSON.parse(e.data));
  source.onerror = () => {
    const p = $("api");
    p.dataset.state = "page-lost";
    p.textContent = words.page_lost;
  };
})();
