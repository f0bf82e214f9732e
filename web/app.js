/* app.js: the dashboard of `tocsin serve`: overview, topic, evidence and sources pages over the
 * JSON API, with uPlot charts and live updates from /api/events.
 *
 * Every string from the store is hostile input: it reaches the page only through text nodes
 * (el() below and textContent), never as markup (no innerHTML anywhere), and the server's
 * Content-Security-Policy forbids inline scripts and foreign origins besides. Matched terms are
 * highlighted by splitting the text into text nodes and <mark> elements. */
"use strict";

const DAY = 86400;

/* el("tag", {attr: value, ...}, child...) with children as nodes or strings (text nodes). */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const k of kids.flat()) {
    if (k === undefined || k === null || k === false) continue;
    e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
  }
  return e;
}

function main() { return document.getElementById("main"); }

function setMain(...kids) {
  const m = main();
  m.replaceChildren(...kids.flat());
}

async function api(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const url = "/api/" + path + (q.toString() ? "?" + q : "");
  const r = await fetch(url, { credentials: "same-origin" });
  let body;
  try { body = await r.json(); } catch (e) { body = { error: "bad answer (" + r.status + ")" }; }
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function errorBox(e) { return el("p", { class: "error" }, String(e && e.message || e)); }

function dayOf(s) { return Date.parse(s.slice(0, 10) + "T00:00:00Z") / 1000; }
function fmtDay(t) { return new Date(t * 1000).toISOString().slice(0, 10); }
function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "?";
  if (!Number.isFinite(v)) return "\u221e";
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(2);
  return v.toPrecision(2);
}
function fmtP(p) { return p === null ? "?" : p < 0.001 ? "< 0.001" : p.toFixed(3); }

const PALETTE = ["#0b62a4", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d", "#1098ad",
                 "#e67700", "#495057", "#a61e4d"];

/* --- live updates ------------------------------------------------------------------------------ */

let rerender = null;
function startLive() {
  const tag = document.getElementById("live");
  if (!window.EventSource) { tag.textContent = "no live updates"; return; }
  const es = new EventSource("/api/events");
  es.addEventListener("hello", () => { tag.className = "live on"; tag.textContent = "live"; });
  es.addEventListener("update", () => {
    tag.className = "live on";
    tag.textContent = "live \u00b7 store changed " + new Date().toLocaleTimeString();
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    if (rerender) rerender();
  });
  es.onerror = () => { tag.className = "live"; tag.textContent = "reconnecting"; };
}

/* --- series from /api/trend -------------------------------------------------------------------- */

/* rows -> Map lang -> {days: Map(day -> row)}, and the sorted union of days. */
function groupTrend(rows) {
  const langs = new Map();
  const days = new Set();
  for (const r of rows) {
    const t = dayOf(r.bucket);
    days.add(t);
    if (!langs.has(r.lang)) langs.set(r.lang, new Map());
    langs.get(r.lang).set(t, r);
  }
  return { langs, days: [...days].sort((a, b) => a - b) };
}

function valueOf(r, measure, view) {
  if (!r) return view === "share" ? null : 0;
  const v = r[measure], t = r["total_" + measure];
  if (view === "share") return t ? v / t : null;
  return v;
}

/* --- overview ---------------------------------------------------------------------------------- */

