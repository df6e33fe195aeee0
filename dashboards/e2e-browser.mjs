// Browser test of the ropescale Superset dashboard: logs in to a running Superset, opens the
// imported dashboard in headless Chromium (Debian's chromium, fresh user-data dir) and checks that
//   - every chart of the dashboard asked Superset for data and got rows (POST /api/v1/chart/data:
//     status 200, no error, rowcount > 0), and drew them (a canvas/svg, or table rows) with no error
//     alert on the page;
//   - the numbers the "Bounds per configuration" table shows for one configuration equal the Delta
//     table's (EXPECTED.json, read from the table with delta-rs): in the chart data and on screen;
//   - no console errors and no page errors.
// Saves a full-page screenshot.
//
//   node e2e-browser.mjs SUPERSET_URL USER PASSWORD EXPECTED.json SCREENSHOT.png
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// playwright-core is pinned in report/package-lock.json (installed by `npm ci` in report/)
const { chromium } = createRequire(new URL('../report/package.json', import.meta.url))('playwright-core');

const [base, user, password, expectedFile, shot] = process.argv.slice(2);
if (!shot) {
  console.error('usage: node e2e-browser.mjs SUPERSET_URL USER PASSWORD EXPECTED.json SCREENSHOT.png');
  process.exit(2);
}
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
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

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ropescale-superset-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1600, height: 1300 },
  deviceScaleFactor: 1,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  // Superset 6.1.0's menu always embeds a telemetry pixel (apachesuperset.gateway.scarf.sh); the test
  // answers it locally with an empty image so nothing leaves the machine. Any other outside request fails.
  const outside = [];
  let pixels = 0;
  await context.route(/^https:\/\/apachesuperset\.gateway\.scarf\.sh\/pixel\//, (route) => {
    pixels++;
    route.fulfill({ status: 200, contentType: 'image/gif', body: Buffer.from('R0lGODlhAQABAAAAACw=', 'base64') });
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')
        && !u.startsWith('https://apachesuperset.gateway.scarf.sh/pixel/')) outside.push(u);
  });

  // chart data responses, by slice id
  const data = new Map();
  page.on('response', async (r) => {
    if (!r.url().includes('/api/v1/chart/data') || r.request().method() !== 'POST') return;
    let sliceId = null;
    try { sliceId = JSON.parse(r.request().postData() || '{}').form_data?.slice_id ?? null; } catch { /* not JSON */ }
    let body = null;
    try { body = await r.json(); } catch (e) { body = { parseError: String(e) }; }
    data.set(sliceId, { status: r.status(), body });
  });

  await page.goto(base + '/login/', { waitUntil: 'networkidle' });
  await page.locator('input[type="text"], input#username, input[name="username"]').first().fill(user);
  await page.locator('input[type="password"]').first().fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 60000 }),
    page.locator('input[type="password"]').first().press('Enter'),
  ]);
  check(!page.url().includes('/login'), 'logged in as ' + user);

  // the dashboard's charts, from Superset's own API (what the page will ask data for)
  const dash = await (await page.request.get(base + '/api/v1/dashboard/ropescale/charts')).json();
  const charts = (dash.result || []).map((c) => ({ id: c.id, name: c.slice_name, viz: c.form_data?.viz_type }));
  check(charts.length === 6, `dashboard "ropescale" has 6 charts (found ${charts.length}: ${charts.map((c) => c.name).join('; ')})`);

  await page.goto(base + '/superset/dashboard/ropescale/?standalone=1', { waitUntil: 'load' });
  const deadline = Date.now() + 180000;
  while (Date.now() < deadline && charts.some((c) => !data.has(c.id))) await page.waitForTimeout(500);
  await page.waitForLoadState('networkidle');
  // give the charts time to draw after their data arrived
  await page.waitForFunction(() => document.querySelectorAll('.loading, [data-test="loading-indicator"]').length === 0,
    null, { timeout: 120000 }).catch(() => {});
  await page.waitForTimeout(1500);

  for (const c of charts) {
    const d = data.get(c.id);
    check(d !== undefined, `chart "${c.name}" (${c.viz}) requested its data`);
    if (!d) continue;
    const res = (d.body.result || [])[0] || {};
    check(d.status === 200 && !res.error, `chart "${c.name}": data status ${d.status}${res.error ? ', error ' + res.error : ''}`);
    check((res.rowcount || 0) > 0 && Array.isArray(res.data) && res.data.length > 0,
      `chart "${c.name}": non-empty series (${res.rowcount} rows)`);
    const drawn = await page.evaluate((id) => {
      const holder = document.querySelector(`[data-test-chart-id="${id}"]`) || document.querySelector(`#chart-id-${id}`);
      if (!holder) return { found: false };
      return {
        found: true,
        // ECharts draws (canvas or svg renderer) inside the element it tags with _echarts_instance_;
        // the chart header's icons are svg too, so only that element counts
        marks: holder.querySelectorAll('[_echarts_instance_] canvas, [_echarts_instance_] svg').length,
        rows: holder.querySelectorAll('tbody tr').length,
        alert: (holder.querySelector('[role="alert"], .alert-danger, [data-test="alert"]') || {}).textContent || null,
      };
    }, c.id);
    check(drawn.found && !drawn.alert && (c.viz === 'table' ? drawn.rows > 0 : drawn.marks > 0),
      `chart "${c.name}" drew on the page (${JSON.stringify(drawn)})`);
  }

  // one configuration's numbers: chart data and screen vs the Delta table (delta-rs read)
  const table = charts.find((c) => c.name.startsWith('Bounds per configuration'));
  const rows = table && data.get(table.id) ? ((data.get(table.id).body.result || [])[0] || {}).data || [] : [];
  const row = rows.find((r) => r.config_id === expected.config_id);
  check(row !== undefined, `table chart has a row for ${expected.config_id}`);
  for (const [col, want] of Object.entries(expected.values)) {
    check(row && row[col] === want, `${expected.config_id} ${col}: chart data ${row ? row[col] : '-'} == Delta ${want}`);
  }
  // the table renders its header and body as two tables; body cells name their column (aria-labelledby)
  const shown = await page.evaluate((cfg) => {
    for (const tr of document.querySelectorAll('tbody tr')) {
      const cells = [...tr.querySelectorAll('td')];
      if (cells.some((td) => td.textContent.trim() === cfg)) {
        return Object.fromEntries(cells.map((td) => [(td.getAttribute('aria-labelledby') || '').replace(/^header-/, ''),
          td.textContent.trim()]));
      }
    }
    return null;
  }, expected.config_id);
  check(shown !== null, `the table on screen shows ${expected.config_id}`);
  for (const [col, want] of Object.entries(expected.values)) {
    const text = shown ? shown[col] : undefined;
    const got = text === undefined ? NaN : Number(String(text).replace(/[,\s]/g, ''));
    // the table formats numbers for reading; it must agree with the stored value to its shown precision
    const digits = text && text.includes('.') ? text.split('.')[1].length : 0;
    check(Math.abs(got - want) <= 0.5 * 10 ** -digits + 1e-9 * Math.abs(want),
      `${expected.config_id} ${col}: on screen "${text}" == Delta ${want}`);
  }

  fs.mkdirSync(path.dirname(path.resolve(shot)), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + path.resolve(shot));
  if (pixels) console.log(`note: answered Superset's telemetry pixel locally (${pixels} request(s))`);
  check(outside.length === 0, 'no request leaves the Superset server' + (outside.length ? ': ' + outside.slice(0, 5).join(', ') : ''));
  check(errors.length === 0, 'no console or page errors' + (errors.length ? ':\n  ' + errors.join('\n  ') : ''));
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
