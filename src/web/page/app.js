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

// --- A pod's detail (its containers as its node's containerd lists them, and the last lines
// of their logs): opened by clicking a pod or pressing Enter on it, fetched from /pod when
// opened. Everything is drawn as text (textContent), never as HTML.
(function () {
  const body = document.body;
  const token = body.dataset.token;
  const words = JSON.parse(body.dataset.words).detail;
  const $ = (id) => document.getElementById(id);
  const panel = $("pod-detail");
  let shown = null; // {namespace, pod, from}

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  $("pod-detail-close").textContent = words.close;
  $("pod-detail-refresh").textContent = words.refresh;

  function facts(pairs) {
    const dl = el("dl", "facts");
    for (const [k, v] of pairs) {
      dl.appendChild(el("dt", "", k));
      dl.appendChild(el("dd", "", v));
    }
    return dl;
  }

  function containerBox(c, detail) {
    const a = el("article", "container");
    a.dataset.container = c.name;
    a.appendChild(el("h3", "container-name", c.name + (c.init ? " (" + words.init + ")" : "")));
    a.appendChild(facts([[words.image, c.image], [words.state, c.state || "-"],
      [words.ready, c.ready ? words.yes : words.no], [words.restarts, String(c.restarts)]]));
    a.appendChild(el("h4", "", words.containerd.replace("{node}", () => detail.node)));
    const list = el("ul", "containerd");
    for (const r of c.containerd) {
      const li = el("li", "", r.id + "  " + r.image + "  " + r.task +
        (r.current ? "  (" + words.current + ")" : ""));
      li.dataset.id = r.id;
      li.dataset.task = r.task;
      list.appendChild(li);
    }
    if (!c.containerd.length) {
      list.appendChild(el("li", "empty", detail.node_container
        ? (detail.containerd_error || words.containerd_none) : words.no_node_container));
    }
    a.appendChild(list);
    a.appendChild(el("h4", "", words.log));
    const pre = el("pre", "log", c.log.length ? c.log.join("\n") : (c.log_error || words.no_log));
    pre.tabIndex = 0;
    a.appendChild(pre);
    if (c.log_cut) a.appendChild(el("p", "empty", words.log_cut));
    return a;
  }

  function status(text, state) {
    const p = $("pod-detail-status");
    p.textContent = text;
    p.dataset.state = state;
  }

  async function load() {
    const want = shown;
    status(words.loading, "loading");
    const q = "/pod?token=" + encodeURIComponent(token) + "&namespace=" +
      encodeURIComponent(want.namespace) + "&pod=" + encodeURIComponent(want.pod);
    let answer;
    try {
      const r = await fetch(q, { cache: "no-store" });
      answer = await r.json();
    } catch (e) {
      answer = { error: "api" };
    }
    if (shown !== want) return;
    const box = $("pod-detail-body");
    if (answer.error) {
      box.replaceChildren();
      status(words.errors[answer.error] || words.errors.api, "error");
      return;
    }
    box.replaceChildren(...answer.containers.map((c) => containerBox(c, answer)));
    status(words.on_node.replace("{node}", () => answer.node || "-"), "loaded");
    panel.dataset.loaded = String((Number(panel.dataset.loaded) || 0) + 1);
  }

  function open(pod) {
    shown = { namespace: pod.dataset.namespace, pod: pod.dataset.pod };
    $("pod-detail-title").textContent = words.title + " " + shown.namespace + "/" + shown.pod;
    panel.dataset.namespace = shown.namespace;
    panel.dataset.pod = shown.pod;
    $("pod-detail-body").replaceChildren();
    panel.hidden = false;
    $("pod-detail-close").focus();
    load();
  }

  function close() {
    const was = shown;
    shown = null;
    panel.hidden = true;
    if (was) {
      const again = document.querySelector('.pod[data-namespace="' + CSS.escape(was.namespace) +
        '"][data-pod="' + CSS.escape(was.pod) + '"]');
      if (again) again.focus();
    }
  }

  document.addEventListener("click", (e) => {
    const pod = e.target.closest && e.target.closest(".pod");
    if (pod && !panel.contains(pod)) open(pod);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) { close(); return; }
    const pod = e.target.closest && e.target.closest(".pod");
    if (pod && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(pod); }
  });
  $("pod-detail-close").addEventListener("click", close);
  $("pod-detail-refresh").addEventListener("click", () => { if (shown) load(); });
})();
