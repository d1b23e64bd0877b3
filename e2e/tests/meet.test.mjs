// An online meeting as three people live it (issue #8): the office
// schedules it for the session and invites two deputies; the chair opens
// the room, the deputies wait in the lobby until admitted, and everyone
// receives the others' video through the server's own SFU (fake camera
// and microphone). A raised hand reaches the session's speaking queue; the
// chair gives the floor and the deputy's microphone opens (the SFU forwards
// their audio), then closes again when the speech ends. A dropped
// WebSocket reconnects and media recovers on a new peer connection. A
// remote deputy checks in and votes through the session's own routes.
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
  text,
  waitForText,
} from '../lib/browser.mjs';
import { MEDIA_ARGS, daysFromNow, displayNames, scheduleMeeting } from '../lib/meetings.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let baseUrl;

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

/** Audio packets `page` has received from participant `peer`. */
async function audioFrom(page, peer) {
  return page.evaluate(async (peer) => {
    const video = document.querySelector(`#meet-tiles figure[data-peer="${peer}"] video`);
    const track = video?.srcObject?.getAudioTracks?.()[0];
    if (!track) return -1;
    const stats = await window.nghitruongMeet?.stats();
    let packets = 0;
    stats?.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.trackIdentifier === track.id) packets = s.packetsReceived || 0;
    });
    return packets;
  }, peer);
}

