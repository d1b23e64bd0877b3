// Headless Debian Chromium driven by playwright-core, plus the helpers the
// tests share: one browser context per test, screenshots, and axe checks.
//
// Never downloads a browser: it runs /usr/bin/chromium (Debian's package
// `chromium`), or $CHROMIUM_BIN. Pages may only reach 127.0.0.1/localhost;
// any other request is aborted and reported by assertNoExternalRequests().
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS_DIR, SCREENSHOTS_DIR } from './paths.mjs';

const require = createRequire(import.meta.url);

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const VIEWPORTS = Object.freeze({
  tablet: Object.freeze({ width: 1280, height: 800 }),
  phone: Object.freeze({ width: 390, height: 844 }),
});

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Belt and braces: nothing but localhost and 127.0.0.1 resolves, so the browser
  // itself cannot reach anything but this machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

let browser = null;
const contexts = new Set();

/**
 * Launches the shared browser (once per test file). A test file that needs
 * more switches (the meeting test's fake camera and microphone) passes them
 * in its first call.
 * @param {string[]} [extraArgs]
 */
export async function launchBrowser(extraArgs = []) {
  if (browser) return browser;
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_BIN}; install Debian's package:\n` +
        '  apt-get update && apt-get install -y chromium fonts-noto-core',
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    // playwright gives each launch a fresh temporary profile (--user-data-dir)
    timeout: 60_000,
  });
  return browser;
}

/** Closes every context and the browser. */
export async function closeBrowser() {
  await closeContexts();
  if (browser) {
    const b = browser;
    browser = null;
    await b.close();
  }
}

/** Closes every context opened by newPage(); call it after each test. */
export async function closeContexts() {
  const open = [...contexts];
  contexts.clear();
  await Promise.allSettled(open.map((c) => c.close()));
}

function isLocal(url) {
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * A page in a new browser context (its own cookies and storage).
 * @param {'tablet'|'phone'|{width:number,height:number}} [viewport]
 */
export async function newPage(viewport = 'tablet') {
  const b = await launchBrowser();
  const size = typeof viewport === 'string' ? VIEWPORTS[viewport] : viewport;
  assert.ok(size, `unknown viewport ${viewport}`);
  const context = await b.newContext({
    viewport: { ...size },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    serviceWorkers: 'block',
  });
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);

  const external = [];
  context.externalRequests = external;
  await context.route(
    (url) => !isLocal(url),
    (route) => {
      external.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );

  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (err) => page.pageErrors.push(String(err?.message ?? err)));
  // Confirmations (ending a meeting, closing a session) are accepted as a
  // person would; page.dialogs keeps what was asked, for tests to check.
  page.dialogs = [];
  page.on('dialog', (dialog) => {
    page.dialogs.push(dialog.message());
    dialog.accept().catch(() => {});
  });
  return page;
}

/** Fails if the page's context tried to reach anything but 127.0.0.1. */
export function assertNoExternalRequests(page) {
  const external = page.context().externalRequests ?? [];
  assert.deepEqual(external, [], `the page tried to reach hosts other than 127.0.0.1:\n  ${external.join('\n  ')}`);
}

function safeName(name) {
  return String(name)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Saves a full-page PNG to e2e/artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${safeName(name)}.png`);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * Fails if the page scrolls sideways at its current width (a phone layout
 * wider than the phone), naming the widest elements that stick out.
 */
export async function assertNoSidewaysScroll(page, name) {
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const overflow = document.documentElement.scrollWidth - width;
    const culprits = [];
    if (overflow > 1) {
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1) {
          culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).trim().replace(/\s+/g, '.')}` : ''} (right edge ${Math.round(box.right)}px)`);
        }
      }
    }
    return { overflow, width, culprits: culprits.slice(0, 5) };
  });
  assert.ok(
    found.overflow <= 1,
    `${name}: at ${found.width}px the page scrolls sideways by ${found.overflow}px; sticking out: ${found.culprits.join(', ')}`,
  );
}

/** Saves the page's HTML next to the screenshots (for failures). */
export async function saveHtml(page, name) {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${safeName(name)}.html`);
  writeFileSync(path, await page.content());
  return path;
}

let axeSource = null;
function axeScript() {
  axeSource ??= readFileSync(require.resolve('axe-core'), 'utf8');
  return axeSource;
}

async function injectAxe(page) {
  if (await page.evaluate(() => typeof window.axe === 'object')) return;
  try {
    await page.addScriptTag({ content: axeScript() });
  } catch (err) {
    // A strict Content-Security-Policy (no inline scripts) blocks the tag;
    // evaluating the source through the DevTools protocol is not subject to it.
    if (!/Content[- ]Security[- ]Policy|CSP/i.test(String(err?.message))) throw err;
    await page.evaluate(axeScript());
  }
  assert.ok(await page.evaluate(() => typeof window.axe === 'object'), 'axe-core did not load in the page');
}

function firstTarget(node) {
  const target = node?.target ?? [];
  return target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' >> ');
}

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page. Fails on any violation
 * of impact serious or critical; lesser ones are only printed. The full
 * result is saved as e2e/artifacts/axe/<label>.json when a label is given.
 * @returns the violations found (all impacts)
 */
export async function checkA11y(page, label) {
  await injectAxe(page);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'], resultTypes: ['violations'] }),
  );
  const violations = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    target: firstTarget(v.nodes[0]),
    summary: v.nodes[0]?.failureSummary ?? '',
  }));
  if (label) {
    const dir = join(ARTIFACTS_DIR, 'axe');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${safeName(label)}.json`), JSON.stringify({ url: page.url(), violations }, null, 2));
  }
  const where = `${label ? `${label} ` : ''}(${page.url()})`;
  const line = (v) => `  - ${v.id} [${v.impact}] ${v.help}; ${v.nodes} node(s), first: ${v.target}`;
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = violations.filter((v) => !blocking.includes(v));
  if (minor.length) {
    console.log(`axe: ${minor.length} minor/moderate issue(s) on ${where}:\n${minor.map(line).join('\n')}`);
  }
  if (blocking.length) {
    assert.fail(
      `axe: ${blocking.length} serious/critical accessibility violation(s) on ${where}:\n` +
        blocking.map((v) => `${line(v)}\n      ${v.summary.replace(/\n/g, '\n      ')}`).join('\n'),
    );
  }
  return violations;
}

/** The text of every `selector` on `page`, joined, in NFC with single spaces. */
export async function text(page, selector = 'body') {
  const parts = await page.locator(selector).allTextContents();
  return parts.join(' ').normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Waits until `selector` on `page` contains `needle`, without reloading. */
export async function waitForText(page, selector, needle, what, timeout = 30_000) {
  try {
    await page.waitForFunction(
      ([sel, n]) => [...document.querySelectorAll(sel)].some((e) => e.textContent.normalize('NFC').includes(n)),
      [selector, needle],
      { timeout },
    );
  } catch {
    throw new Error(`${what}: ${selector} never showed ${JSON.stringify(needle)}; it reads: ${await text(page, selector)}`);
  }
}
