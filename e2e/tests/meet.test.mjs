// An online meeting as three people live it (issue #8): the office
// schedules it for the session and invites two deputies; the chair opens
// the room, the deputies wait in the lobby until admitted, and everyone
// receives the others' video through the server's own SFU (fake camera
// and microphone). A raised hand reaches the session's speaking queue and
// a remote deputy checks in and votes through the session's own routes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  closeBrowser,
  launchBrowser,
  newPage,
  saveHtml,
  screenshot,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let baseUrl;

// Only this test file gets a fake camera and microphone; WebRTC may use the
// loopback interface, where the server's SFU listens.
const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

before(
  async () => {
    server = await startServer();
    baseUrl = server.baseUrl;
    await launchBrowser(MEDIA_ARGS);
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

async function text(page, selector) {
  const parts = await page.locator(selector).allTextContents();
  return parts.join(' ').normalize('NFC').replace(/\s+/g, ' ').trim();
}

async function waitForText(page, selector, needle, what, timeout = 30_000) {
  try {
    await page.waitForFunction(
      ([sel, n]) => [...document.querySelectorAll(sel)].some((e) => e.textContent.normalize('NFC').includes(n)),
      [selector, needle],
      { timeout },
    );
  } catch (err) {
    throw new Error(`${what}: ${selector} never showed ${JSON.stringify(needle)}; it reads: ${await text(page, selector)}`);
  }
}

/** Video decoded from the others, measured in the page itself. */
async function received(page) {
  return page.evaluate(async () => {
    const stats = await window.nghitruongMeet?.stats();
    const inbound = [];
    stats?.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') inbound.push(s.framesDecoded || 0);
    });
    const me = String(window.nghitruongMeet?.peer());
    const tiles = [...document.querySelectorAll('#meet-tiles figure')].filter((f) => f.dataset.peer !== me);
    const frames = tiles.map((f) => f.querySelector('video')?.getVideoPlaybackQuality().totalVideoFrames || 0);
    return { inbound, frames };
  });
}

async function waitForVideoFromOthers(page, others, who) {
  let last = null;
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    last = await received(page);
    const decoding = last.inbound.filter((n) => n > 0).length;
    const playing = last.frames.filter((n) => n > 0).length;
    if (decoding >= others && playing >= others) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`${who} did not receive video from ${others} others: ${JSON.stringify(last)}`);
}

