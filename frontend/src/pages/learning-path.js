// A learning path as a graph: each course a node coloured by its state for the
// viewer (locked / available / in progress / completed), each arrow a course it
// needs first. Columns are depths in the prerequisite graph, so a course sits
// right of everything it needs. The server-rendered list below stays the
// accessible version; the graph only adds the picture.
import { select } from "d3-selection";
import { linkHorizontal } from "d3-shape";

const NODE_W = 200;
const NODE_H = 56;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 12;
const LABELS = { completed: "Completed", in_progress: "In progress", available: "Available", locked: "Locked" };

function depths(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map();
  const visiting = new Set();
  function depth(node) {
    if (memo.has(node.id)) return memo.get(node.id);
    if (visiting.has(node.id)) return 0; // a cycle (should not happen): cut it here
    visiting.add(node.id);
    let d = 0;
    for (const id of node.requires) {
      const required = byId.get(id);
      if (required) d = Math.max(d, depth(required) + 1);
    }
    visiting.delete(node.id);
    memo.set(node.id, d);
    return d;
  }
  for (const node of nodes) depth(node);
  return memo;
}

function layout(nodes) {
  const depth = depths(nodes);
  const columns = [];
  for (const node of nodes) {
    const d = depth.get(node.id);
    (columns[d] ||= []).push(node);
  }
  const rows = Math.max(...columns.map((c) => c.length));
  const height = rows * NODE_H + (rows - 1) * GAP_Y + 2 * PAD;
  const place = new Map();
  columns.forEach((column, d) => {
    const used = column.length * NODE_H + (column.length - 1) * GAP_Y;
    const top = (height - used) / 2;
    column.forEach((node, i) => {
      place.set(node.id, { x: PAD + d * (NODE_W + GAP_X), y: top + i * (NODE_H + GAP_Y) });
    });
  });
  const width = columns.length * NODE_W + (columns.length - 1) * GAP_X + 2 * PAD;
  return { place, width, height };
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function draw(root, graph) {
  const nodes = graph.nodes;
  if (!nodes.length) return;
  const { place, width, height } = layout(nodes);
  const svg = select(root.querySelector("svg"))
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", width)
    .attr("height", height);
  svg
    .append("defs")
    .append("marker")
    .attr("id", "path-arrow")
    .attr("viewBox", "0 0 10 10")
    .attr("refX", 9)
    .attr("refY", 5)
    .attr("markerWidth", 7)
    .attr("markerHeight", 7)
    .attr("orient", "auto-start-reverse")
    .append("path")
    .attr("d", "M0,0L10,5L0,10z")
    .attr("class", "path-arrow-head");

  const edges = [];
  for (const node of nodes) {
    for (const id of node.requires) {
      if (place.has(id)) edges.push({ source: place.get(id), target: place.get(node.id) });
    }
  }
  const link = linkHorizontal()
    .source((e) => [e.source.x + NODE_W, e.source.y + NODE_H / 2])
    .target((e) => [e.target.x - 2, e.target.y + NODE_H / 2]);
  svg
    .append("g")
    .attr("class", "path-edges")
    .selectAll("path")
    .data(edges)
    .join("path")
    .attr("d", link)
    .attr("marker-end", "url(#path-arrow)");

  const node = svg
    .append("g")
    .attr("class", "path-nodes")
    .selectAll("a")
    .data(nodes)
    .join("a")
    .attr("href", (n) => n.url)
    .attr("tabindex", -1) // the list below is the keyboard's way in
    .attr("class", (n) => `path-node state-${n.state}`)
    .attr("transform", (n) => `translate(${place.get(n.id).x},${place.get(n.id).y})`);
  node.append("title").text((n) => `${n.title} — ${LABELS[n.state] || n.state}`);
  node.append("rect").attr("width", NODE_W).attr("height", NODE_H).attr("rx", 12);
  node
    .append("text")
    .attr("class", "path-node-title")
    .attr("x", 14)
    .attr("y", 24)
    .text((n) => clip(n.title, 24));
  node
    .append("text")
    .attr("class", "path-node-state")
    .attr("x", 14)
    .attr("y", 42)
    .text((n) => LABELS[n.state] || n.state);
  root.hidden = false;
}

const root = document.querySelector("[data-path-graph]");
if (root) {
  try {
    draw(root, JSON.parse(root.dataset.graph));
  } catch (error) {
    // The list below already shows everything; a graph that cannot be drawn stays hidden.
    console.error(error);
  }
}