async function micState(page) {
  const mic = page.getByTestId('mic');
  return { state: await mic.getAttribute('data-state'), pressed: await mic.getAttribute('aria-pressed') };
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
    const names = await displayNames(baseUrl, ['daibieu', 'daibieu2']);
    const meetingUrl = await scheduleMeeting(office, baseUrl, {
      title: 'Kỳ họp thứ 2 — điểm cầu trực tuyến',
      kind: 'ky_hop',
      session: 'Kỳ họp thứ 2',
      day: daysFromNow(3),
      time: '08:00',
      invite: names.map((name) => ({ name, role: 'tham_du' })),
      halls: ['Hội trường UBND xã Tân Phú'],
    });
    await checkA11y(office, 'meeting-office');

    // A refused invitation says why in Vietnamese, in place, and keeps
    // what was typed; the list is unchanged.
    const invitedBefore = await text(office, '[data-testid=invitations]');
    await office.locator('[data-testid=invite-form] button[type=submit]').click();
    await waitForText(office, '[data-testid=invite-error]', 'Chọn một đại biểu hoặc nhập tên một điểm cầu.', 'an empty invitation');
    await office.fill('#invite-hall', 'Hội trường UBND xã Tân Phú');
    await office.locator('[data-testid=invite-form] button[type=submit]').click();
    await waitForText(office, '[data-testid=invite-error]', 'Đã mời điểm cầu hoặc người này.', 'a second invitation of the same hall');
    assert.equal(await office.inputValue('#invite-hall'), 'Hội trường UBND xã Tân Phú', 'the typed hall stays');
    assert.equal(await text(office, '[data-testid=invitations]'), invitedBefore, 'nothing was added');
    assert.equal(await office.evaluate(() => window.notReloaded), true, 'no reload either');
    await checkA11y(office, 'meeting-invite-refused');
    await screenshot(office, 'meeting-invite-refused');
    await office.fill('#invite-hall', '');
    assert.equal(await office.getByRole('button', { name: 'Hủy cuộc họp' }).count(), 1, 'a scheduled meeting can be called off');

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
    await office.reload();
    assert.equal(await office.getByRole('button', { name: 'Hủy cuộc họp' }).count(), 0, 'not once the chair opened it');

    // The deputies wait in the lobby until the chair lets them in.
    const deputies = [];
    for (const [i, username] of ['daibieu', 'daibieu2'].entries()) {
      const page = await newPage(i === 0 ? 'tablet' : 'phone');
      pages.push(page);
      // Keeps the page's WebSockets at hand, to drop one as a network would.
      await page.addInitScript(() => {
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(...args) {
            super(...args);
            (window.testSockets ||= []).push(this);
          }
        };
      });
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
    // The attendance record on the chair's page follows the room, without
    // a reload: both deputies are written down as they come in.
    await chair.evaluate(() => {
      window.notReloaded = true;
    });
    for (const name of names) {
      await waitForText(chair, '[data-testid=presence]', name, `the chair's attendance record lists ${name}`);
    }
    assert.match(await text(chair, '[data-testid=presence]'), /Đang trong phòng/);

    // Everyone receives the two others' video, decoded in the page.
    const seen = [];
    for (const [who, page] of [['chair', chair], ['deputy 1', deputies[0]], ['deputy 2', deputies[1]]]) {
      seen.push([who, await waitForVideoFromOthers(page, 2, who)]);
    }
    console.log(`meet: video decoded from the others: ${JSON.stringify(seen)}`);
    assert.equal(await text(chair, '[data-testid=meeting-status]'), 'Đang họp', "the chair's heading follows the room");
    await screenshot(chair, 'meet-chair-grid');
    await screenshot(deputies[1], 'meet-deputy-phone');

    // The network drops under deputy 2: the WebSocket reconnects, the room
    // lets them back in, and media recovers on a new peer connection.
    const before = await deputies[1].evaluate(() => window.nghitruongMeet.peer());
    await deputies[1].evaluate(() => window.testSockets.at(-1).close());
    await deputies[1].waitForFunction((old) => {
      const now = window.nghitruongMeet.peer();
      return now && now !== old;
    }, before, { timeout: 30_000 });
    const reconnected = [];
    for (const [who, page] of [['deputy 2 after the drop', deputies[1]], ['chair', chair], ['deputy 1', deputies[0]]]) {
      reconnected.push([who, await waitForVideoFromOthers(page, 2, who)]);
    }
    console.log(`meet: video again after a dropped connection: ${JSON.stringify(reconnected)}`);

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

    // The meeting serves a session, so microphones are moderated: the
    // deputy waits muted, and the SFU forwards none of their audio.
    const speaker = await deputies[0].evaluate(() => window.nghitruongMeet.peer());
    assert.deepEqual(await micState(deputies[0]), { state: 'silenced', pressed: 'false' });
    assert.equal(await deputies[0].getByTestId('floor').isVisible(), false);
    const muted0 = await audioFrom(chair, speaker);
    await chair.waitForTimeout(1500);
    const muted1 = await audioFrom(chair, speaker);
    assert.ok(muted0 >= 0, 'the chair has a track for the deputy');
    assert.equal(muted1, muted0, 'no audio from a muted deputy');

    // The chair gives the floor: the deputy's microphone opens and the
    // chair hears them.
    await desk.locator('[data-testid=speak-queue] li', { hasText: names[0] })
      .getByRole('button', { name: 'Mời phát biểu' }).click();
    await desk.waitForLoadState();
    await waitForText(deputies[0], '[data-testid=floor]', 'Đang phát biểu', 'the floor given');
    assert.deepEqual(await micState(deputies[0]), { state: 'on', pressed: 'true' });
    await waitForText(deputies[0], '[data-testid=meet-status]', 'micrô đã mở', 'the deputy is told');
    await waitForText(chair, '[data-testid=people]', 'đang phát biểu', 'the chair sees the speaker');
    let heard = muted1;
    const heardBy = Date.now() + 20_000;
    while (heard < muted1 + 25 && Date.now() < heardBy) {
      await chair.waitForTimeout(500);
      heard = await audioFrom(chair, speaker);
    }
    assert.ok(heard >= muted1 + 25, `the chair receives the speaker's audio: ${muted1} -> ${heard}`);
    console.log(`meet: audio packets from the speaker at the chair: muted ${muted0} -> ${muted1}, with the floor ${heard}`);
    await screenshot(deputies[0], 'meet-deputy-speaking');

    // The chair ends the speech: muted again.
    await desk.reload();
    await desk.getByTestId('current-speaker').getByRole('button', { name: 'Kết thúc phát biểu' }).click();
    await desk.waitForLoadState();
    await waitForText(deputies[0], '[data-testid=meet-status]', 'Đã kết thúc phát biểu', 'the speech ends');
    assert.deepEqual(await micState(deputies[0]), { state: 'silenced', pressed: 'false' });
    assert.equal(await deputies[0].getByTestId('floor').isVisible(), false);

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

    // The chair opens a participant's microphone and mutes it again, then
    // ends the meeting for everyone.
    const deputyRow = chair.locator('#meet-people li', { hasText: names[0] });
    await deputyRow.getByRole('button', { name: 'Mở micrô' }).click();
    await waitForText(deputies[0], '[data-testid=meet-status]', 'mở micrô', 'moderator unmute');
    await deputyRow.getByRole('button', { name: 'Tắt micrô' }).click();
    await waitForText(deputies[0], '[data-testid=meet-status]', 'tắt micrô', 'moderator mute');
    await chair.getByTestId('end').click();
    assert.deepEqual(chair.dialogs, ['Kết thúc cuộc họp cho mọi người?'], 'ending asks first');
    for (const page of deputies) await waitForText(page, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end');
    // The heading line follows the room without a reload.
    for (const page of deputies) assert.equal(await text(page, '[data-testid=meeting-status]'), 'Đã kết thúc');
    // So does the chair's attendance record: nobody is still in the room.
    await chair.waitForFunction(
      () => {
        const t = document.querySelector('[data-testid=presence]')?.textContent ?? '';
        return t.length > 0 && !t.includes('Đang trong phòng');
      },
      null,
      { timeout: 30_000 },
    );
    assert.equal(await chair.evaluate(() => window.notReloaded), true, "the chair's page was never reloaded");
    await office.reload();
    assert.equal(await text(office, '[data-testid=meeting-status]'), 'Đã kết thúc');
    assert.equal(await office.getByRole('button', { name: 'Hủy cuộc họp' }).count(), 0, 'no cancelling an ended meeting');
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
