// The foundation as a person sees it: signing in and out, the provincial
// chair's view of the 130 commune councils, a commune secretary kept to
// their own council, and the administrator's audit log.
//
// One demo server for the whole file; each test has its own browser context.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, signOut } from '../lib/auth.mjs';
import {
  VIEWPORTS,
  assertNoSidewaysScroll,
  assertNoExternalRequests,
  checkA11y,
  closeContexts,
  newPage,
  saveHtml,
  screenshot,
} from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

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
  const response = await page.goto(`${demo.baseUrl}/dang-nhap`);
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
  await signIn(page, demo.baseUrl, 'chutich', 'sai-mat-khau-2026');
  assert.equal(pathOf(page), '/dang-nhap');
  assertContains(await pageText(page), 'không đúng', 'the login page after a wrong password');
});

pageTest('the provincial chair sees the province and its 130 commune councils', async (page) => {
  await signIn(page, demo.baseUrl, 'chutich');
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
  await signIn(page, demo.baseUrl, 'chutich');
  assert.equal(pathOf(page), '/');
  await signOut(page);

  const response = await page.goto(`${demo.baseUrl}/`);
  assert.equal(pathOf(page), '/dang-nhap', 'after signing out, / should lead to the login page');
  assert.ok(response.request().redirectedFrom(), 'after signing out, / should answer with a redirect');
});

pageTest('a commune secretary is kept to their own council', async (page) => {
  const [username] = await demo.server.waitForOutput(/thuky\.\d{5}/);
  await signIn(page, demo.baseUrl, username);
  assert.equal(pathOf(page), '/', `${username} should land on the home page`);
  const home = await pageText(page);
  assert.match(home, /HĐND (xã|phường)/, 'the secretary\u2019s home page should name their commune council');
  assertContains(home, 'Thư ký HĐND', 'the secretary\u2019s home page');
  const switchers = page.locator('[data-testid=council-switcher]');
  assert.ok((await switchers.count()) > 0, 'the home page should have a [data-testid=council-switcher]');
  const switcher = await pageText(page, '[data-testid=council-switcher]');
  assert.ok(!switcher.includes('HĐND tỉnh Nghệ An'), `the secretary's council switcher offers the province: ${switcher}`);
  await screenshot(page, 'secretary-home');

  const response = await page.goto(`${demo.baseUrl}/hoi-dong`);
  assert.equal(response.status(), 403, 'a secretary may not list the commune councils');
  assertContains(await pageText(page), 'Không có quyền', 'the 403 page');
});

pageTest('the administrator reads the audit log and verifies its chain', async (page) => {
  await signIn(page, demo.baseUrl, 'quantri');
  assert.equal(pathOf(page), '/');
  const response = await page.goto(`${demo.baseUrl}/quan-tri/nhat-ky`);
  assert.equal(response.status(), 200);
  const rows = await page.locator('[data-testid=audit-row]').count();
  assert.ok(rows >= 1, 'the audit log should show at least one [data-testid=audit-row]');

  await page.getByRole('button', { name: 'Kiểm tra chuỗi' }).first().click();
  await page.getByText('Chuỗi nhật ký toàn vẹn').first().waitFor({ state: 'visible' });
  await page.waitForLoadState('load');
  await screenshot(page, 'admin-audit');

  // Each row reads in Vietnamese: the action's name, the change field by
  // field, the raw data folded away.
  await page.reload();
  const all = (await page.locator('[data-testid=audit-row]').allInnerTexts()).map((t) => t.normalize('NFC'));
  const check = all.find((t) => t.includes('audit.verify'));
  assert.ok(check?.includes('Kiểm tra chuỗi nhật ký'), `the check is named: ${check}\n${all.slice(0, 3).join('\n')}`);
  const signin = all.find((t) => t.includes('auth.session.create'));
  assert.ok(signin?.includes('Đăng nhập') && signin.includes('Địa chỉ truy cập: 127.0.0.1'), `a sign-in reads as one: ${signin}`);
  const first = page.locator('[data-testid=audit-row]').first();
  assert.ok(!(await page.locator('[data-testid=audit-row]').allInnerTexts()).join(' ').includes('Thao tác khác'), 'every action has a name');
  const raw = page.locator('[data-testid=audit-row] details.raw').first();
  assert.equal(await raw.locator('pre').first().isVisible(), false, 'the raw JSON is folded');
  await raw.locator('summary').click();
  assert.ok(await raw.locator('pre').first().isVisible(), '"Dữ liệu gốc" opens');
  await checkA11y(page, 'admin-audit-tablet');

  // On a phone each row is a card with its column names, nothing sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await assertNoSidewaysScroll(page, 'audit log on a phone');
  const label = await first.locator('td[data-label="Hành động"]').evaluate((td) => getComputedStyle(td, '::before').content);
  assert.equal(label, '"Hành động"', 'each cell shows its column name on a phone');
  await checkA11y(page, 'admin-audit-phone');
  await screenshot(page, 'admin-audit-phone');
});

