/* dashboard.js: browser tests of `tocsin serve` and `tocsin report` in Debian's chromium, driven
 * by playwright-core. Run by tests/e2e/serve_browser.sh, which builds the store, starts the server
 * and passes everything in the environment:
 *   PW_DIR    where playwright-core is installed      BASE   the server's URL
 *   TOCSIN    the tocsin binary                       DB     the store
 *   OUT       directory for screenshots (artifacts)   REPORT a report.html to open offline
 *   INGEST    a command that adds posts to the store (for the live-update check)
 * Checks: overview and topic pages draw non-empty charts; brushing two windows gives the same
 * ratio and interval as `tocsin compare`; hostile post texts show as text and run nothing; pages
 * update by themselves when the store changes; the report renders its charts with the network
 * cut. No page may log an error or violate the Content-Security-Policy. Ends "N passed, N failed". */
"use strict";
const path = require("path");
const fs = require("fs");
const { execFileSync, execSync } = require("child_process");
const { chromium } = require(path.join(process.env.PW_DIR, "node_modules", "playwright-core"));

const BASE = process.env.BASE, OUT = process.env.OUT;
let pass = 0, fail = 0;
function check(name, cond, detail) {
  if (cond) { pass++; console.log("ok " + name); }
  else { fail++; console.log("FAIL " + name + (detail !== undefined ? ": " + detail : "")); }
}

