// Form errors in the browser: when the server refuses what was typed in one
// of the main forms, the message shows inside the form, next to its submit
// button, the page stays where it was and every field keeps what was typed;
// once corrected, the same form goes through to the new record's page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  newPage,
  screenshot,
} from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

/**
 * Submits `form` and waits for its error region to show a message;
 * returns the message. Fails if the page navigated away.
 */
async function refused(page, form, submitName) {
  const url = page.url();
  await form.getByRole('button', { name: submitName }).click();
  const region = form.locator('[data-form-error] [role=alert]');
  await region.waitFor({ state: 'visible' });
  assert.equal(page.url(), url, 'the page stays where it was');
  return (await region.textContent()).normalize('NFC');
}

/** Submits `form` and waits for the browser to reach a URL matching `pattern`. */
async function accepted(page, form, submitName, pattern) {
  await Promise.all([page.waitForURL(pattern), form.getByRole('button', { name: submitName }).click()]);
}

test('the main forms show a refusal beside the form and keep what was typed', { timeout: 240_000 }, async () => {
  const page = await newPage('tablet');
  await signIn(page, demo.baseUrl, 'vanphong');

  // A new session whose closing day is before its opening day.
  await page.goto(`${demo.baseUrl}/ky-hop`);
  await page.getByText('Tạo kỳ họp mới').click();
  const session = page.locator('form[action="/ky-hop"]');
  await page.fill('#starts_on', '2027-07-10');
  await page.fill('#ends_on', '2027-07-08');
  await page.fill('#place', 'Hội trường Trung tâm Hội nghị tỉnh');
  assert.match(await refused(page, session, 'Tạo kỳ họp'), /Ngày bế mạc không được trước ngày khai mạc/);
  assert.equal(await page.inputValue('#starts_on'), '2027-07-10');
  assert.equal(await page.inputValue('#place'), 'Hội trường Trung tâm Hội nghị tỉnh');
  await screenshot(page, 'form-error-session');
  await checkA11y(page, 'form-error-session');
  await page.fill('#ends_on', '2027-07-12');
  await accepted(page, session, 'Tạo kỳ họp', /\/ky-hop\/\d+$/);

  // An agenda item of the new session with a duration that is not a number.
  await page.getByText('Thêm nội dung vào chương trình').click();
  const agenda = page.locator('form[action$="/chuong-trinh"]');
  await page.fill('#item-title', 'Báo cáo kết quả giám sát chuyên đề năm 2027');
  await page.fill('#item-minutes', 'ba mươi');
  const message = await refused(page, agenda, 'Thêm vào chương trình');
  assert.ok(message.length > 0);
  assert.equal(await page.inputValue('#item-title'), 'Báo cáo kết quả giám sát chuyên đề năm 2027');
  // Sending again replaces the message instead of piling them up.
  await refused(page, agenda, 'Thêm vào chương trình');
  assert.equal(await agenda.locator('[data-form-error] [role=alert]').count(), 1);
  await page.fill('#item-minutes', '30');
  const sessionUrl = page.url();
  await Promise.all([
    page.waitForLoadState('load'),
    agenda.getByRole('button', { name: 'Thêm vào chương trình' }).click(),
  ]);
  await page.waitForFunction(() => document.body.textContent.includes('Báo cáo kết quả giám sát chuyên đề năm 2027'));
  assert.equal(page.url().replace(/#.*$/, ''), sessionUrl);

  // A written consultation whose deadline has already passed.
  await page.goto(`${demo.baseUrl}/xin-y-kien`);
  await page.getByText('Tạo phiếu xin ý kiến').click();
  const consultation = page.locator('form[action="/xin-y-kien"]');
  await page.fill('#c-title', 'Xin ý kiến về đề án sắp xếp đơn vị sự nghiệp');
  await page.fill('#c-question', 'Đại biểu có đồng ý với đề án không?');
  await page.fill('#c-deadline', '2020-01-01T17:00');
  assert.match(await refused(page, consultation, 'Lưu dự thảo'), /sau thời điểm hiện tại/);
  assert.equal(await page.inputValue('#c-title'), 'Xin ý kiến về đề án sắp xếp đơn vị sự nghiệp');
  assert.equal(await page.inputValue('#c-question'), 'Đại biểu có đồng ý với đề án không?');

  // A supervision delegation whose topic carries markup.
  await page.goto(`${demo.baseUrl}/giam-sat`);
  await page.getByText('Lập đoàn giám sát mới').click();
  const delegation = page.locator('form[action="/giam-sat/doan"]');
  await page.fill('#d-topic', 'Giám sát <việc> sử dụng đất công');
  await page.fill('#d-scope', 'Giai đoạn 2021–2026, các huyện miền núi');
  const refusal = await refused(page, delegation, 'Lập đoàn');
  assert.ok(refusal.length > 0);
  assert.equal(await page.inputValue('#d-scope'), 'Giai đoạn 2021–2026, các huyện miền núi');
  await screenshot(page, 'form-error-delegation');

  assert.deepEqual(page.pageErrors, []);
  assertNoExternalRequests(page);
});