test('three participants meet by video, the lobby admits, a hand and a vote reach the session', { timeout: 300_000 }, async () => {
  const pages = [];
  try {
    // The office schedules the meeting for the session and invites two deputies.
    const office = await newPage('tablet');
    pages.push(office);
    await signIn(office, baseUrl, 'vanphong');
    await office.goto(`${baseUrl}/hop`);
    await office.getByText('Lên lịch cuộc họp').click();
    await office.fill('#meeting-title', 'Kỳ họp thứ 2 — điểm cầu trực tuyến');
    await office.selectOption('#meeting-kind', 'ky_hop');
    const sessionOption = office.locator('#meeting-session option', { hasText: 'Kỳ họp thứ 2' }).first();
    await office.selectOption('#meeting-session', await sessionOption.getAttribute('value'));
    await office.fill('#meeting-day', '2026-12-08');
    await office.fill('#meeting-time', '08:00');
    await office.locator('[data-testid=meeting-form] button[type=submit]').click();
    await office.waitForURL(/\/hop\/\d+$/);
    const meetingUrl = office.url();

    const names = [];
    for (const username of ['daibieu', 'daibieu2']) {
      const probe = await newPage('phone');
      await signIn(probe, baseUrl, username);
      names.push((await probe.locator('.who-name').textContent()).trim());
      await probe.context().close();
    }
    for (const name of names) {
      const option = office.locator('#invite-person option', { hasText: name }).first();
      await office.selectOption('#invite-person', await option.getAttribute('value'));
      await office.selectOption('#invite-role', 'tham_du');
      // The form is sent by htmx, then the browser reloads the same address.
      await Promise.all([
        office.waitForNavigation({ waitUntil: 'load' }),
        office.locator('[data-testid=invite-form] button[type=submit]').click(),
      ]);
      assert.equal(office.url(), meetingUrl);
    }
    await office.fill('#invite-hall', 'Hội trường UBND xã Tân Phú');
    await Promise.all([
      office.waitForNavigation({ waitUntil: 'load' }),
      office.locator('[data-testid=invite-form] button[type=submit]').click(),
    ]);
    assert.equal(office.url(), meetingUrl);
    const invited = await text(office, '[data-testid=invitations]');
    for (const n of [...names, 'Hội trường UBND xã Tân Phú']) assert.ok(invited.includes(n), invited);
    await checkA11y(office, 'meeting-office');

    // The chair opens the session, then enters the room (no lobby for a moderator).
    const desk = await newPage('tablet');
    pages.push(desk);
    await signIn(desk, baseUrl, 'chutich');
    await desk.goto(`${baseUrl}/ky-hop`);
    await desk.getByRole('link', { name: /Kỳ họp thứ 2/ }).click();
    await desk.waitForURL(/\/ky-hop\/\d+$/);
    const sessionUrl = desk.url();
    await desk.getByRole('button', { name: 'Khai mạc' }).click();
    await desk.waitForLoadState();

    const chair = await newPage('tablet');
    pages.push(chair);
    await signIn(chair, baseUrl, 'chutich');
    await chair.goto(meetingUrl);
    await chair.getByTestId('join').click();
    await chair.getByTestId('tiles').locator('figure').first().waitFor();

    // The deputies wait in the lobby until the chair lets them in.
    const deputies = [];
    for (const [i, username] of ['daibieu', 'daibieu2'].entries()) {
      const page = await newPage(i === 0 ? 'tablet' : 'phone');
      pages.push(page);
      await signIn(page, baseUrl, username);
      await page.goto(meetingUrl);
      await page.getByTestId('join').click();
      await waitForText(page, '[data-testid=meet-status]', 'Đang chờ người điều hành', `${username} in the lobby`);
      deputies.push(page);
    }
    await waitForText(chair, '[data-testid=people]', 'đang chờ', 'the chair sees the lobby');
    await screenshot(chair, 'meet-chair-lobby');
    for (let i = 0; i < 2; i++) {
      await chair.getByTestId('admit').first().click();
      await chair.waitForTimeout(300);
    }
    for (const [i, page] of deputies.entries()) {
      await page.locator('[data-step=room]').waitFor({ state: 'visible', timeout: 30_000 });
      await waitForText(page, '[data-testid=people]', names[i], `deputy ${i + 1} sees the room`);
    }

    // Everyone receives the two others' video, decoded in the page.
    const seen = [];
    for (const [who, page] of [['chair', chair], ['deputy 1', deputies[0]], ['deputy 2', deputies[1]]]) {
      seen.push([who, await waitForVideoFromOthers(page, 2, who)]);
    }
    console.log(`meet: video decoded from the others: ${JSON.stringify(seen)}`);
    await screenshot(chair, 'meet-chair-grid');
    await screenshot(deputies[1], 'meet-deputy-phone');

    // Chat runs beside the video.
    await deputies[1].fill('#meet-chat-text', 'Điểm cầu xã Tân Phú nghe rõ.');
    await deputies[1].locator('#meet-chat-form button').click();
    await waitForText(chair, '[data-testid=chat]', 'Điểm cầu xã Tân Phú nghe rõ.', 'the chair reads the chat');

    // A raised hand enters the session's speaking queue, seen on the chair's desk.
    await deputies[0].getByTestId('hand').click();
    await waitForText(deputies[0], '[data-testid=meet-status]', 'Đã đăng ký phát biểu', 'the hand is registered');
    await waitForText(chair, '[data-testid=people]', 'giơ tay', 'the chair sees the hand');
    await desk.reload();
    await waitForText(desk, '[data-testid=speak-queue]', names[0], 'the speaking queue');

    // The remote deputy checks in and votes from the room's session panel.
    const panel = deputies[0].getByTestId('session-panel');
    await panel.getByRole('button', { name: 'Điểm danh có mặt' }).click();
    await waitForText(deputies[0], '[data-testid=my-attendance]', 'Có mặt', 'remote check-in');
    await desk.reload();
    const voteItem = desk.locator('[data-testid=agenda-item]', { hasText: 'dự toán ngân sách địa phương năm 2027' });
    await voteItem.getByRole('button', { name: 'Bắt đầu nội dung này' }).click();
    await desk.waitForLoadState();
    await desk.locator('[data-testid=agenda-item]', { hasText: 'dự toán ngân sách địa phương năm 2027' })
      .getByRole('button', { name: 'Mở biểu quyết' }).click();
    await desk.waitForLoadState();
    const ballot = panel.getByRole('button', { name: 'Tán thành', exact: true });
    await ballot.waitFor({ timeout: 30_000 });
    await ballot.click();
    await waitForText(deputies[0], '[data-testid=ballot-recorded]', 'đã được ghi nhận', 'the remote ballot');
    await desk.reload();
    await desk.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
    await desk.waitForLoadState();
    const result = await text(desk, '[data-testid=vote-result]');
    assert.match(result, /Tán thành 1 \(/, `the remote vote counts: ${result}`);
    await screenshot(deputies[0], 'meet-deputy-voted');
    await checkA11y(deputies[0], 'meet-room');

    // The chair mutes a participant, then ends the meeting for everyone.
    await chair.getByTestId('silence').first().click();
    await waitForText(deputies[0], '[data-testid=meet-status]', 'tắt micrô', 'moderator mute');
    await chair.getByTestId('end').click();
    for (const page of deputies) await waitForText(page, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end');
    await office.reload();
    assert.equal(await text(office, '[data-testid=meeting-status]'), 'Đã kết thúc');
    const presence = await text(office, '[data-testid=presence]');
    for (const n of names) assert.ok(presence.includes(n), `the minutes list ${n}: ${presence}`);
    await screenshot(office, 'meet-minutes');

    for (const page of pages) {
      assertNoExternalRequests(page);
      assert.deepEqual(page.pageErrors, [], `page errors on ${page.url()}`);
    }
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await saveHtml(page, `meet-failure-${i}`).catch(() => {});
      await screenshot(page, `meet-failure-${i}`).catch(() => {});
    }
    throw err;
  }
});