/* Fraction of non-blank pixels of a canvas (in the page). */
async function inkOf(page, selector) {
  return page.$eval(selector, (c) => {
    const g = c.getContext("2d");
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) ink++;
    return ink / (c.width * c.height);
  });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(OUT, "profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1300, height: 900 },
  });
  const problems = [];
  const foreign = [];
  context.on("request", (r) => { const u = r.url(); if (!u.startsWith(BASE) && !u.startsWith("file:") && !u.startsWith("data:")) foreign.push(u); });
  const newPage = async () => {
    const p = await context.newPage();
    p.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
    p.on("pageerror", (e) => problems.push(String(e)));
    p.on("dialog", (d) => { problems.push("dialog: " + d.message()); d.dismiss(); });
    return p;
  };

  /* --- overview ------------------------------------------------------------------------------- */
  const page = await newPage();
  await page.goto(BASE + "/");
  await page.waitForSelector("body[data-ready='1']", { timeout: 20000 });
  const sparks = await page.$$("canvas.spark");
  check("overview: a sparkline per topic x language", sparks.length >= 3, sparks.length);
  const inks = [];
  for (let i = 0; i < sparks.length; i++) inks.push(await inkOf(page, `table.matrix canvas.spark >> nth=${i}`));
  check("overview: every sparkline has ink", inks.length > 0 && inks.every((x) => x > 0.002), JSON.stringify(inks));
  await page.waitForFunction(() => !document.querySelector(".change") || [...document.querySelectorAll(".change")].every((c) => c.textContent !== "\u2026"), null, { timeout: 20000 });
  const changes = await page.$$eval(".change a", (as) => as.map((a) => a.textContent));
  check("overview: the latest change is shown (from /api/surges)", changes.some((t) => /latest change: .*\u00d7/.test(t)), JSON.stringify(changes));
  await page.screenshot({ path: path.join(OUT, "overview.png"), fullPage: true });

  /* live update: the open overview refetches when an ingest commits */
  const before = await page.evaluate(() => Number(document.body.dataset.updates || 0));
  execSync(process.env.INGEST, { stdio: "ignore" });
  let updated = false;
  try {
    await page.waitForFunction((b) => Number(document.body.dataset.updates || 0) > b, before, { timeout: 10000 });
    updated = true;
  } catch (e) { updated = false; }
  check("overview updates by itself after an ingest (Server-Sent Events)", updated);
  const liveText = await page.textContent("#live");
  check("live indicator says the store changed", /store changed/.test(liveText), liveText);

  /* --- topic ---------------------------------------------------------------------------------- */
  const tp = await newPage();
  await tp.goto(BASE + "/topic?topic=quake");
  await tp.waitForSelector("#chart canvas", { timeout: 20000 });
  await tp.waitForSelector("body[data-ready='1']");
  const chartInk = await inkOf(tp, "#chart canvas");
  check("topic: the chart has ink", chartInk > 0.01, chartInk);
  const legends = await tp.$$eval(".u-legend .u-series", (s) => s.length);
  check("topic: one series per language in the legend", legends >= 4, legends);
  /* language filter: unchecking a language removes its series */
  await tp.uncheck("input.lang-filter[value='ru']");
  const legends2 = await tp.$$eval(".u-legend .u-series", (s) => s.length);
  check("topic: the language filter removes a series", legends2 === legends - 1, legends2);
  await tp.check("input.lang-filter[value='ru']");
  /* zoom: a drag in zoom mode narrows the x scale */
  const over = await tp.$(".u-over");
  const box = await over.boundingBox();
  const range = () => tp.$eval("#chart", (c) => Number(c.dataset.xmax) - Number(c.dataset.xmin));
  const span0 = await range();
  await tp.mouse.move(box.x + box.width * 0.2, box.y + 50);
  await tp.mouse.down();
  await tp.mouse.move(box.x + box.width * 0.5, box.y + 50, { steps: 5 });
  await tp.mouse.up();
  const span1 = await range();
  check("topic: dragging zooms in (x range about 30 % of before)", span1 > 0.2 * span0 && span1 < 0.4 * span0, span0 + " -> " + span1);
  await tp.click("button[title='pan right']");
  const span2 = await range();
  check("topic: panning keeps the zoomed width", Math.abs(span2 - span1) < 1e-6 * span0 + 1, span1 + " -> " + span2);
  await tp.screenshot({ path: path.join(OUT, "topic-zoomed.png") });

  /* brushing two windows gives the numbers of `tocsin compare` */
  await tp.click("#mode-compare");
  await tp.waitForSelector("#chart canvas");
  const ob = await (await tp.$(".u-over")).boundingBox();
  const drag = async (a, b) => {
    await tp.mouse.move(ob.x + ob.width * a, ob.y + 60);
    await tp.mouse.down();
    await tp.mouse.move(ob.x + ob.width * b, ob.y + 60, { steps: 6 });
    await tp.mouse.up();
  };
  await drag(0.08, 0.22);
  await drag(0.62, 0.78);
  await tp.waitForSelector("tr.cmp-row", { timeout: 20000 });
  const wb = (await tp.textContent("#win-before")).replace("before ", "");
  const wa = (await tp.textContent("#win-after")).replace("after ", "");
  const rows = await tp.$$eval("tr.cmp-row", (trs) => trs.map((t) => ({
    lang: t.dataset.lang, ratio: t.dataset.ratio, lo: t.dataset.ciLow, hi: t.dataset.ciHigh,
    shown: t.querySelector(".ratio").textContent, ci: t.querySelector(".ci").textContent })));
  check("brush: two windows marked", /^\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d$/.test(wb) && /^\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d$/.test(wa), wb + " " + wa);
  const cli = execFileSync(process.env.TOCSIN, ["compare", "--db", process.env.DB, "--topic", "quake",
    "--before", wb, "--after", wa, "--measure", "unique", "--normalize", "share", "--output", "json"]).toString()
    .trim().split("\n").map((l) => JSON.parse(l));
  check("brush: one row per language, as the CLI", rows.length === cli.length && rows.length >= 3, rows.length + " vs " + cli.length);
  for (const c of cli) {
    const r = rows.find((x) => x.lang === c.lang);
    const same = r && Number(r.ratio) === c.rate_ratio && Number(r.lo) === c.ci_low && Number(r.hi) === c.ci_high;
    check(`brush ${c.lang}: ratio and interval equal tocsin compare (${c.rate_ratio} [${c.ci_low}, ${c.ci_high}])`, same, JSON.stringify(r));
    const fmt = (v) => { const a = Math.abs(v); return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.01 ? v.toFixed(2) : v.toPrecision(2); };
    check(`brush ${c.lang}: the shown ratio is the CLI's`, r && r.shown === "\u00d7" + fmt(c.rate_ratio) && r.ci === fmt(c.ci_low) + "\u2013" + fmt(c.ci_high), r && r.shown + " " + r.ci);
  }
  await tp.screenshot({ path: path.join(OUT, "topic.png"), fullPage: true });

  /* --- evidence: hostile texts are text ------------------------------------------------------- */
  const ev = await newPage();
  await ev.goto(BASE + "/evidence?topic=quake&lang=en");
  await ev.waitForSelector("body[data-ready='1']", { timeout: 20000 });
  const texts = await ev.$$eval(".post", (ps) => ps.map((p) => p.textContent));
  const hostile = texts.filter((t) => t.includes("<script>") || t.includes("onerror"));
  check("evidence: the hostile posts are shown", hostile.length >= 2, JSON.stringify(texts.slice(0, 4)));
  check("evidence: <script> shows as text", texts.some((t) => t.includes("<script>window.__xss=1</script>")));
  check("evidence: <img onerror> shows as text", texts.some((t) => t.includes("<img src=x onerror=")));
  const injected = await ev.evaluate(() => ({ xss: window.__xss, imgs: document.querySelectorAll(".post img, .post script").length }));
  check("evidence: nothing ran and no element was injected", injected.xss === undefined && injected.imgs === 0, JSON.stringify(injected));
  const marks = await ev.$$eval(".post mark", (m) => m.map((x) => x.textContent.toLowerCase()));
  check("evidence: matched terms are highlighted", marks.includes("earthquake"), JSON.stringify(marks.slice(0, 5)));
  const dirs = await ev.$$eval(".post", (ps) => ps.every((p) => p.getAttribute("dir") === "auto"));
  check("evidence: posts carry dir=auto", dirs);
  await ev.screenshot({ path: path.join(OUT, "evidence.png"), fullPage: true });
  /* a hostile topic name in the URL is text too (its API answers are 400s: own page, no log) */
  const hx = await context.newPage();
  const bad = "<img src=x onerror=window.__xss=3>";
  await hx.goto(BASE + "/topic?topic=" + encodeURIComponent(bad));
  await hx.waitForSelector("body[data-ready='1']", { timeout: 20000 });
  const t2 = await hx.evaluate(() => ({ xss: window.__xss === undefined ? "none" : window.__xss, imgs: document.querySelectorAll("main img").length, h1: (document.querySelector("h1") || {}).textContent }));
  check("topic: a hostile topic parameter runs nothing and shows as text", t2.xss === "none" && t2.imgs === 0 && t2.h1 === bad, JSON.stringify(t2));
  await hx.close();

  /* --- sources -------------------------------------------------------------------------------- */
  const sp = await newPage();
  await sp.goto(BASE + "/sources");
  await sp.waitForSelector("body[data-ready='1']", { timeout: 20000 });
  const nch = await sp.$$eval("tr.channel-row", (r) => r.length);
  const bars = await sp.$$eval(".strip .on", (b) => b.filter((x) => x.getBoundingClientRect().width > 0).length);
  check("sources: every channel has a coverage bar", nch >= 5 && bars === nch, nch + " channels, " + bars + " bars");
  const flags = await sp.$$eval(".flag", (f) => f.map((x) => x.textContent));
  check("sources: the vanished and the late channel are flagged", flags.includes("vanished") && flags.includes("joined late"), JSON.stringify(flags));
  await sp.screenshot({ path: path.join(OUT, "sources.png"), fullPage: true });

  check("no page logged an error or a CSP violation", problems.length === 0, JSON.stringify(problems.slice(0, 5)));
  check("no request left the server", foreign.length === 0, JSON.stringify(foreign.slice(0, 5)));

  /* --- the report, offline -------------------------------------------------------------------- */
  if (process.env.REPORT && fs.existsSync(process.env.REPORT)) {
    await context.setOffline(true);
    const rp = await context.newPage();
    const asked = [];
    rp.on("request", (r) => { if (!r.url().startsWith("file:")) asked.push(r.url()); });
    await rp.goto("file://" + path.resolve(process.env.REPORT));
    const svgs = await rp.$$eval("svg", (ss) => ss.map((s) => {
      const r = s.getBoundingClientRect();
      const marks = s.querySelectorAll("path, polyline, line, rect, circle").length;
      return { w: r.width, h: r.height, marks };
    }));
    check("report offline: charts render (SVG with marks and size)", svgs.length >= 2 && svgs.every((s) => s.w > 0 && s.h > 0) && svgs.some((s) => s.marks > 10), JSON.stringify(svgs.slice(0, 3)));
    check("report offline: nothing requested from the network", asked.length === 0, JSON.stringify(asked.slice(0, 3)));
    const rx = await rp.evaluate(() => ({ xss: window.__xss, imgs: document.querySelectorAll("img").length, scripts: document.querySelectorAll("script").length }));
    check("report offline: no script, nothing ran", rx.xss === undefined && rx.imgs === 0 && rx.scripts === 0, JSON.stringify(rx));
    await rp.screenshot({ path: path.join(OUT, "report.png"), fullPage: true });
  } else {
    check("report file exists for the offline check", false, process.env.REPORT);
  }
  await context.close();
}

main().then(() => { console.log(`${pass} passed, ${fail} failed`); process.exit(fail ? 1 : 0); },
  (e) => { console.log("FAIL exception: " + (e && e.stack || e)); console.log(`${pass} passed, ${fail + 1} failed`); process.exit(1); });