pageTest('every navigation entry is reachable on a phone through "Thêm" and shows on a tablet', async (page) => {
  await signIn(page, demo.baseUrl, 'vanphong');
  const all = await page.locator('.mainnav > ul > li:not(.nav-more) > a').allTextContents();
  assert.ok(all.length > 8, `the office has many entries (${all.length})`);
  // Tablet: every entry is on screen (the row wraps), no "Thêm".
  for (const link of await page.locator('.mainnav > ul > li:not(.nav-more) > a').all()) {
    assert.ok(await link.isVisible(), `${await link.textContent()} shows on a tablet`);
    const box = await link.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= VIEWPORTS.tablet.width, `${await link.textContent()} is inside the screen`);
  }
  assert.equal(await page.locator('[data-testid=nav-more]').isVisible(), false);

  // Phone: two entries, each shown whole, and a "Thêm" button that says
  // how many are behind it.
  await page.setViewportSize(VIEWPORTS.phone);
  const row = page.locator('.mainnav > ul > li:not(.nav-more) > a:visible');
  assert.deepEqual(await row.allTextContents(), all.slice(0, 2));
  const cut = () =>
    page.$$eval('.mainnav > ul > li:not(.nav-more) > a', (links) =>
      links.filter((a) => a.offsetParent && a.scrollWidth > a.clientWidth).map((a) => a.textContent),
    );
  assert.deepEqual(await cut(), [], 'no label in the phone row is cut short');
  const more = page.getByRole('group').filter({ has: page.locator('summary', { hasText: 'Thêm' }) });
  const summary = page.locator('[data-testid=nav-more] summary');
  assert.match((await summary.textContent()).replace(/\s+/g, ' '), new RegExp(`Thêm mục điều hướng \\(${all.length - 2}\\)`));
  assert.ok(more);
  // …on the same row as the entries, not pushed under them.
  const first = await row.first().boundingBox();
  const button = await summary.boundingBox();
  assert.ok(Math.abs(button.y - first.y) < 4, `"Thêm" is on the entries' row (${button.y} vs ${first.y})`);
  assert.ok(button.x + button.width <= VIEWPORTS.phone.width, '"Thêm" is inside the screen');
  // Keyboard: it opens with Enter and lists the rest; Escape closes it.
  await summary.focus();
  await page.keyboard.press('Enter');
  const menu = page.locator('[data-testid=nav-more] ul a');
  assert.deepEqual(await menu.allTextContents(), all.slice(2));
  assert.ok(await menu.first().isVisible());
  await screenshot(page, 'nav-more-phone');
  await checkA11y(page, 'nav-more-phone');
  await assertNoSidewaysScroll(page, 'home with the menu open');
  await page.keyboard.press('Escape');
  assert.equal(await menu.first().isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SUMMARY');

  // Choosing an entry from it: the page it opens keeps its own entry in the row.
  await summary.click();
  await Promise.all([page.waitForNavigation(), menu.filter({ hasText: 'Giám sát' }).click()]);
  assert.equal(pathOf(page), '/giam-sat');
  const current = page.locator('.mainnav > ul > li:not(.nav-more) > a[aria-current=page]');
  assert.ok(await current.isVisible(), 'the current page is in the phone row');
  assert.equal((await current.textContent()).trim(), 'Giám sát');
  assert.deepEqual(await cut(), [], 'the current page\'s label shows whole too');
  // Tapping elsewhere closes the menu.
  await summary.click();
  assert.ok(await menu.first().isVisible());
  await page.mouse.click(5, VIEWPORTS.phone.height - 5);
  assert.equal(await menu.first().isVisible(), false);
  await assertNoSidewaysScroll(page, 'supervision on a phone');
});
