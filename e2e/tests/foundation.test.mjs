// The foundation as a person sees it: signing in and out, the provincial
// chair's view of the 130 commune councils, a commune secretary kept to
// their own council, and the administrator's audit log.
//
// One demo server for the whole file; each test has its own browser context.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn, signOut } from '../lib/auth.mjs';
import {
  VIEWPORTS,
  assertNoExternalRequests,
  checkA11y,
  closeBrowser,
  closeContexts,
  launchBrowser,
  newPage,
  saveHtml,
  screenshot,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let baseUrl;

before(
  async () => {
    server = await startServer();
    baseUrl = server.baseUrl;
    await launchBrowser();
  },
  { timeout: 180_000 },
);

after(
  async () => {
    await closeBrowser();
    if (server) await server.stop();
  },
  { timeout: 60_000 },
);

/** A test with a fresh browser context; on failure it keeps a screenshot and the HTML. */
function pageTest(name, fn) {
  test(name, { timeout: 120_000 }, async () => {
    const page = await newPage('tablet');
    try {
      await fn(page);
      assertNoExternalRequests(page);
    } catch (err) {
      const slug = `FAILED-${name}`;
      await screenshot(page, slug).catch(() => {});
      await saveHtml(page, slug).catch(() => {});
      if (page.pageErrors.length) {
        console.log(`JavaScript errors on the page:\n  ${page.pageErrors.join('\n  ')}`);
      }
      throw err;
    } finally {
      await closeContexts();
    }
  });
}

/** The text of the whole page, NFC, whitespace collapsed. */
async function pageText(page, selector = 'body') {
  const texts = await page.locator(selector).allTextContents();
  return texts.join(' ').normalize('NFC').replace(/\s+/g, ' ').trim();
}

function assertContains(haystack, needle, what) {
  assert.ok(haystack.includes(needle), `${what} should contain ${JSON.stringify(needle)}; it reads:\n${haystack.slice(0, 2000)}`);
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

pageTest('the login page is in Vietnamese, accessible, and fits tablet and phone', async (page) => {
  const response = await page.goto(`${baseUrl}/dang-nhap`);
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const headings = await pageText(page, 'h1, h2, h3, [role=heading]');
  assertContains(headings, 'Đăng nhập', 'the headings');
  await checkA11y(page, 'login-tablet');
  await screenshot(page, 'login-tablet');

  await page.setViewportSize(VIEWPORTS.phone);
  await checkA11y(page, 'login-phone');
  await screenshot(page, 'login-phone');
});

pageTest('a wrong password is refused and the login page stays', async (page) => {
  await signIn(page, baseUrl, 'chutich', 'sai-mat-khau-2026');
  assert.equal(pathOf(page), '/dang-nhap');
  assertContains(await pageText(page), 'không đúng', 'the login page after a wrong password');
});

pageTest('the provincial chair sees the province and its 130 commune councils', async (page) => {
  await signIn(page, baseUrl, 'chutich');
  assert.equal(pathOf(page), '/');
  const home = await pageText(page);
  assertContains(home, 'HĐND tỉnh Nghệ An', 'the chair\u2019s home page');
  assertContains(home, 'Chủ tịch HĐND', 'the chair\u2019s home page');
  await checkA11y(page, 'chair-home');
  await screenshot(page, 'chair-home-tablet');

  await page.setViewportSize(VIEWPORTS.phone);
  await screenshot(page, 'chair-home-phone');
  await page.setViewportSize(VIEWPORTS.tablet);

  const link = page.getByRole('navigation').getByRole('link', { name: 'HĐND cấp xã' }).first();
  await Promise.all([page.waitForURL((url) => url.pathname === '/hoi-dong'), link.click()]);
  const count = await page.locator('[data-testid=council-count]').first().textContent();
  assert.match(count ?? '', /(^|\D)130(\D|$)/, `council-count should show 130, shows ${JSON.stringify(count)}`);
  await checkA11y(page, 'chair-councils');
  await screenshot(page, 'chair-councils');
});

pageTest('signing out ends the session', async (page) => {
  await signIn(page, baseUrl, 'chutich');
  assert.equal(pathOf(page), '/');
  await signOut(page);

  const response = await page.goto(`${baseUrl}/`);
  assert.equal(pathOf(page), '/dang-nhap', 'after signing out, / should lead to the login page');
  assert.ok(response.request().redirectedFrom(), 'after signing out, / should answer with a redirect');
});

pageTest('a commune secretary is kept to their own council', async (page) => {
  const [username] = await server.waitForOutput(/thuky\.\d{5}/);
  await signIn(page, baseUrl, username);
  assert.equal(pathOf(page), '/', `${username} should land on the home page`);
  const home = await pageText(page);
  assert.match(home, /HĐND (xã|phường)/, 'the secretary\u2019s home page should name their commune council');
  assertContains(home, 'Thư ký HĐND', 'the secretary\u2019s home page');
  const switchers = page.locator('[data-testid=council-switcher]');
  assert.ok((await switchers.count()) > 0, 'the home page should have a [data-testid=council-switcher]');
  const switcher = await pageText(page, '[data-testid=council-switcher]');
  assert.ok(!switcher.includes('HĐND tỉnh Nghệ An'), `the secretary's council switcher offers the province: ${switcher}`);
  await screenshot(page, 'secretary-home');

  const response = await page.goto(`${baseUrl}/hoi-dong`);
  assert.equal(response.status(), 403, 'a secretary may not list the commune councils');
  assertContains(await pageText(page), 'Không có quyền', 'the 403 page');
});

pageTest('the administrator reads the audit log and verifies its chain', async (page) => {
  await signIn(page, baseUrl, 'quantri');
  assert.equal(pathOf(page), '/');
  const response = await page.goto(`${baseUrl}/quan-tri/nhat-ky`);
  assert.equal(response.status(), 200);
  const rows = await page.locator('[data-testid=audit-row]').count();
  assert.ok(rows >= 1, 'the audit log should show at least one [data-testid=audit-row]');

  await page.getByRole('button', { name: 'Kiểm tra chuỗi' }).first().click();
  await page.getByText('Chuỗi nhật ký toàn vẹn').first().waitFor({ state: 'visible' });
  await page.waitForLoadState('load');
  await screenshot(page, 'admin-audit');
});
