// QR check-in as it happens in the hall: the office prints the seat codes,
// the chair opens the session, a deputy scans the code at their seat with a
// phone (here: the code is decoded from the printed sheet's image, and its
// link opened in a phone-sized browser that is not signed in), signs in, and
// is checked in; the hall screen's attendance count shows them at once.
// Someone else's code checks nobody in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { DEMO_PASSWORD, signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  newPage,
  screenshot,
  text,
  waitForText,
} from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const require = createRequire(import.meta.url);

const demo = demoSuite();

/**
 * Reads every code on the printed sheet the way a phone's camera would:
 * each card's image is drawn on a canvas and decoded with jsQR.
 * @returns {Promise<{name: string, link: string|null}[]>}
 */
async function decodeSheet(page) {
  // Evaluated through the DevTools protocol: the page's CSP allows no inline script.
  await page.evaluate(readFileSync(require.resolve('jsqr'), 'utf8'));
  return page.evaluate(async () => {
    const cards = [...document.querySelectorAll('[data-testid=qr-card]')];
    const out = [];
    for (const card of cards) {
      const img = card.querySelector('img');
      await img.decode();
      const size = 480;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, size, size);
      g.drawImage(img, 0, 0, size, size);
      const pixels = g.getImageData(0, 0, size, size);
      // eslint-disable-next-line no-undef
      const found = jsQR(pixels.data, size, size);
      out.push({ name: card.querySelector('span').textContent.trim(), link: found ? found.data : null });
    }
    return out;
  });
}

test('a deputy scans the code at their seat on a phone, signs in and is counted on the hall screen', { timeout: 240_000 }, async () => {
  // The office prints the sheet for the demo's regular session.
  const office = await newPage('tablet');
  await signIn(office, demo.baseUrl, 'vanphong');
  await office.goto(`${demo.baseUrl}/ky-hop`);
  await office.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
  await office.waitForURL(/\/ky-hop\/\d+$/);
  const sessionUrl = office.url();
  const sessionId = sessionUrl.match(/\/ky-hop\/(\d+)$/)[1];
  await office.locator('[data-testid=qr-sheet-link]').click();
  await office.waitForURL(/\/ma-qr$/);
  const codes = await decodeSheet(office);
  assert.ok(codes.length > 80, `one code per deputy, got ${codes.length}`);
  const linkPattern = new RegExp(`^${demo.baseUrl.replace(/[.]/g, '\\.')}/ky-hop/${sessionId}/qr/[^/]+$`);
  for (const c of codes) {
    assert.match(c.link ?? '(unreadable)', linkPattern, `the code of ${c.name} reads as a check-in link`);
  }
  assert.equal(new Set(codes.map((c) => c.link)).size, codes.length, 'every seat has its own code');
  await screenshot(office, 'qr-checkin-sheet');

  // The hall screen, and the chair opening the session.
  const hall = await newPage('tablet');
  await signIn(hall, demo.baseUrl, 'vanphong');
  await hall.goto(`${sessionUrl}/man-hinh`);
  const chair = await newPage('tablet');
  await signIn(chair, demo.baseUrl, 'chutich');
  await chair.goto(sessionUrl);
  await chair.getByRole('button', { name: 'Khai mạc' }).click();
  await chair.waitForLoadState();
  assert.equal(await text(chair, '[data-testid=session-status]'), 'Đang diễn ra');
  await waitForText(hall, '[data-testid=hall-attendance]', '0/84', 'the hall screen once opened');

  // Whose seat is whose: the deputy's name as their account shows it.
  const who = await newPage('tablet');
  await signIn(who, demo.baseUrl, 'daibieu');
  const name = await text(who, '.who-name');
  await who.context().close();
  const mine = codes.find((c) => c.name === name);
  assert.ok(mine, `the sheet has a code for ${name}`);
  const someoneElses = codes.find((c) => c.name !== name);

  // The phone opens the scanned link, is sent to sign in, and comes back to
  // the link, which checks the deputy in without another tap.
  const phone = await newPage('phone');
  await phone.goto(mine.link);
  await phone.waitForURL(/\/dang-nhap\?next=/);
  await phone.fill('input[name=username]', 'daibieu');
  await phone.fill('input[name=password]', DEMO_PASSWORD);
  await Promise.all([phone.waitForNavigation({ waitUntil: 'load' }), phone.click('button[type=submit]')]);
  assert.equal(phone.url(), mine.link);
  assert.equal(await text(phone, '[data-testid=qr-result]'), `${name} đã điểm danh có mặt.`);
  await screenshot(phone, 'qr-checkin-phone');
  await checkA11y(phone, 'qr-checkin-phone');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the check-in page fits a phone (${width}px wide)`);

  // The hall screen counts them without being reloaded.
  await waitForText(hall, '[data-testid=hall-attendance]', '1/84', 'the hall screen after the scan');
  await screenshot(hall, 'qr-checkin-hall');

  // Scanning again changes nothing; a neighbour's code checks nobody in.
  await phone.goto(mine.link);
  assert.match(await text(phone, '[data-testid=qr-result]'), /đã điểm danh có mặt từ trước/);
  const refused = await phone.goto(someoneElses.link);
  assert.equal(refused.status(), 400);
  assert.match(await text(phone, '[data-testid=qr-result]'), /là của đại biểu khác/);
  await phone.goto(sessionUrl);
  assert.equal(await text(phone, '[data-testid=my-attendance]'), 'Có mặt');
  await hall.reload();
  assert.match(await text(hall, '[data-testid=hall-attendance]'), /^1\/84/);

  for (const page of [office, hall, chair, phone]) assertNoExternalRequests(page);
});
