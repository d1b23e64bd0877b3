// Session documents in the browser: the office uploads a PDF, the chair
// approves it, the office publishes it, a deputy reads it in pdf.js and
// writes a private note, and the chair sees the read receipt. A deputy
// also opens a restricted demo document (watermarked, no download) and
// keeps the session for offline reading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, signOut } from '../lib/auth.mjs';
import {
  VIEWPORTS,
  assertNoExternalRequests,
  checkA11y,
  closeContexts,
  launchBrowser,
  newPage,
  saveHtml,
  screenshot,
  text,
} from '../lib/browser.mjs';
import { makePdf } from '../lib/files.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

async function sessionUrl(page) {
  await page.goto(`${demo.baseUrl}/ky-hop`);
  await page.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
  await page.waitForURL(/\/ky-hop\/\d+$/);
  return page.url();
}

test('the office uploads, the chair approves, a deputy reads and notes, the chair sees who read', { timeout: 240_000 }, async () => {
  const pages = [];
  try {
    // The office uploads a proposal for the budget item.
    const office = await newPage('tablet');
    pages.push(office);
    await signIn(office, demo.baseUrl, 'vanphong');
    const session = await sessionUrl(office);
    await office.getByTestId('documents-link').click();
    await office.waitForURL(/\/tai-lieu$/);
    await office.locator('#tai-len summary').click();
    await office.getByLabel('Tên tài liệu').fill('Tờ trình bổ sung dự toán năm 2027');
    await office.getByLabel('Loại tài liệu').selectOption('to_trinh');
    const item = await office.locator('#doc-item option', { hasText: 'dự toán ngân sách địa phương năm 2027' }).getAttribute('value');
    await office.getByLabel('Thuộc nội dung').selectOption(item);
    await office.getByLabel(/^Tệp/).setInputFiles({
      name: 'to-trinh-bo-sung.pdf',
      mimeType: 'application/pdf',
      buffer: makePdf(['TO TRINH bo sung du toan ngan sach nam 2027', 'Kinh gui: Hoi dong nhan dan tinh Nghe An']),
    });
    await screenshot(office, 'documents-office-upload');
    await office.getByRole('button', { name: 'Tải lên', exact: true }).click();
    await office.waitForURL(/\/tai-lieu\/\d+$/);
    const docUrl = office.url();
    assert.equal(await text(office, '[data-testid=document-status]'), 'Nháp');
    await office.getByRole('button', { name: 'Trình duyệt' }).click();
    await office.waitForLoadState('load');
    assert.equal(await text(office, '[data-testid=document-status]'), 'Chờ duyệt');

    // The chair approves; the office publishes.
    const chair = await newPage('tablet');
    pages.push(chair);
    await signIn(chair, demo.baseUrl, 'chutich');
    await chair.goto(docUrl);
    await chair.getByRole('button', { name: 'Duyệt', exact: true }).click();
    await chair.waitForLoadState('load');
    assert.equal(await text(chair, '[data-testid=document-status]'), 'Đã duyệt');
    await screenshot(chair, 'documents-chair-approved');
    await office.goto(docUrl);
    await office.getByRole('button', { name: 'Phát hành' }).click();
    await office.waitForLoadState('load');
    assert.equal(await text(office, '[data-testid=document-status]'), 'Đã phát hành');
    await checkA11y(office, 'documents-office-document');

    // A deputy finds it in the session's list and reads it in pdf.js.
    const deputy = await newPage('tablet');
    pages.push(deputy);
    await signIn(deputy, demo.baseUrl, 'daibieu');
    await deputy.goto(`${session}/tai-lieu`);
    await deputy.getByRole('link', { name: 'Tờ trình bổ sung dự toán năm 2027' }).click();
    await deputy.waitForURL(docUrl);
    await deputy.waitForSelector('[data-pdf][data-pages-rendered="1"] canvas', { timeout: 30_000 });
    const size = await deputy.locator('canvas.pdf-page').first().evaluate((c) => [c.width, c.height]);
    assert.ok(size[0] > 300 && size[1] > 400, `the page is drawn: ${size}`);
    const inked = await deputy.locator('canvas.pdf-page').first().evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, Math.floor(c.height / 4)).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark += 1;
      return dark;
    });
    assert.ok(inked > 50, `pdf.js drew the text (${inked} dark pixels)`);
    assert.deepEqual(deputy.pageErrors, []);
    await deputy.getByLabel('Ghi chú').fill('Hỏi UBND về nguồn bù hụt thu tiền sử dụng đất');
    await deputy.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await deputy.waitForURL(/#ghi-chu$/);
    assert.equal(await deputy.getByLabel('Ghi chú').inputValue(), 'Hỏi UBND về nguồn bù hụt thu tiền sử dụng đất');
    await deputy.waitForSelector('[data-pdf][data-pages-rendered="1"] canvas', { timeout: 30_000 });
    await screenshot(deputy, 'documents-deputy-reading-pdf');
    await checkA11y(deputy, 'documents-deputy-pdf');

    // The chair sees the read receipt.
    await chair.goto(`${session}/tai-lieu/da-doc`);
    const receipts = await text(chair, '[data-testid=receipt-doc]');
    assert.match(receipts, /Tờ trình bổ sung dự toán năm 2027/);
    const deputyName = await deputy.locator('.who-name').textContent();
    assert.ok(receipts.includes(deputyName.trim()), `receipts name ${deputyName}: ${receipts}`);
    await screenshot(chair, 'documents-chair-receipts');
    await checkA11y(chair, 'documents-chair-receipts');
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-documents-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-documents-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});