function sparkline(values, title) {
  const c = el("canvas", { class: "spark", width: 340, height: 68, title, "data-points": values.length });
  const g = c.getContext("2d");
  const max = Math.max(0, ...values.filter((v) => v !== null));
  g.strokeStyle = "#0b62a4";
  g.lineWidth = 2;
  g.beginPath();
  values.forEach((v, i) => {
    const x = values.length > 1 ? (i / (values.length - 1)) * 336 + 2 : 170;
    const y = 64 - (max > 0 ? ((v || 0) / max) * 60 : 0);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  return c;
}

function changeText(f) {
  const ratio = f.rate_ratio !== undefined && f.rate_ratio !== null
    ? " \u00d7" + fmtNum(f.rate_ratio) + " [" + fmtNum(f.ci_low) + "\u2013" + fmtNum(f.ci_high) + "]" : "";
  return (f.ongoing ? "since " : "") + f.start + ratio + (f.ongoing ? "" : " to " + f.end);
}

async function overview() {
  document.title = "tocsin: overview";
  let rows;
  try { rows = await api("trend", { by: "day" }); } catch (e) { setMain(errorBox(e)); return; }
  const topics = new Map();
  const allLangs = new Set();
  for (const r of rows) {
    if (!topics.has(r.topic)) topics.set(r.topic, []);
    topics.get(r.topic).push(r);
    allLangs.add(r.lang);
  }
  const langs = [...allLangs].sort();
  const changeCells = new Map();
  const head = el("tr", {}, el("th", {}, "topic"), langs.map((l) => el("th", { dir: "auto" }, l)));
  const body = [];
  for (const [topic, trs] of [...topics.entries()].sort()) {
    const g = groupTrend(trs);
    const cells = langs.map((l) => {
      const m = g.langs.get(l);
      if (!m) return el("td", { class: "cell muted" }, "\u2013");
      const vals = g.days.map((d) => (m.get(d) ? m.get(d).unique : 0));
      const total = [...m.values()].reduce((s, r) => s + r.posts, 0);
      const change = el("div", { class: "change muted" }, "\u2026");
      changeCells.set(topic + "\u0000" + l, change);
      return el("td", { class: "cell" },
        el("a", { href: "/topic?topic=" + encodeURIComponent(topic) + "&lang=" + encodeURIComponent(l) },
          sparkline(vals, topic + " / " + l + ": unique posts per day")),
        el("div", { class: "meta" }, total + " posts, " + fmtDay(g.days[0]) + " to " + fmtDay(g.days[g.days.length - 1])),
        change);
    });
    body.push(el("tr", {}, el("th", {}, el("a", { href: "/topic?topic=" + encodeURIComponent(topic), dir: "auto" }, topic)), cells));
  }
  setMain(
    el("h1", {}, "Topics \u00d7 languages"),
    el("p", { class: "muted" }, "Unique posts per day (a near-duplicate flood counts once). The latest change is the last upward change point of the topic's share of the language (PELT, with its interval on the ratio)."),
    rows.length ? el("table", { class: "matrix" }, el("thead", {}, head), el("tbody", {}, body))
                : el("p", {}, "No matching posts in the store yet."));
  try {
    const fs = await api("surges", {});
    const latest = new Map();
    for (const f of fs) latest.set(f.topic + "\u0000" + f.lang, f);
    for (const [k, cell] of changeCells) {
      const f = latest.get(k);
      cell.replaceChildren(f ? el("a", { href: "/evidence?topic=" + encodeURIComponent(f.topic) + "&lang=" + encodeURIComponent(f.lang) }, "latest change: " + changeText(f))
                             : document.createTextNode("no change found"));
    }
  } catch (e) {
    for (const cell of changeCells.values()) cell.textContent = "changes: " + e.message;
  }
}

/* --- topic ------------------------------------------------------------------------------------- */

const topicState = { measure: "unique", view: "share", off: new Set(), mode: "zoom", windows: [] };
let plot = null;

function windowText(w) { return fmtDay(w[0]) + ".." + fmtDay(w[1]); }

async function topicPage(params) {
  const topic = params.get("topic");
  if (!topic) { setMain(errorBox("no topic given")); return; }
  document.title = "tocsin: " + topic;
  const only = params.get("lang");
  let rows, findings = [];
  try { rows = await api("trend", { topic, by: "day" }); } catch (e) { setMain(errorBox(e)); return; }
  try { findings = await api("surges", { topic }); } catch (e) { findings = []; }
  const g = groupTrend(rows);
  const langs = [...g.langs.keys()].sort();
  if (only && langs.includes(only) && !topicState.init) {
    for (const l of langs) if (l !== only) topicState.off.add(l);
  }
  topicState.init = true;
  const chartBox = el("div", { id: "chart" });
  const result = el("div", { id: "compare" });
  const windows = el("p", { class: "windows", id: "windows" });
  const S = topicState;

  function showWindows() {
    const parts = [];
    if (S.windows[0]) parts.push(el("span", { class: "before", id: "win-before" }, "before " + windowText(S.windows[0])));
    if (S.windows[1]) parts.push(" ", el("span", { class: "after", id: "win-after" }, "after " + windowText(S.windows[1])));
    if (!parts.length) parts.push(S.mode === "compare" ? "Drag across the chart to mark the earlier window, then the later one." : "");
    windows.replaceChildren(...parts);
  }

  async function runCompare() {
    if (S.windows.length < 2) { result.replaceChildren(); return; }
    const [b, a] = S.windows[0][0] <= S.windows[1][0] ? S.windows : [S.windows[1], S.windows[0]];
    const q = { topic, before: windowText(b), after: windowText(a), measure: S.measure,
                normalize: S.view === "share" ? "share" : "per-day" };
    result.replaceChildren(el("p", { class: "muted" }, "comparing\u2026"));
    let out;
    try { out = await api("compare", q); } catch (e) { result.replaceChildren(errorBox(e)); return; }
    const tr = out.map((r) => el("tr", { class: "cmp-row", "data-lang": r.lang, "data-ratio": r.rate_ratio,
                                           "data-ci-low": r.ci_low, "data-ci-high": r.ci_high },
      el("td", { dir: "auto" }, r.lang),
      el("td", { class: "num" }, r.before.posts + " / " + r.before.total + " in " + r.before.days + " d"),
      el("td", { class: "num" }, r.after.posts + " / " + r.after.total + " in " + r.after.days + " d"),
      el("td", { class: "num ratio" }, r.rate_ratio === null ? "\u2013" : "\u00d7" + fmtNum(r.rate_ratio)),
      el("td", { class: "num ci" }, r.rate_ratio === null ? (r.note || "") : fmtNum(r.ci_low) + "\u2013" + fmtNum(r.ci_high)),
      el("td", {}, r.ci_method || ""),
      el("td", { class: "num" }, r.q_value === null ? "" : fmtP(r.q_value))));
    result.replaceChildren(
      el("h2", {}, "Rate ratio, after / before"),
      el("p", { class: "muted" }, "tocsin compare --topic " + topic + " --before " + q.before + " --after " + q.after +
        " --measure " + q.measure + " --normalize " + q.normalize + " gives the same numbers. Interval at 95 %."),
      el("table", {}, el("thead", {}, el("tr", {}, ["language", "before (topic / all)", "after", "ratio", "interval", "method", "q"].map((h) => el("th", {}, h)))),
        el("tbody", {}, tr)));
    document.body.dataset.compared = String(Number(document.body.dataset.compared || 0) + 1);
  }

  function draw() {
    const on = langs.filter((l) => !S.off.has(l));
    const xs = g.days;
    const data = [xs, ...on.map((l) => xs.map((d) => valueOf(g.langs.get(l).get(d), S.measure, S.view)))];
    const series = [{}, ...on.map((l) => ({ label: l, stroke: PALETTE[langs.indexOf(l) % PALETTE.length], width: 1.6, spanGaps: false,
      value: (u, v) => v === null ? "\u2013" : S.view === "share" ? (v * 100).toFixed(2) + " %" : String(v) }))];
    const width = Math.max(480, Math.min(1240, main().clientWidth - 10));
    const old = plot && plot.scales.x ? [plot.scales.x.min, plot.scales.x.max] : null;
    if (plot) plot.destroy();
    const opts = {
      width, height: 360,
      scales: { x: { time: true } },
      axes: [{}, { size: 70, values: (u, vals) => vals.map((v) => S.view === "share" ? (v * 100).toPrecision(3) + "%" : String(v)) }],
      series,
      cursor: { drag: { x: true, y: false, setScale: S.mode === "zoom" } },
      hooks: {
        setScale: [(u, key) => {
          if (key !== "x") return;
          chartBox.dataset.xmin = String(u.scales.x.min);
          chartBox.dataset.xmax = String(u.scales.x.max);
        }],
        setSelect: [(u) => {
          if (S.mode !== "compare" || u.select.width < 2) return;
          const from = Math.floor(u.posToVal(u.select.left, "x") / DAY) * DAY;
          const to = Math.floor(u.posToVal(u.select.left + u.select.width, "x") / DAY) * DAY;
          if (S.windows.length >= 2) S.windows = [];
          S.windows.push([Math.max(from, xs[0]), Math.min(Math.max(to, from), xs[xs.length - 1])]);
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          showWindows();
          u.redraw(false);
          runCompare();
        }],
        draw: [(u) => {
          const c = u.ctx;
          c.save();
          S.windows.forEach((w, i) => {
            const x0 = u.valToPos(w[0], "x", true), x1 = u.valToPos(w[1] + DAY, "x", true);
            c.fillStyle = i === 0 ? "rgba(80,120,220,0.16)" : "rgba(230,120,40,0.18)";
            c.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
          });
          for (const f of findings) {
            if (S.off.has(f.lang)) continue;
            const t = dayOf(f.start), lo = dayOf(f.start_ci[0]), hi = dayOf(f.start_ci[1]);
            const x = u.valToPos(t, "x", true);
            c.fillStyle = "rgba(201,42,42,0.12)";
            const xl = u.valToPos(lo, "x", true), xh = u.valToPos(hi + DAY, "x", true);
            c.fillRect(xl, u.bbox.top, Math.max(1, xh - xl), u.bbox.height);
            c.strokeStyle = PALETTE[langs.indexOf(f.lang) % PALETTE.length];
            c.setLineDash([4, 3]);
            c.beginPath(); c.moveTo(x, u.bbox.top); c.lineTo(x, u.bbox.top + u.bbox.height); c.stroke();
          }
          c.restore();
        }],
      },
    };
    plot = new uPlot(opts, data, chartBox);
    if (old && old[0] !== undefined && old[0] !== null && S.keepZoom) plot.setScale("x", { min: old[0], max: old[1] });
    S.keepZoom = false;
  }

  function pan(frac) {
    if (!plot) return;
    const { min, max } = plot.scales.x;
    const d = (max - min) * frac;
    plot.setScale("x", { min: min + d, max: max + d });
  }
  function zoom(f) {
    if (!plot) return;
    const { min, max } = plot.scales.x;
    const mid = (min + max) / 2, half = (max - min) * f / 2;
    plot.setScale("x", { min: mid - half, max: mid + half });
  }

  const sel = (name, opts, value, onchange) =>
    el("select", { id: name, onchange: (e) => onchange(e.target.value) },
      opts.map(([v, t]) => { const o = el("option", { value: v }, t); if (v === value) o.selected = true; return o; }));
  const modeBtn = (m, label) => el("button", { id: "mode-" + m, class: S.mode === m ? "active" : "", onclick: () => {
    S.mode = m; if (m === "compare") S.windows = []; S.keepZoom = true;
    render(); } }, label);

  function render() {
    const langBoxes = langs.map((l) => {
      const cb = el("input", { type: "checkbox", value: l, class: "lang-filter" });
      cb.checked = !S.off.has(l);
      cb.addEventListener("change", () => { if (cb.checked) S.off.delete(l); else S.off.add(l); S.keepZoom = true; draw(); });
      return el("label", { dir: "auto" }, cb, " " + l);
    });
    setMain(
      el("h1", { dir: "auto" }, topic),
      el("div", { class: "controls" },
        el("label", {}, "measure ", sel("measure", [["posts", "raw posts"], ["unique", "unique posts"], ["authors", "authors"]], S.measure,
          (v) => { S.measure = v; S.keepZoom = true; draw(); runCompare(); })),
        el("label", {}, "show ", sel("view", [["share", "share of the language"], ["count", "count per day"]], S.view,
          (v) => { S.view = v; S.keepZoom = true; draw(); runCompare(); })),
        el("span", {}, "languages: ", langBoxes)),
      el("div", { class: "controls" },
        modeBtn("zoom", "drag to zoom"), modeBtn("compare", "drag to compare two windows"),
        el("button", { onclick: () => pan(-0.5), title: "pan left" }, "\u25c0"),
        el("button", { onclick: () => pan(0.5), title: "pan right" }, "\u25b6"),
        el("button", { onclick: () => zoom(2), title: "zoom out" }, "zoom out"),
        el("button", { onclick: () => { plot && plot.setScale("x", { min: g.days[0], max: g.days[g.days.length - 1] }); } }, "whole range"),
        el("a", { href: "/evidence?topic=" + encodeURIComponent(topic) }, "evidence \u2192")),
      windows, chartBox,
      el("p", { class: "muted" }, "Dashed lines: change points (surges) with the interval on their start shaded; blue and orange: the compared windows."),
      result);
    showWindows();
    if (g.days.length) draw(); else chartBox.replaceChildren(el("p", {}, "No posts for this topic."));
    runCompare();
  }
  render();
}

/* --- evidence ---------------------------------------------------------------------------------- */

/* Text nodes and <mark>s for `text` with every occurrence of `terms` marked (case-insensitive). */
function highlighted(text, terms) {
  const esc = terms.filter((t) => t && t.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!esc.length) return [document.createTextNode(text)];
  let re;
  try { re = new RegExp(esc.sort((a, b) => b.length - a.length).join("|"), "giu"); } catch (e) { return [document.createTextNode(text)]; }
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(el("mark", {}, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

function postView(p, terms, extra) {
  return el("div", { class: "post", dir: "auto", "data-key": p.key },
    el("span", { class: "meta", dir: "ltr" }, p.time + " \u00b7 " + p.channel + " \u00b7 " + p.author + (extra ? " \u00b7 " + extra : "")),
    highlighted(p.text || "(no text kept)", terms));
}

async function evidencePage(params) {
  const topic = params.get("topic");
  if (!topic) { setMain(errorBox("no topic given")); return; }
  document.title = "tocsin: evidence for " + topic;
  const lang = params.get("lang") || undefined;
  let fs;
  try { fs = await api("surges", { topic, lang, top: 8 }); } catch (e) { setMain(errorBox(e)); return; }
  const blocks = fs.map((f) => {
    const terms = f.evidence.terms.map((t) => t.term);
    return el("section", { class: "finding" },
      el("h2", { dir: "auto" }, f.lang + ": " + changeText(f)),
      el("p", { class: "muted" }, f.posts + " " + f.measure + " posts in the span, " + f.kept_posts + " kept as evidence" +
        (f.start_ci ? "; start between " + f.start_ci[0] + " and " + f.start_ci[1] : "")),
      el("div", { class: "tags" }, "terms: ", f.evidence.terms.map((t) => el("span", { dir: "auto" }, t.term + " (" + t.posts + ")"))),
      el("div", { class: "tags" }, "channels: ", f.evidence.channels.map((c) => el("span", { dir: "auto" }, c.channel + " (" + c.posts + ")"))),
      f.evidence.clusters.length ? el("h3", {}, "Near-duplicate clusters (an original example each)") : null,
      f.evidence.clusters.map((c) => postView(c.example, terms, c.posts + " posts in cluster " + c.cluster)),
      el("h3", {}, "First posts"),
      f.evidence.first_posts.map((p) => postView(p, terms)));
  });
  setMain(
    el("h1", { dir: "auto" }, "Evidence: " + topic + (lang ? " / " + lang : "")),
    el("p", {}, el("a", { href: "/topic?topic=" + encodeURIComponent(topic) }, "\u2190 chart")),
    blocks.length ? blocks : el("p", {}, "No surge found for this topic" + (lang ? " in " + lang : "") + "."));
}

/* --- sources ----------------------------------------------------------------------------------- */

async function sourcesPage() {
  document.title = "tocsin: sources and coverage";
  let d;
  try { d = await api("sources", {}); } catch (e) { setMain(errorBox(e)); return; }
  const t = (s) => Date.parse(s) / 1000;
  const min = Math.min(...d.channels.map((c) => t(c.first)));
  const max = Math.max(...d.channels.map((c) => t(c.last) + 3600));
  const span = Math.max(1, max - min);
  const pct = (x) => (100 * (x - min) / span).toFixed(3) + "%";
  const strip = (c) => {
    const s = el("div", { class: "strip", title: c.first + " to " + c.last });
    const on = el("div", { class: "on" });
    on.style.left = pct(t(c.first));
    on.style.width = (100 * (t(c.last) + 3600 - t(c.first)) / span).toFixed(3) + "%";
    s.appendChild(on);
    for (const gp of c.gaps) {
      const x = el("div", { class: "gap", title: "no post " + gp.from + " to " + gp.to });
      const a = dayOf(gp.from), b = dayOf(gp.to);
      x.style.left = pct(a);
      x.style.width = (100 * (b - a) / span).toFixed(3) + "%";
      s.appendChild(x);
    }
    return s;
  };
  setMain(
    el("h1", {}, "Sources and coverage"),
    el("h2", {}, "Sources (" + d.sources.length + ")"),
    el("table", {}, el("thead", {}, el("tr", {}, ["file", "format", "SHA-256", "bytes", "records", "posts", "skipped", "new", "status", "ingested"].map((h) => el("th", {}, h)))),
      el("tbody", {}, d.sources.map((s) => el("tr", {},
        el("td", { class: "mono", dir: "auto" }, s.source), el("td", {}, s.format),
        el("td", { class: "mono", title: s.sha256 }, s.sha256.slice(0, 16) + "\u2026"),
        el("td", { class: "num" }, s.size), el("td", { class: "num" }, s.records), el("td", { class: "num" }, s.posts),
        el("td", { class: "num", title: s.skipped_by_reason }, s.skipped), el("td", { class: "num" }, s.new_posts),
        el("td", {}, s.status), el("td", {}, s.ingested))))),
    el("h2", {}, "Channels (" + d.channels.length + ")"),
    el("p", { class: "muted" }, "Each bar spans a channel's first to last post over the store's time range; red marks silences (gaps). Channels that join late or vanish change the denominators: compare shares, not counts."),
    el("table", {}, el("thead", {}, el("tr", {}, ["channel", "platform", "posts", "first", "last", "coverage"].map((h) => el("th", {}, h)))),
      el("tbody", {}, d.channels.map((c) => el("tr", { class: "channel-row" },
        el("td", { dir: "auto" }, c.channel, c.name && c.name !== c.channel ? el("span", { class: "muted" }, " " + c.name) : null),
        el("td", {}, c.platform || "\u2013"), el("td", { class: "num" }, c.posts),
        el("td", {}, c.first.slice(0, 10)), el("td", {}, c.last.slice(0, 10)),
        el("td", {}, strip(c), c.joined_late ? el("span", { class: "flag" }, "joined late") : null,
          c.vanished ? el("span", { class: "flag" }, "vanished") : null))))));
}

/* --- routing ----------------------------------------------------------------------------------- */

function route() {
  const p = new URLSearchParams(location.search);
  const path = location.pathname;
  const run = path === "/topic" ? () => topicPage(p)
            : path === "/evidence" ? () => evidencePage(p)
            : path === "/sources" ? () => sourcesPage()
            : () => overview();
  rerender = () => { topicState.keepZoom = true; run().then(done); };
  const done = () => { document.body.dataset.ready = "1"; };
  run().then(done, (e) => { setMain(errorBox(e)); done(); });
}

document.addEventListener("DOMContentLoaded", () => { startLive(); route(); });
