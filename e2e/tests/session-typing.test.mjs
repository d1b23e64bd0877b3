// A deputy typing in the question form of their tablet while the chair
// closes a vote and at once opens it again (a new round, lượt 2) sees the
// new round's ballot at once: the vote slot, which holds no field to type
// in, follows every change; the rest of the fragment waits until they
// leave the field, and what they typed stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import { closeContexts, newPage, waitForText } from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

test('a deputy typing a question still sees a vote reopened as a new round', { timeout: 180_000 }, async () => {
  try {
    const chair = await newPage('tablet');
    await signIn(chair, demo.baseUrl, 'chutich');
    await chair.goto(`${demo.baseUrl}/ky-hop`);
    await chair.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
    await chair.waitForURL(/\/ky-hop\/\d+$/);
    const sessionUrl = chair.url();

    const deputy = await newPage({ width: 360, height: 740 });
    await signIn(deputy, demo.baseUrl, 'daibieu');
    await deputy.goto(sessionUrl);

    await chair.getByRole('button', { name: 'Khai mạc' }).click();
    await chair.waitForLoadState();
    await deputy.getByRole('button', { name: 'Điểm danh có mặt' }).click();
    await deputy.waitForLoadState();

    const item = () => chair.locator('[data-testid=agenda-item]', { hasText: 'dự toán ngân sách địa phương năm 2027' });
    await chair.reload();
    await item().getByRole('button', { name: 'Bắt đầu nội dung này' }).click();
    await chair.waitForLoadState();
    await item().getByRole('button', { name: 'Mở biểu quyết' }).click();
    await chair.waitForLoadState();
    await deputy.locator('form.ballot').waitFor({ timeout: 30_000 });

    // The deputy starts writing a question.
    await deputy.evaluate(() => {
      const details = document.querySelector('#q-official')?.closest('details');
      if (details) details.open = true;
    });
    await deputy.click('#q-official');
    await deputy.keyboard.type('Giám đốc Sở Tài chính');

    // The chair closes the vote: the tablet shows the result from the event.
    await chair.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
    await chair.waitForLoadState();
    await waitForText(deputy, '[data-live-slot="vote"]', 'Kết quả', 'the result on the tablet');

    // …and opens it again at once, as a second round.
    await item().getByRole('button', { name: 'Mở biểu quyết' }).click();
    await chair.waitForLoadState();
    await waitForText(chair, '[data-live-slot="vote"]', 'lượt 2', 'the chair console');

    let shown = true;
    try {
      await deputy.locator('[data-live-slot="vote"] form.ballot').waitFor({ timeout: 5_000 });
    } catch {
      shown = false;
    }
    const slot = (await deputy.locator('[data-live-slot="vote"]').innerText()).replace(/\s+/g, ' ');
    assert.equal(await deputy.inputValue('#q-official'), 'Giám đốc Sở Tài chính', 'what was typed stays');
    assert.ok(shown, `5 s after round 2 opened, the typing deputy's vote slot still reads: ${slot.slice(0, 160)}`);

    // The deputy votes, and while the ballot is on its way another
    // deputy checks in: the tablet redraws its fragment (built before the
    // ballot was saved, so with the buttons) before the answer arrives.
    // The answer must still end up on screen, not the buttons.
    await deputy.evaluate(() => document.activeElement?.blur());
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await deputy.route('**/phieu', async (route) => {
      await held;
      await route.continue();
    });
    await deputy.evaluate(() => { document.querySelector('form.ballot').dataset.before = '1'; });
    await deputy.locator('form.ballot').getByRole('button', { name: 'Tán thành', exact: true }).click();
    const other = await newPage('tablet');
    await signIn(other, demo.baseUrl, 'daibieu2');
    await other.goto(sessionUrl);
    await other.getByRole('button', { name: 'Điểm danh có mặt' }).click();
    await deputy.locator('form.ballot:not([data-before])').waitFor({ timeout: 10_000 });
    release();
    await waitForText(deputy, '[data-testid=ballot-recorded]', 'đã được ghi nhận', 'the tablet after its redraw');
    assert.equal(await deputy.locator('form.ballot').count(), 0, 'the buttons came back after the ballot');
  } finally {
    await closeContexts();
  }
});