test('a restricted document is watermarked and a kept session reads offline', { timeout: 180_000 }, async () => {
  const pages = [];
  let context;
  try {
    const phone = await newPage('phone');
    pages.push(phone);
    await signIn(phone, demo.baseUrl, 'daibieu2');
    const session = await sessionUrl(phone);
    await phone.goto(`${session}/tai-lieu`);
    await phone.getByRole('link', { name: /Phương án giá đất chi tiết/ }).click();
    await phone.waitForURL(/\/tai-lieu\/\d+$/);
    assert.match(await text(phone, '[data-testid=confidential]'), /hạn chế/);
    const name = (await phone.locator('.who-name').textContent()).trim();
    const marks = await phone.locator('[data-testid=watermark] span').evaluateAll((spans) => spans.map((s) => s.dataset.w));
    assert.ok(marks.length > 0 && marks.every((m) => m.includes(name)), `the watermark names the reader: ${marks[0]}`);
    assert.equal(await phone.getByTestId('download').count(), 0, 'no download link');
    const res = await phone.request.get(`${phone.url()}/tai-ve`);
    assert.equal(res.status(), 404, 'no download route serves it');
    await screenshot(phone, 'documents-deputy-restricted-phone');
    await checkA11y(phone, 'documents-restricted-phone');

    // Offline: a context that allows service workers keeps the session.
    const browser = await launchBrowser();
    context = await browser.newContext({ viewport: { ...VIEWPORTS.tablet }, locale: 'vi-VN', serviceWorkers: 'allow' });
    const tablet = await context.newPage();
    await signIn(tablet, demo.baseUrl, 'daibieu3');
    await tablet.goto(`${session}/tai-lieu`);
    await tablet.evaluate(() => navigator.serviceWorker.ready);
    await tablet.getByRole('button', { name: 'Lưu để đọc khi mất mạng' }).click();
    await tablet.waitForFunction(() => /Đã lưu \d+\//.test(document.querySelector('[data-offline-status]')?.textContent ?? ''), null, { timeout: 30_000 });
    const kept = await text(tablet, '[data-offline-status]');
    const firstDoc = tablet.getByRole('link', { name: /Tờ trình về dự toán ngân sách/ });
    const href = await firstDoc.getAttribute('href');
    await context.setOffline(true);
    await tablet.goto(`${demo.baseUrl}${href}`);
    assert.match(await text(tablet, 'h1'), /Tờ trình về dự toán ngân sách/, `read offline after: ${kept}`);
    await tablet.goto(session);
    assert.match(await text(tablet, 'h1'), /Kỳ họp thứ 2/);
    await screenshot(tablet, 'documents-offline-tablet');
    await context.setOffline(false);

    // Signing out empties what was kept: offline, the next person on the
    // shared tablet reads nothing of this deputy's documents.
    await tablet.goto(session);
    await signOut(tablet);
    assert.equal(await tablet.evaluate(async () => (await caches.keys()).length), 0, 'no cache after sign-out');
    await context.setOffline(true);
    await tablet.goto(`${demo.baseUrl}${href}`).catch(() => {});
    assert.doesNotMatch(await tablet.locator('body').innerText().catch(() => ''), /Tờ trình về dự toán ngân sách/);
    await context.setOffline(false);
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-documents-offline-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-documents-offline-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await context?.close();
    await closeContexts();
  }
});
