// cdflow live: fetches /api/all every second and redraws the graph and the panels. No dependencies.
"use strict";
const params = new URLSearchParams(location.search);
const token = params.get("token");
let windowS = Number(params.get("window")) || 60;
const SVG = "http://www.w3.org/2000/svg";
const COLUMNS = [
  ["clients / roles", ["role", "client", "internal"]],
  ["coordinators", ["coordinator"]],
  ["replicas", ["replica"]],
  ["tables (memtable)", ["memtable"]],
  ["sstables", ["sstables"]],
  ["compaction", ["compaction"]],
];
const LATENCY_COLOURS = [[1000, "#5cc98b"], [10000, "#d8c35a"], [100000, "#f0a35e"], [Infinity, "#ef6b73"]];

function url(path) {
  const query = new URLSearchParams({ window: String(windowS) });
  if (token) query.set("token", token);
  return path + "?" + query.toString();
}

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(n) {
  if (n === null || n === undefined) return "–";
  if (typeof n !== "number") return String(n);
  if (Math.abs(n) >= 1e9) return (n / 1e9).toFixed(1) + "G";
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (Math.abs(n) >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function colour(latency) {
  if (!latency) return "#7f8da1";
  for (const [bound, c] of LATENCY_COLOURS) if (latency.p99_us <= bound) return c;
  return "#ef6b73";
}

function drawGraph(graph) {
  const svg = document.getElementById("graph");
  const width = svg.clientWidth || 1200, height = svg.clientHeight || 520;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const colWidth = width / COLUMNS.length;
  const position = new Map();
  COLUMNS.forEach(([title, kinds], c) => {
    svg.appendChild(el("text", { x: c * colWidth + 10, y: 16, class: "column-title" }, title));
    const members = graph.vertices.filter(v => kinds.includes(v.kind)).sort((a, b) => b.count - a.count);
    const step = Math.min(34, (height - 30) / Math.max(members.length, 1));
    members.forEach((v, i) => position.set(v.id, { x: c * colWidth + 10, y: 28 + i * step, w: colWidth - 40, h: Math.max(step - 6, 10), v }));
  });
  const maxRate = Math.max(1e-9, ...graph.edges.map(e => e.rate));
  const edges = el("g", { class: "edges" });
  for (const e of graph.edges) {
    const a = position.get(e.source), b = position.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
    const back = x2 <= x1;
    const d = back
      ? `M${a.x + a.w / 2},${a.y + a.h} C${a.x + a.w / 2},${a.y + a.h + 40} ${b.x + b.w / 2},${b.y + b.h + 40} ${b.x + b.w / 2},${b.y + b.h}`
      : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    const widthPx = 1 + 9 * Math.log1p(e.rate) / Math.log1p(maxRate);
    const path = el("path", { d, class: "edge", "data-kind": e.kind, stroke: colour(e.latency), "stroke-width": widthPx.toFixed(1) });
    const lat = e.latency ? ` p50 ${fmt(e.latency.p50_us)} µs p99 ${fmt(e.latency.p99_us)} µs` : "";
    path.appendChild(el("title", {}, `${e.kind}: ${fmt(e.rate)}/s, ${fmt(e.count)} events, ${fmt(e.byte_rate)} B/s${lat}`));
    edges.appendChild(path);
  }
  svg.appendChild(edges);
  for (const p of position.values()) {
    const g = el("g", { class: "vertex" + (p.v.collapsed ? " collapsed" : ""), "data-kind": p.v.kind, "data-name": p.v.name });
    g.appendChild(el("rect", { x: p.x, y: p.y, width: p.w, height: p.h, rx: 3 }));
    g.appendChild(el("text", { x: p.x + 5, y: p.y + Math.min(p.h - 3, 13) }, `${p.v.name}  ${fmt(p.v.count)}`));
    g.appendChild(el("title", {}, `${p.v.kind} ${p.v.name}: ${p.v.count} events in the window`));
    svg.appendChild(g);
  }
  const d = graph.distinct;
  svg.appendChild(el("text", { x: 10, y: height - 6, class: "column-title" },
    `${d.clients} clients/roles, ${d.nodes} nodes, ${d.tables} tables (the busiest shown, the rest as "other")`));
}

function table(id, headers, rows) {
  const t = document.getElementById(id);
  t.replaceChildren();
  const head = t.insertRow();
  for (const h of headers) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
  if (rows.length === 0) { const r = t.insertRow(); const c = r.insertCell(); c.colSpan = headers.length; c.textContent = "none"; return; }
  for (const row of rows) {
    const r = t.insertRow();
    for (const cell of row) {
      const c = r.insertCell();
      if (cell && typeof cell === "object") { c.textContent = cell.text; c.className = cell.cls || ""; }
      else c.textContent = typeof cell === "number" ? fmt(cell) : (cell ?? "–");
    }
  }
}

function draw(all) {
  const s = all.status;
  const lag = s.lag_ms === null ? "no event yet" : `newest event ${(s.lag_ms / 1000).toFixed(1)} s ago`;
  const waiting = s.waiting_for.length ? ` · waiting for ${s.waiting_for.join(", ")}` : "";
  const skipped = s.skipped_files ? ` · ${s.skipped_files} skipped` : "";
  const capped = s.capped_updates ? ` · cardinality capped (${s.capped_updates} updates as "other")` : "";
  document.getElementById("status").textContent =
    `${s.journals.length} journal(s), ${s.files_read} closed file(s) · ${fmt(s.events)} events · ${lag}${waiting}${skipped}${capped}`;
  drawGraph(all.graph);
  const t = all.traffic;
  table("roles", ["role", "writes/s", "reads/s", "writes", "reads", "tombstones"],
    t.by_role.map(r => [r.role === "" ? "(none)" : r.role, r.write_rate, r.read_rate, r.writes, r.reads, r.tombstones]));
  table("tables", ["table", "writes", "reads", "replica writes", "bytes written"],
    t.by_table.map(r => [r.table, r.writes, r.reads, r.replica_writes, r.write_bytes]));
  table("partitions", ["table", "key hash", "token", "requests", "share"],
    all.partitions.top.map(p => [p.table, p.partition_key_hash ?? "–", p.token, p.count, (100 * p.share).toFixed(1) + " %"]));
  table("tombstones", ["role", "tombstones", "writes", "per write"],
    all.tombstones.by_role.map(r => [r.role, r.tombstones, r.writes, r.per_write]));
  table("lwt", ["table", "role", "LWTs", "not applied", "contended", "contention"],
    all.lwt.map(r => [r.table, r.role, r.requests, r.not_applied, r.contended,
      { text: (100 * r.contention).toFixed(1) + " %", cls: r.contention > 0.1 ? "warn" : "" }]));
  table("hints", ["target", "pending", "written", "replayed"],
    all.hints.map(h => [h.target, { text: fmt(h.pending), cls: h.pending > 0 ? "warn" : "" }, h.written, h.replayed]));
  const causes = all.drops.length ? Object.keys(all.drops[0].dropped) : [];
  table("drops", ["node", "seen", "written", "lost", ...causes.map(c => c.replace(/^(agent_)?dropped_/, ""))],
    all.drops.map(d => [d.node, d.seen, d.written, { text: fmt(d.lost), cls: d.lost > 0 ? "bad" : "" }, ...causes.map(c => d.dropped[c])]));
  table("skipped", ["file", "why"], all.skipped.map(f => [f.path, { text: f.reason, cls: "warn" }]));
}

function windowButtons(windows) {
  const box = document.getElementById("windows");
  if (box.childElementCount) return;
  for (const w of windows) {
    const b = document.createElement("button");
    b.textContent = w < 60 ? `${w} s` : `${w / 60} min`;
    b.dataset.window = w;
    b.onclick = () => { windowS = w; tick(); };
    box.appendChild(b);
  }
}

async function tick() {
  try {
    const response = await fetch(url("api/all"));
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const doc = await response.json();
    windowButtons(doc.windows_s);
    for (const b of document.querySelectorAll("#windows button")) b.classList.toggle("on", Number(b.dataset.window) === windowS);
    draw(doc.all);
    document.body.dataset.updated = String(doc.now_us);
  } catch (error) {
    document.getElementById("status").textContent = "cannot reach cdflow live: " + error.message;
  }
}

document.getElementById("legend").replaceChildren(...LATENCY_COLOURS.map(([bound, c]) => {
  const s = document.createElement("small");
  const box = document.createElement("span"); box.style.background = c;
  s.append(box, bound === Infinity ? "slower" : `p99 ≤ ${bound / 1000} ms`);
  return s;
}));
tick();
setInterval(tick, 1000);
