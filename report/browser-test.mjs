// Browser test of ropescale report pages: opens each page from file:// in headless Chromium
// (Debian's chromium), fails on any console error, page error or network request, checks that every
// chart drew at least the marks its data calls for (window.ropescaleCharts[i].minMarks, counted in the
// vega scenegraph of window.ropescaleViews), that every section without charts shows a note, and saves
// a full-page screenshot per page.
//
//   node browser-test.mjs PAGE.html SCREENSHOT.png [PAGE2.html SCREENSHOT2.png ...]
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error('usage: node browser-test.mjs PAGE.html SCREENSHOT.png [PAGE.html SCREENSHOT.png ...]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || (fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium');

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log('ok   ' + what);
  } else {
    failed++;
    console.log('FAIL ' + what);
  }
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  for (let i = 0; i < args.length; i += 2) {
    const file = path.resolve(args[i]);
    const shot = path.resolve(args[i + 1]);
    const name = path.relative(process.cwd(), file);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    page.on('request', (r) => { if (r.url() !== pathToFileURL(file).href) requests.push(r.url()); });
    page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction(() => window.ropescaleReady !== undefined && window.ropescaleReady !== false,
      null, { timeout: 60000 });
    const result = await page.evaluate(() => {
      function count(node) {
        let n = 0;
        if (node && node.marktype && Array.isArray(node.items)) {
          if (node.marktype !== 'group' && node.role === 'mark') n += node.items.length;
        }
        if (node && Array.isArray(node.items)) for (const it of node.items) n += count(it);
        return n;
      }
      const charts = (window.ropescaleCharts || []).map((c) => {
        const view = window.ropescaleViews[c.id];
        const el = document.getElementById(c.id);
        return {
          id: c.id, minMarks: c.minMarks,
          marks: view ? count(view.scenegraph().root) : -1,
          svg: el ? el.querySelectorAll('svg').length : 0,
        };
      });
      const sections = [...document.querySelectorAll('main > section')].map((s) => ({
        id: s.id, charts: s.querySelectorAll('.chart').length, notes: s.querySelectorAll('.note').length,
        tables: s.querySelectorAll('table').length,
      }));
      const external = [...document.querySelectorAll('script[src], link[href], img[src], iframe[src]')]
        .map((e) => e.getAttribute('src') || e.getAttribute('href'));
      return { ready: window.ropescaleReady, charts, sections, external };
    });
    check(result.ready === true, `${name}: every chart rendered (ropescaleReady = ${result.ready})`);
    for (const c of result.charts) {
      check(c.svg === 1 && c.marks >= Math.max(1, c.minMarks),
        `${name}: ${c.id} drew ${c.marks} marks (needs >= ${Math.max(1, c.minMarks)}) in ${c.svg} svg`);
    }
    for (const s of result.sections) {
      check(s.charts > 0 || s.notes > 0 || s.tables > 0, `${name}: section ${s.id} shows ${s.charts} charts, ${s.notes} notes, ${s.tables} tables`);
    }
    check(result.external.length === 0, `${name}: no external script/link/img references ${JSON.stringify(result.external)}`);
    await page.waitForTimeout(300);
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    check(requests.length === 0, `${name}: no network requests ${JSON.stringify(requests)}`);
    check(errors.length === 0, `${name}: no console or page errors ${errors.length ? JSON.stringify(errors) : ''}`);
    console.log(`     screenshot: ${shot}`);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(`browser-test: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
