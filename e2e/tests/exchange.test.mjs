// Liên thông văn bản in the browser: the office composes a document and
// sends it through the demo's local axis (started inside the server on a
// free port of its own) to the council itself and to a department; the
// sent document shows each recipient's status; the copy addressed to the
// council arrives in the inbox, is registered, and opens with its file.
// The four pages pass axe on a tablet and a phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  closeBrowser,
  closeContexts,
  launchBrowser,
  newPage,
  saveHtml,
  screenshot,
} from '../lib/browser.mjs';
import { makePdf } from '../lib/files.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let baseUrl;

before(
  async () => {
    // Poll the axis every second so the round trip takes seconds, not minutes.
    server = await startServer({ env: { NGHITRUONG__EXCHANGE__POLL_SECONDS: '1' } });
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

const SUBJECT = 'Về việc tổ chức tiếp xúc cử tri trước kỳ họp thứ 3';

test('the office sends through the axis, follows statuses and registers what arrives', { timeout: 240_000 }, async () => {
  const pages = [];
  try {
    const tablet = await newPage('tablet');
    pages.push(tablet);
    await signIn(tablet, baseUrl, 'vanphong');

    // Văn bản đi: the agency directory comes from the axis.
    await tablet.goto(`${baseUrl}/van-ban-di`);
    for (let i = 0; i < 30 && (await tablet.locator('input[name=to]').count()) === 0; i += 1) {
      await tablet.waitForTimeout(1000);
      await tablet.reload();
    }
    await tablet.locator('summary', { hasText: 'Soạn và gửi văn bản' }).click();
    await tablet.locator('input[name=to][value="000.00.01.H41"]').check();
    await tablet.locator('input[name=to][value="000.00.12.H41"]').check();
    await tablet.fill('#number', '27');
    await tablet.fill('#notation', 'TB-HĐND');
    await tablet.fill('#type_name', 'Thông báo');
    await tablet.fill('#subject', SUBJECT);
    await tablet.fill('#date', '2026-12-04');
    await tablet.fill('#signer_position', 'Chủ tịch');
    await tablet.fill('#signer_name', 'Hoàng Nghĩa Hiếu');
    await tablet.setInputFiles('#pdf', { name: 'thong-bao-27.pdf', mimeType: 'application/pdf', buffer: makePdf(['Thong bao 27']) });
    await screenshot(tablet, 'exchange-compose-tablet');
    await checkA11y(tablet, 'exchange-compose-tablet');
    await Promise.all([tablet.waitForURL(/\/van-ban-di\/\d+$/), tablet.getByRole('button', { name: 'Gửi văn bản' }).click()]);
    const sentUrl = tablet.url();

    // The sent document: delivered to the axis, then each recipient's status.
    let rows = [];
    for (let i = 0; i < 60; i += 1) {
      rows = await tablet.getByTestId('recipient-row').allTextContents();
      const delivered = /Đã gửi lên trục/.test(await tablet.getByTestId('delivery').textContent());
      if (delivered && rows.some((r) => /HĐND tỉnh Nghệ An/.test(r) && /\(\d{2}\)/.test(r))) break;
      await tablet.waitForTimeout(1000);
      await tablet.reload();
    }
    assert.equal(rows.length, 2, rows.join(' | '));
    assert.match(await tablet.getByTestId('delivery').textContent(), /Đã gửi lên trục/);
    const own = rows.find((r) => /HĐND tỉnh Nghệ An/.test(r));
    assert.match(own, /\(\d{2}\)/, `the council's own copy reports a status: ${own}`);
    await screenshot(tablet, 'exchange-sent-tablet');
    await checkA11y(tablet, 'exchange-sent-tablet');

    // Văn bản đến: the copy addressed to the council is registered.
    await tablet.goto(`${baseUrl}/van-ban-den`);
    const row = tablet.getByTestId('incoming-row').filter({ hasText: SUBJECT });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /27\/TB-HĐND/);
    await screenshot(tablet, 'exchange-inbox-tablet');
    await checkA11y(tablet, 'exchange-inbox-tablet');
    await Promise.all([tablet.waitForURL(/\/van-ban-den\/\d+$/), row.locator('a').first().click()]);
    assert.match(await tablet.locator('h1').textContent(), /Văn bản đến số \d+\/2026/);
    assert.match(await tablet.content(), /27\/TB-HĐND/);
    assert.match(await tablet.content(), new RegExp(SUBJECT));
    const fileLink = tablet.locator('a[href*="/tep/"]').first();
    const file = await tablet.request.get(new URL(await fileLink.getAttribute('href'), baseUrl).href);
    assert.equal(file.status(), 200);
    assert.equal((await file.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    await screenshot(tablet, 'exchange-incoming-tablet');
    await checkA11y(tablet, 'exchange-incoming-tablet');

    // The same four pages on a phone.
    const phone = await newPage('phone');
    pages.push(phone);
    await signIn(phone, baseUrl, 'vanphong');
    for (const [path, name] of [
      ['/van-ban-di', 'outbox'],
      [new URL(sentUrl).pathname, 'sent'],
      ['/van-ban-den', 'inbox'],
      [new URL(tablet.url()).pathname, 'incoming'],
    ]) {
      await phone.goto(`${baseUrl}${path}`);
      await screenshot(phone, `exchange-${name}-phone`);
      await checkA11y(phone, `exchange-${name}-phone`);
    }

    // A deputy does not reach the exchange.
    const deputy = await newPage('phone');
    pages.push(deputy);
    await signIn(deputy, baseUrl, 'daibieu');
    const refused = await deputy.goto(`${baseUrl}/van-ban-den`);
    assert.equal(refused.status(), 403);
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-exchange-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-exchange-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});
