// What a session leaves on the record, in the browser: the office's QR
// sheet and minutes link, and a written consultation from the office's
// draft to a deputy's answer on a phone. Every page passes axe.
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

/** "2026-12-20T17:00" three days from now, as a datetime-local field takes it. */
function inThreeDays() {
  const d = new Date(Date.now() + 3 * 24 * 3600 * 1000 + 7 * 3600 * 1000);
  return d.toISOString().slice(0, 16);
}

test('the office prints QR codes and runs a written consultation a deputy answers', { timeout: 240_000 }, async () => {
  const office = await newPage('tablet');
  await signIn(office, demo.baseUrl, 'vanphong');
  await office.goto(`${demo.baseUrl}/ky-hop`);
  await office.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
  await office.waitForURL(/\/ky-hop\/\d+$/);
  const sessionUrl = office.url();
  assert.equal(await office.locator('[data-testid=minutes-link]').count(), 1);
  await office.locator('[data-testid=qr-sheet-link]').click();
  await office.waitForURL(/\/ma-qr$/);
  assert.ok((await office.locator('[data-testid=qr-card]').count()) > 80, 'one code per deputy');
  await screenshot(office, 'session-qr-sheet');
  await checkA11y(office, 'session-qr-sheet');

  await office.goto(`${demo.baseUrl}/xin-y-kien`);
  await office.getByText('Tạo phiếu xin ý kiến').click();
  await office.fill('#c-title', 'Xin ý kiến về chủ trương đầu tư đường ven biển');
  await office.fill('#c-question', 'Đại biểu có đồng ý với chủ trương đầu tư dự án đường ven biển không?');
  await office.fill('#c-deadline', inThreeDays());
  const attach = office.locator('input[name=documents]').first();
  if (await attach.count()) await attach.check();
  await checkA11y(office, 'consultations-office');
  await Promise.all([office.waitForNavigation(), office.getByRole('button', { name: 'Lưu dự thảo' }).click()]);
  assert.match(office.url(), /\/xin-y-kien\/\d+$/);
  const consultationUrl = office.url();
  await Promise.all([office.waitForNavigation(), office.getByRole('button', { name: 'Gửi xin ý kiến đại biểu' }).click()]);
  assert.match(await office.locator('[data-testid=consultation-status]').textContent(), /Đang lấy ý kiến/);

  const deputy = await newPage('phone');
  await signIn(deputy, demo.baseUrl, 'daibieu');
  await deputy.goto(`${demo.baseUrl}/xin-y-kien`);
  await deputy.getByRole('link', { name: /đường ven biển/ }).click();
  await deputy.waitForURL(consultationUrl);
  await deputy.getByRole('radio', { name: 'Ý kiến khác' }).check();
  await deputy.fill('#a-text', 'Đề nghị bổ sung đánh giá tác động môi trường.');
  await Promise.all([deputy.waitForNavigation(), deputy.getByRole('button', { name: 'Gửi ý kiến' }).click()]);
  assert.match(await deputy.locator('[data-testid=my-opinion]').textContent(), /Ý kiến khác/);
  await screenshot(deputy, 'consultation-deputy-phone');
  await checkA11y(deputy, 'consultation-deputy');

  await office.reload();
  assert.match(await office.locator('[data-testid=consultation-progress]').textContent(), /Đã có 1\//);
  await screenshot(office, 'consultation-office');
  await checkA11y(office, 'consultation-office');
  await office.goto(sessionUrl);
  assertNoExternalRequests(office);
  assertNoExternalRequests(deputy);
});
