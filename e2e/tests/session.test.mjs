// A council session as the people in the hall live it: the chair's
// console, three deputies' tablets, the secretary and the hall screen are
// open at once; every screen follows the others through live updates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  closeContexts,
  newPage,
  saveHtml,
  screenshot,
  text,
  waitForText,
} from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

test('a session runs live on every screen, from opening to the result', { timeout: 240_000 }, async () => {
  const pages = [];
  try {
    const chair = await newPage('tablet');
    pages.push(chair);
    await signIn(chair, demo.baseUrl, 'chutich');
    await chair.goto(`${demo.baseUrl}/ky-hop`);
    await chair.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
    await chair.waitForURL(/\/ky-hop\/\d+$/);
    const sessionUrl = chair.url();
    assert.equal(await text(chair, '[data-testid=session-status]'), 'Đã triệu tập');

    const deputies = [];
    for (const [name, viewport] of [['daibieu', 'tablet'], ['daibieu2', 'tablet'], ['daibieu3', 'phone']]) {
      const page = await newPage(viewport);
      pages.push(page);
      await signIn(page, demo.baseUrl, name);
      await page.goto(sessionUrl);
      deputies.push(page);
    }
    const secretary = await newPage('tablet');
    pages.push(secretary);
    await signIn(secretary, demo.baseUrl, 'vanphong');
    await secretary.goto(sessionUrl);
    const hall = await newPage('tablet');
    pages.push(hall);
    await signIn(hall, demo.baseUrl, 'vanphong');
    await hall.goto(`${sessionUrl}/man-hinh`);
    await waitForText(hall, '[data-testid=hall-current]', 'Chưa bắt đầu', 'the hall screen before opening');

    // The chair opens the session; the deputies' tablets offer check-in
    // without being reloaded.
    await chair.getByRole('button', { name: 'Khai mạc' }).click();
    await chair.waitForLoadState();
    assert.equal(await text(chair, '[data-testid=session-status]'), 'Đang diễn ra');
    for (const page of deputies.slice(0, 2)) {
      await page.getByRole('button', { name: 'Điểm danh có mặt' }).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Điểm danh có mặt' }).click();
      await page.waitForLoadState();
      assert.equal(await text(page, '[data-testid=my-attendance]'), 'Có mặt');
    }

    // The secretary records the third deputy, who is in the hall without a tablet.
    await secretary.reload();
    await secretary.getByText(/Điểm danh hộ đại biểu/).click();
    const third = await deputies[2].locator('.who-name').textContent();
    const row = secretary.locator('tr', { hasText: third.trim() }).first();
    await row.locator('select[name=status]').selectOption('co_mat');
    await row.getByRole('button', { name: 'Lưu' }).click();
    await secretary.waitForLoadState();
    await waitForText(hall, '[data-testid=hall-attendance]', '3/84', 'the hall screen after check-in');
    await screenshot(secretary, 'session-secretary');

    // The chair moves to the first vote and opens it; ballots appear on the tablets.
    await chair.reload();
    const voteItem = chair.locator('[data-testid=agenda-item]', { hasText: 'dự toán ngân sách địa phương năm 2027' });
    await voteItem.getByRole('button', { name: 'Bắt đầu nội dung này' }).click();
    await chair.waitForLoadState();
    await waitForText(hall, '[data-testid=hall-current]', 'dự toán ngân sách', 'the hall screen after moving the agenda');
    await chair.locator('[data-testid=agenda-item]', { hasText: 'dự toán ngân sách địa phương năm 2027' })
      .getByRole('button', { name: 'Mở biểu quyết' }).click();
    await chair.waitForLoadState();
    await screenshot(chair, 'session-chair-vote-open');
    await checkA11y(chair, 'session-chair');

    // While the vote runs the hall screen counts ballots from the events
    // alone, and a deputy's ballot is answered in place, without reloading
    // the page they are reading.
    const progressFetches = [];
    const countFetch = (r) => {
      if (r.url().endsWith('/man-hinh/truc-tiep')) progressFetches.push(r.url());
    };
    hall.on('request', countFetch);
    const choices = ['Tán thành', 'Tán thành', 'Không tán thành'];
    for (const [i, page] of deputies.entries()) {
      const button = page.getByRole('button', { name: choices[i], exact: true });
      await button.waitFor({ timeout: 30_000 });
      if (i === 2) await screenshot(page, 'session-deputy-ballot-phone');
      await page.evaluate(() => { window.stayedOnPage = true; });
      await button.click();
      await waitForText(page, '[data-testid=ballot-recorded]', 'đã được ghi nhận', `deputy ${i + 1}`);
      assert.equal(await page.evaluate(() => window.stayedOnPage === true), true,
        `deputy ${i + 1}: the ballot reloaded the page`);
    }
    await waitForText(hall, '[data-testid=hall-progress]', '3/3', 'the hall screen while voting');
    hall.off('request', countFetch);
    assert.deepEqual(progressFetches, [], 'the hall screen fetched its fragment for a ballot');
    await screenshot(hall, 'session-hall-voting');

    // The hall screen shows the result from the event itself, with no
    // request of its own (the server built it before telling the screens).
    const hallFetches = [];
    hall.on('request', (r) => {
      if (r.url().endsWith('/man-hinh/truc-tiep')) hallFetches.push(r.url());
    });
    // A deputy's tablet shows the result the event carries too, before its
    // own fragment comes back: its fetches are held for 8 s here.
    const slow = '**/ky-hop/*/truc-tiep';
    await deputies[1].route(slow, async (route) => {
      await new Promise((r) => setTimeout(r, 8_000));
      await route.continue().catch(() => {});
    });
    await chair.reload();
    await chair.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
    await chair.waitForLoadState();
    await waitForText(chair, '[data-testid=vote-result]', 'Không thông qua', 'the chair after closing');
    assert.match(await text(chair, '[data-testid=vote-result]'), /cần ít nhất 43 trên 84/);
    await waitForText(hall, '[data-testid=latest-result]', 'KHÔNG THÔNG QUA', 'the hall screen after closing');
    assert.deepEqual(hallFetches, [], 'the hall screen fetched nothing for the result');
    const early = deputies[1].locator('[data-live-slot=vote] [data-testid=latest-result]');
    await early.waitFor({ timeout: 6_000 });
    assert.match(await early.innerText(), /KHÔNG THÔNG QUA/);
    assert.equal(await deputies[1].locator('[data-testid=ballot-recorded]').count(), 0,
      'the open vote gave way to the result');
    await deputies[1].unroute(slow);
    await waitForText(deputies[0], '[data-testid=vote-result]', 'Không thông qua', 'a deputy after closing');
    await waitForText(deputies[0], '[data-testid=latest-result]', 'KHÔNG THÔNG QUA', 'the top of a deputy tablet');
    await screenshot(deputies[0], 'session-deputy-result');
    await screenshot(hall, 'session-hall-result');
    await screenshot(chair, 'session-chair-result');
    await checkA11y(hall, 'session-hall');
    await checkA11y(deputies[2], 'session-deputy-phone');
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-session-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-session-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});
