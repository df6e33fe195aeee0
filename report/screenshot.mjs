// PNG screenshots of single elements of a report page (e.g. one chart), in the headless Chromium the
// browser test uses (Debian's chromium through playwright-core), after every chart has rendered.
// docs/findings.md's figures come from it.
//
//   node screenshot.mjs PAGE.html SELECTOR OUT.png [SELECTOR2 OUT2.png ...]
//   e.g. node screenshot.mjs $WH/reports/R/index.html '#chart-model-excess' ../docs/img/model-excess.png
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [page0, ...pairs] = process.argv.slice(2);
if (!page0 || pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error('usage: node screenshot.mjs PAGE.html SELECTOR OUT.png [SELECTOR OUT.png ...]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || (fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium');
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(pathToFileURL(path.resolve(page0)).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.ropescaleReady !== undefined && window.ropescaleReady !== false,
    null, { timeout: 60000 });
  await page.waitForTimeout(300);
  for (let i = 0; i < pairs.length; i += 2) {
    const el = await page.$(pairs[i]);
    if (!el) {
      console.error(`no element ${pairs[i]} on ${page0}`);
      failed++;
      continue;
    }
    fs.mkdirSync(path.dirname(path.resolve(pairs[i + 1])), { recursive: true });
    await el.screenshot({ path: pairs[i + 1] });
    console.log(`${pairs[i]} -> ${pairs[i + 1]} (${fs.statSync(pairs[i + 1]).size} bytes)`);
  }
  await context.close();
} finally {
  await browser.close();
}
process.exit(failed === 0 ? 0 : 1);
