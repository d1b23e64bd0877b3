// LiveKit mode (issue #8): with `[meet] engine = "livekit"` the server only
// issues LiveKit access tokens, and the room's browsers join the LiveKit
// server with livekit-client instead of the embedded SFU. No LiveKit server
// can be installed here, so a loopback mock (lib/livekit-mock.mjs) stands
// in: it checks the tokens, answers the signalling and the WebRTC
// connection (werift), and records what each browser published and whether
// its RTP arrived. It forwards nothing between people, so this test checks
// each browser's own side: connected, publishing, muting, and the viewer
// publishing nothing. Our own WebSocket still runs the lobby, the list of
// people and moderation, and a dropped one does not make a second LiveKit
// session. The moderator's decisions hold on the LiveKit server even for a
// page made to ignore them: our server calls LiveKit's RoomService (the
// mock checks each call's admin token) to mute, remove and close the room.
//
// In a moderated meeting a deputy who enters silenced gets a token without
// the microphone: a page forcing one out is refused by LiveKit (the mock
// checks `canPublishSources`); the floor adds it (UpdateParticipant) and
// the page publishes it then; the end of the speech takes it away. Tokens
// live 20 s here (`livekit_token_ttl_seconds`): fresh ones reach those let
// in and replace the old one in livekit-client; a removed person gets none,
// and their last token is refused once expired.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
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
import { startLiveKitMock, verifyToken } from '../lib/livekit-mock.mjs';
import { MEDIA_ARGS, daysFromNow, displayNames, scheduleMeeting } from '../lib/meetings.mjs';
import { startServer } from '../lib/server.mjs';

const API_KEY = 'APInghitruonge2e';
const API_SECRET = 'khoa-bi-mat-cho-livekit-mock-e2e-0123456789';
/** The join tokens' life here: a fresh one every 10 s. */
const TOKEN_TTL_S = 20;

let server;
let baseUrl;
let mock;
const mockLog = [];

before(
  async () => {
    mock = await startLiveKitMock({ apiKey: API_KEY, apiSecret: API_SECRET, log: (line) => mockLog.push(line) });
    server = await startServer({
      env: {
        NGHITRUONG__MEET__ENGINE: 'livekit',
        NGHITRUONG__MEET__LIVEKIT_URL: mock.url,
        NGHITRUONG__MEET__LIVEKIT_API_KEY: API_KEY,
        NGHITRUONG__MEET__LIVEKIT_API_SECRET: API_SECRET,
        NGHITRUONG__MEET__LIVEKIT_TOKEN_TTL_SECONDS: String(TOKEN_TTL_S),
      },
    });
    baseUrl = server.baseUrl;
    await launchBrowser(MEDIA_ARGS);
  },
  { timeout: 180_000 },
);

after(
  async () => {
    await closeBrowser();
    if (server) await server.stop();
    if (mock) await mock.stop();
  },
  { timeout: 60_000 },
);

/** Account ids as the administrator's user list shows them. */
async function userIds(usernames) {
  const admin = await newPage('tablet');
  try {
    await signIn(admin, baseUrl, 'quantri');
    const ids = {};
    for (const username of usernames) {
      await admin.goto(`${baseUrl}/quan-tri/nguoi-dung?q=${encodeURIComponent(username)}`);
      ids[username] = await admin.evaluate((wanted) => {
        for (const row of document.querySelectorAll('[data-testid=user-row]')) {
          const name = row.querySelector('td')?.firstChild?.textContent.trim();
          const action = row.querySelector('form[action$="/mat-khau"]')?.getAttribute('action') ?? '';
          if (name === wanted) return Number(action.match(/nguoi-dung\/(\d+)\//)?.[1]);
        }
        return null;
      }, username);
      assert.ok(ids[username] > 0, `the id of ${username}`);
    }
    return ids;
  } finally {
    await admin.context().close();
  }
}

/** The page's LiveKit session as meet.js shows it to tests. */
const liveKit = (page) => page.evaluate(() => window.nghitruongMeet?.livekit?.() ?? null);

async function waitConnected(page, who) {
  await page
    .waitForFunction(() => window.nghitruongMeet?.livekit?.()?.state === 'connected', null, { timeout: 30_000 })
    .catch(async () => {
      throw new Error(`${who}: LiveKit never connected: ${JSON.stringify(await liveKit(page))}; status: ${await text(page, '[data-testid=meet-status]')}`);
    });
  return liveKit(page);
}

/** Polls `check` (which returns a value or a falsy one) until it holds. */
async function until(check, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = check();
    if (last) return last;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`${what}: not within ${timeout} ms`);
}

/** What the mock recorded of `identity`'s track of `source`. */
const track = (identity, source) => mock.participants.get(identity)?.tracks.find((t) => t.source === source);

/**
 * A page script that keeps the page's WebSockets at hand (to drop ours as
 * a network would) and, as a modified client would, lets the page ignore
 * our WebSocket's messages whose type is in `window.testIgnored`. Only
 * listeners added with addEventListener and JSON messages are filtered:
 * LiveKit's binary signalling is untouched.
 */
function watchSockets() {
  window.testIgnored = new Set();
  // The types of our WebSocket's messages, in order, ignored ones too.
  window.testReceived = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      (window.testSockets ||= []).push(this);
    }
    addEventListener(type, listener, options) {
      if (type !== 'message' || typeof listener !== 'function') return super.addEventListener(type, listener, options);
      return super.addEventListener(
        type,
        (e) => {
          if (typeof e.data === 'string') {
            try {
              const { type } = JSON.parse(e.data);
              window.testReceived.push(type);
              if (window.testIgnored.has(type)) return;
            } catch {
              // Not JSON: the page sees it.
            }
          }
          listener.call(this, e);
        },
        options,
      );
    }
  };
}

/** The RoomService calls the mock answered since `from`, of `method`. */
const apiCalls = (method, from = 0) => mock.api.slice(from).filter((c) => c.method === method && c.status === 200);

/** Posts a RoomService call to the mock with `token`; the HTTP status. */
async function roomService(method, body, token) {
  const reply = await fetch(`${mock.url.replace(/^ws/, 'http')}/twirp/livekit.RoomService/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  await reply.arrayBuffer();
  return reply.status;
}

/** Checks that a RoomService call carried our server's admin token for `room`. */
function assertAdminToken(call, room, create = false) {
  assert.ok(call.claims, `${call.method} was authorised`);
  assert.equal(call.claims.iss, API_KEY);
  assert.equal(call.claims.video.room, room);
  assert.equal(call.claims.video.roomAdmin, true);
  assert.equal(call.claims.video.roomJoin, undefined, 'an API token joins nothing');
  assert.equal(call.claims.video.roomCreate === true, create, `${call.method} roomCreate`);
  assert.ok(call.claims.exp - call.claims.nbf <= 120, 'a short-lived token');
}

/** The HTTP status the mock answers a WebSocket upgrade with. */
function upgradeStatus(token) {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`${mock.url}/rtc/v1?access_token=${encodeURIComponent(token)}`);
    ws.on('unexpected-response', (_req, res) => {
      ok(res.statusCode);
      ws.terminate();
    });
    ws.on('open', () => {
      ok(101);
      ws.close();
    });
    ws.on('error', (e) => fail(e));
  });
}

test('in LiveKit mode the room joins the LiveKit server with the tokens the server signs', { timeout: 300_000 }, async () => {
  const pages = [];
  try {
    const ids = await userIds(['chutich', 'daibieu', 'daibieu2']);
    const [chairName, deputyName, viewerName] = await displayNames(baseUrl, ['chutich', 'daibieu', 'daibieu2']);

    // The office schedules a Standing Committee meeting (microphones open):
    // one deputy takes part, another only watches.
    const office = await newPage('tablet');
    pages.push(office);
    await signIn(office, baseUrl, 'vanphong');
    const meetingUrl = await scheduleMeeting(office, baseUrl, {
      title: 'Họp Thường trực — máy chủ LiveKit',
      kind: 'thuong_truc',
      day: daysFromNow(4),
      time: '14:00',
      invite: [
        { name: deputyName, role: 'tham_du' },
        { name: viewerName, role: 'theo_doi' },
      ],
    });
    const meetingId = Number(meetingUrl.match(/\/hop\/(\d+)$/)[1]);

    // The chair enters straight away and joins LiveKit.
    const chair = await newPage('tablet');
    pages.push(chair);
    await signIn(chair, baseUrl, 'chutich');
    await chair.goto(meetingUrl);
    assert.equal(await chair.locator('#meet').getAttribute('data-engine'), 'livekit');
    assert.match(await chair.locator('#meet').getAttribute('data-livekit-js'), /^\/static\/[0-9a-f]+\/livekit-client\.umd\.js$/);
    assert.equal(await chair.evaluate(() => typeof window.LivekitClient), 'undefined', 'loaded only on admission');
    await chair.getByTestId('join').click();
    await chair.getByTestId('tiles').locator('figure').first().waitFor();
    const chairSession = await waitConnected(chair, 'chair');

    // The deputy and the viewer wait in the lobby until the chair lets them in.
    const deputy = await newPage('tablet');
    const viewer = await newPage('phone');
    pages.push(deputy, viewer);
    await deputy.addInitScript(watchSockets);
    await viewer.addInitScript(watchSockets);
    for (const [page, username] of [[deputy, 'daibieu'], [viewer, 'daibieu2']]) {
      await signIn(page, baseUrl, username);
      await page.goto(meetingUrl);
      await page.getByTestId('join').click();
      await waitForText(page, '[data-testid=meet-status]', 'Đang chờ người điều hành', `${username} in the lobby`);
    }
    assert.equal(mock.participants.has(String(ids.daibieu)), false, 'no token before admission');
    await waitForText(chair, '[data-testid=people]', 'đang chờ', 'the chair sees the lobby');
    for (let i = 0; i < 2; i++) {
      await chair.getByTestId('admit').first().click();
      await chair.waitForTimeout(300);
    }
    const deputySession = await waitConnected(deputy, 'deputy');
    const viewerSession = await waitConnected(viewer, 'viewer');
    console.log(
      `meet-livekit: connected in ${chairSession.connectedMs} ms (chair), ${deputySession.connectedMs} ms (deputy), ${viewerSession.connectedMs} ms (viewer)`,
    );

    // The tokens: identity = account id, one room per meeting, publishing
    // for those who take part, admin rights for the chair only.
    const room = `hop-${meetingId}`;
    for (const [username, name, canPublish, roomAdmin] of [
      ['chutich', chairName, true, true],
      ['daibieu', deputyName, true, false],
      ['daibieu2', viewerName, false, false],
    ]) {
      const seen = mock.participants.get(String(ids[username]));
      assert.ok(seen, `the mock verified ${username}'s token`);
      const { claims } = seen;
      assert.equal(claims.sub, String(ids[username]));
      assert.equal(claims.iss, API_KEY);
      assert.equal(claims.name, name);
      assert.equal(claims.video.room, room);
      assert.equal(claims.video.roomJoin, true);
      assert.equal(claims.video.canPublish, canPublish, `${username} canPublish`);
      assert.equal(claims.video.canSubscribe, true);
      assert.equal(claims.video.roomAdmin, roomAdmin, `${username} roomAdmin`);
      // An open meeting: everything for those who publish, nothing listed
      // for the viewer (whose canPublish is false).
      assert.deepEqual(
        claims.video.canPublishSources ?? [],
        canPublish ? ['camera', 'microphone', 'screen_share', 'screen_share_audio'] : [],
        `${username} canPublishSources`,
      );
      assert.ok(claims.exp > claims.nbf, 'a token that expires');
      assert.equal(seen.joins, 1, `${username} joined LiveKit once`);
    }
    assert.equal(deputySession.identity, String(ids.daibieu));

    // The deputy's camera and microphone reach LiveKit: RTP arrives.
    const deputyId = String(ids.daibieu);
    await until(() => track(deputyId, 'camera')?.rtpPackets > 50 && track(deputyId, 'microphone')?.rtpPackets > 50, "the deputy's RTP");
    const camera = track(deputyId, 'camera');
    const microphone = track(deputyId, 'microphone');
    assert.equal(camera.kind, 'video');
    assert.equal(microphone.kind, 'audio');
    assert.equal(microphone.muted, false, 'an open meeting: the microphone is on');
    await until(() => track(String(ids.chutich), 'camera')?.rtpPackets > 0, "the chair's RTP");
    console.log(
      `meet-livekit: RTP at the mock: deputy camera ${camera.rtpPackets} (layers ${camera.rids.join(',') || '-'}), microphone ${microphone.rtpPackets}; chair camera ${track(String(ids.chutich), 'camera').rtpPackets}`,
    );

    // The viewer publishes nothing and has no tile; the others have one each.
    assert.deepEqual(mock.participants.get(String(ids.daibieu2)).tracks, []);
    assert.deepEqual(viewerSession.published, []);
    const tiles = await chair.locator('#meet-tiles figure').count();
    assert.equal(tiles, 2, 'the chair and the deputy have tiles, the viewer none');

    // The deputy's microphone button mutes the published track (LiveKit is
    // told) and opens it again.
    const mutesBefore = microphone.mutes.length;
    await deputy.getByTestId('mic').click();
    await until(() => microphone.mutes.length > mutesBefore && microphone.muted === true, 'MuteTrackRequest (muted)');
    assert.equal(await deputy.getByTestId('mic').getAttribute('data-state'), 'off');
    const mutedMic = (await liveKit(deputy)).published.find((p) => p.source === 'microphone');
    assert.equal(mutedMic.muted, true);
    const deputyTile = `#meet-tiles figure[data-peer="${await deputy.evaluate(() => window.nghitruongMeet.peer())}"]`;
    await waitForText(chair, deputyTile, 'micrô tắt', 'the chair sees the microphone off');
    await deputy.getByTestId('mic').click();
    await until(() => microphone.muted === false, 'MuteTrackRequest (unmuted)');
    assert.equal(await deputy.getByTestId('mic').getAttribute('data-state'), 'on');

    // The chair mutes the deputy from the list of people: the same track.
    const row = chair.locator('#meet-people li', { hasText: deputyName });
    await row.getByRole('button', { name: 'Tắt micrô' }).click();
    await waitForText(deputy, '[data-testid=meet-status]', 'tắt micrô', 'moderator mute');
    await until(() => microphone.muted === true, 'muted by the chair');
    await row.getByRole('button', { name: 'Mở micrô' }).click();
    await waitForText(deputy, '[data-testid=meet-status]', 'mở micrô', 'moderator unmute');
    // As in the embedded mode, the chair lifts the mute but the deputy opens
    // their own microphone.
    assert.equal(await deputy.getByTestId('mic').getAttribute('data-state'), 'off');
    assert.equal(microphone.muted, true);
    await deputy.getByTestId('mic').click();
    await until(() => microphone.muted === false, 'opened again by the deputy');
    console.log(
      `meet-livekit: mute changes seen by the mock: ${JSON.stringify(microphone.mutes.map((m) => `${m.by}:${m.muted}`))}`,
    );

    // A page that ignores the chair's mute (as a modified client could) is
    // muted all the same: our server has LiveKit's RoomService mute the
    // deputy's audio, and LiveKit tells livekit-client, which mutes it.
    await deputy.evaluate(() => window.testIgnored.add('silenced'));
    const apiBefore = mock.api.length;
    const silencedAt = Date.now();
    await row.getByRole('button', { name: 'Tắt micrô' }).click();
    const [muteCall] = await until(() => apiCalls('MutePublishedTrack', apiBefore).length > 0 && apiCalls('MutePublishedTrack', apiBefore), 'MutePublishedTrack from our server');
    assert.deepEqual(muteCall.body, { room, identity: deputyId, track_sid: microphone.sid, muted: true });
    assertAdminToken(muteCall, room);
    const [listCall] = apiCalls('ListParticipants', apiBefore);
    assert.deepEqual(listCall.body, { room });
    assertAdminToken(listCall, room);
    assert.equal(apiCalls('MutePublishedTrack', apiBefore).length, 1, "only the microphone: the camera is not audio");
    // livekit-client obeys LiveKit and reports the track muted.
    await until(() => microphone.mutes.at(-1)?.by === 'publisher' && microphone.muted === true, 'muted through LiveKit');
    assert.deepEqual(microphone.mutes.slice(-2).map((m) => `${m.by}:${m.muted}`), ['server:true', 'publisher:true']);
    await deputy.waitForFunction(
      () => window.nghitruongMeet.livekit().published.find((p) => p.source === 'microphone')?.muted === true,
      null,
      { timeout: 10_000 },
    );
    assert.equal(await deputy.getByTestId('mic').getAttribute('data-state'), 'on', 'the page itself ignored the mute');
    console.log(`meet-livekit: the chair's mute reached LiveKit in ${muteCall.at - silencedAt} ms (through RoomService)`);
    // The mute also took the microphone permission away.
    await until(() => apiCalls('UpdateParticipant', apiBefore).length > 0, 'UpdateParticipant from our server');
    assert.equal(mock.participants.get(deputyId).permissions.at(-1).sources.includes('microphone'), false);
    // Lifting the mute gives the permission back but unmutes nothing:
    // opening is the person's act.
    await row.getByRole('button', { name: 'Mở micrô' }).click();
    await waitForText(chair, '#meet-people', 'Tắt micrô', 'the mute lifted');
    await until(() => mock.participants.get(deputyId).permissions.at(-1).sources.includes('microphone'), 'the permission given back');
    assert.equal(apiCalls('MutePublishedTrack', apiBefore).length, 1, 'no remote unmute');
    assert.ok(mock.api.slice(apiBefore).every((c) => c.status === 200), JSON.stringify(mock.api.slice(apiBefore)));
    await deputy.evaluate(() => window.testIgnored.clear());
    // The page still thinks its microphone is on: off and on again opens it.
    await deputy.getByTestId('mic').click();
    await deputy.getByTestId('mic').click();
    await until(() => microphone.muted === false, 'opened again by the deputy after the server mute');

    // Negative controls for RoomService: a participant's token (no
    // roomAdmin), an admin token for another room, one signed with another
    // secret, and DeleteRoom without roomCreate are all refused.
    {
      const now = Math.floor(Date.now() / 1000);
      const admin = { iss: API_KEY, nbf: now, exp: now + 60, video: { room, roomAdmin: true } };
      const refusedBefore = mock.api.length;
      const body = { room, identity: deputyId, track_sid: microphone.sid, muted: true };
      assert.equal(await roomService('MutePublishedTrack', body, mock.sign(mock.participants.get(deputyId).claims)), 401);
      assert.equal(await roomService('MutePublishedTrack', body, mock.sign({ ...admin, video: { room: 'hop-0', roomAdmin: true } })), 401);
      assert.equal(await roomService('RemoveParticipant', { room, identity: deputyId }, mock.sign(admin, 'mot-bi-mat-khac-hoan-toan-0123456789abcdef')), 401);
      assert.equal(await roomService('DeleteRoom', { room }, mock.sign(admin)), 401);
      assert.deepEqual(
        mock.api.slice(refusedBefore).map((c) => c.error),
        ['token does not grant roomAdmin', 'token is not for this room', 'invalid token signature', 'token does not grant roomCreate'],
      );
      assert.equal(microphone.muted, false, 'nothing was muted by the refused calls');
      assert.equal(mock.participants.get(deputyId).removed, 0);
    }

    // The camera button does the same for the camera track.
    await deputy.getByTestId('camera').click();
    await until(() => camera.muted === true, 'camera muted');
    await deputy.getByTestId('camera').click();
    await until(() => camera.muted === false, 'camera on again');

    // A shared screen is a track of its own, and its RTP arrives too.
    await deputy.getByTestId('screen').click();
    const shared = await until(() => track(deputyId, 'screen_share')?.rtpPackets > 0 && track(deputyId, 'screen_share'), 'the shared screen');
    console.log(`meet-livekit: RTP of the shared screen at the mock: ${shared.rtpPackets}`);
    assert.equal(await deputy.getByTestId('screen').getAttribute('aria-pressed'), 'true');
    await waitForText(chair, deputyTile, 'chia sẻ màn hình', 'the chair sees the screen shared');
    await deputy.getByTestId('screen').click();
    await deputy.waitForFunction(
      () => !window.nghitruongMeet.livekit().published.some((p) => p.source === 'screen_share'),
      null,
      { timeout: 10_000 },
    );
    await screenshot(chair, 'meet-livekit-chair');
    await screenshot(deputy, 'meet-livekit-deputy');
    await screenshot(viewer, 'meet-livekit-viewer');

    // Our WebSocket drops under the deputy: it reconnects and re-admits,
    // and LiveKit's session goes on (no second join).
    const before = await deputy.evaluate(() => window.nghitruongMeet.peer());
    await deputy.evaluate(() => window.testSockets.filter((s) => s.url.includes('/hop/')).at(-1).close());
    await deputy.waitForFunction((old) => {
      const now = window.nghitruongMeet.peer();
      return now && now !== old;
    }, before, { timeout: 30_000 });
    await waitForText(chair, '[data-testid=people]', deputyName, 'the deputy back in the list');
    await deputy.waitForTimeout(1000);
    assert.equal((await liveKit(deputy)).state, 'connected');
    assert.equal(mock.participants.get(deputyId).joins, 1, 'no second LiveKit session');

    // Negative controls: a token signed with another secret, and an expired
    // one, are refused by the mock.
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...mock.participants.get(deputyId).claims, nbf: now, exp: now + 600 };
    const forged = mock.sign(claims, 'mot-bi-mat-khac-hoan-toan-0123456789abcdef');
    const expired = mock.sign({ ...claims, nbf: now - 7200, exp: now - 3600 });
    const httpUrl = mock.url.replace(/^ws/, 'http');
    const validate = await fetch(`${httpUrl}/rtc/v1/validate?access_token=${encodeURIComponent(forged)}`);
    assert.equal(validate.status, 401);
    assert.match(await validate.text(), /signature/);
    assert.equal(await upgradeStatus(forged), 401);
    assert.equal(await upgradeStatus(expired), 401);
    assert.deepEqual(
      mock.refused.map((r) => r.error),
      ['invalid token signature', 'invalid token signature', 'token expired'],
    );

    // The chair opens the room in a second window: LiveKit keeps one
    // session per identity, so the first window gives way and says so,
    // without taking the session back.
    const chairId = String(ids.chutich);
    const second = await newPage('tablet');
    pages.push(second);
    await second.addInitScript(watchSockets);
    await signIn(second, baseUrl, 'chutich');
    await second.goto(meetingUrl);
    await second.getByTestId('join').click();
    await waitConnected(second, 'the chair in a second window');
    await waitForText(chair, '[data-testid=meet-status]', 'cửa sổ hoặc thiết bị khác', 'the first window gives way');
    await chair.waitForTimeout(2000);
    assert.equal(await liveKit(chair), null);
    assert.equal(mock.participants.get(chairId).joins, 2, 'the first window did not take it back');
    assert.equal(mock.participants.get(chairId).replaced, 1);

    await checkA11y(deputy, 'meet-livekit-room');

    // The chair removes the viewer, whose page ignores being removed: the
    // server has LiveKit remove the viewer's participant, whose connection
    // LiveKit closes; our WebSocket puts them back in the lobby.
    const viewerId = String(ids.daibieu2);
    await viewer.evaluate(() => window.testIgnored.add('removed'));
    const removeFrom = mock.api.length;
    await second.locator('#meet-people li', { hasText: viewerName }).getByRole('button', { name: 'Mời ra' }).click();
    const [removeCall] = await until(() => apiCalls('RemoveParticipant', removeFrom).length > 0 && apiCalls('RemoveParticipant', removeFrom), 'RemoveParticipant from our server');
    assert.deepEqual(removeCall.body, { room, identity: viewerId });
    assertAdminToken(removeCall, room);
    await until(() => mock.participants.get(viewerId).removed === 1, "the viewer's LiveKit connection closed");
    await viewer.waitForFunction(() => window.nghitruongMeet.livekit() === null, null, { timeout: 10_000 });
    await waitForText(viewer, '[data-testid=meet-status]', 'Đang chờ người điều hành', 'the removed viewer back in the lobby');
    assert.equal(mock.participants.get(viewerId).joins, 1, 'the removed viewer did not join LiveKit again');

    // Leaving disconnects from LiveKit; the chair ends the meeting for all.
    await deputy.getByTestId('leave').click();
    await until(() => mock.participants.get(deputyId).left, 'the deputy left LiveKit');
    assert.equal(await liveKit(deputy), null);
    // The first chair window gave way to the second; the second ends it.
    // Its page ignores the end (as a modified client could): the server
    // deletes the LiveKit room, which closes its connection all the same.
    await second.evaluate(() => window.testIgnored.add('ended'));
    const endFrom = mock.api.length;
    await second.getByTestId('end').click();
    await waitForText(viewer, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end');
    await waitForText(chair, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end, first window');
    const [deleteCall] = await until(() => apiCalls('DeleteRoom', endFrom).length > 0 && apiCalls('DeleteRoom', endFrom), 'DeleteRoom from our server');
    assert.deepEqual(deleteCall.body, { room });
    assertAdminToken(deleteCall, room, true);
    await until(() => mock.participants.get(chairId).roomDeleted === 1, "the chair's LiveKit connection closed by the room's deletion");
    await second.waitForFunction(() => window.nghitruongMeet.livekit() === null, null, { timeout: 10_000 });
    assert.equal(await liveKit(viewer), null);
    await second.evaluate(() => window.testIgnored.clear());
    await waitForText(second, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end, second window');
    console.log(`meet-livekit: RoomService calls: ${JSON.stringify(mock.api.map((c) => `${c.method}:${c.status}`))}`);

    for (const page of pages) {
      const status = await text(page, '[data-testid=meet-status]').catch(() => '');
      assert.doesNotMatch(status, /Lỗi|Không kết nối|Không tải/, `no error shown on ${page.url()}: ${status}`);
      assertNoExternalRequests(page);
      assert.deepEqual(page.pageErrors, [], `page errors on ${page.url()}`);
    }
  } catch (err) {
    console.log(mockLog.slice(-40).join('\n'));
    for (const [i, page] of pages.entries()) {
      await saveHtml(page, `meet-livekit-failure-${i}`).catch(() => {});
      await screenshot(page, `meet-livekit-failure-${i}`).catch(() => {});
    }
    throw err;
  }
});

test('in a moderated meeting a silenced deputy publishes no microphone until given the floor, and tokens are renewed for those let in only', { timeout: 300_000 }, async () => {
  const pages = [];
  try {
    const ids = await userIds(['chutich', 'daibieu']);
    const [deputyName] = await displayNames(baseUrl, ['daibieu']);
    const office = await newPage('tablet');
    pages.push(office);
    await signIn(office, baseUrl, 'vanphong');
    // A voter-contact meeting moderates the microphones.
    const meetingUrl = await scheduleMeeting(office, baseUrl, {
      title: 'Tiếp xúc cử tri — máy chủ LiveKit',
      kind: 'tiep_xuc_cu_tri',
      day: daysFromNow(5),
      time: '09:00',
      invite: [{ name: deputyName, role: 'tham_du' }],
    });
    const room = `hop-${Number(meetingUrl.match(/\/hop\/(\d+)$/)[1])}`;

    const chair = await newPage('tablet');
    pages.push(chair);
    await signIn(chair, baseUrl, 'chutich');
    await chair.goto(meetingUrl);
    await chair.getByTestId('join').click();
    await waitConnected(chair, 'chair');

    const deputyId = String(ids.daibieu);
    const record = () => mock.participants.get(deputyId);
    const tracksFrom = record()?.tracks.length ?? 0;
    const fresh = (source) => record().tracks.slice(tracksFrom).find((t) => t.source === source);
    const deputy = await newPage('tablet');
    pages.push(deputy);
    await deputy.addInitScript(watchSockets);
    await signIn(deputy, baseUrl, 'daibieu');
    await deputy.goto(meetingUrl);
    await deputy.getByTestId('join').click();
    await waitForText(chair, '[data-testid=people]', 'đang chờ', 'the deputy in the lobby');
    await chair.getByTestId('admit').first().click();
    await waitConnected(deputy, 'deputy');

    // Entered silenced: the token allows the camera and the screen only.
    const joined = record().claims;
    assert.equal(joined.video.room, room);
    assert.equal(joined.video.canPublish, true);
    assert.deepEqual(joined.video.canPublishSources, ['camera', 'screen_share']);
    assert.equal(joined.exp - joined.nbf, TOKEN_TTL_S, 'a short-lived token');
    await until(() => fresh('camera')?.rtpPackets > 20, "the deputy's camera");
    assert.equal(fresh('microphone'), undefined, 'the page publishes no microphone');
    assert.equal((await liveKit(deputy)).published.some((p) => p.source === 'microphone'), false);

    // A page forcing a microphone out (as a modified client could: it
    // claims the permission in livekit-client first) is refused by LiveKit.
    const refusedFrom = mock.refusedTracks.length;
    const forced = deputy.evaluate(async () => {
      const lkRoom = window.nghitruongMeet.livekitRoom();
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      lkRoom.localParticipant.permissions.canPublishSources = [];
      try {
        await lkRoom.localParticipant.publishTrack(stream.getAudioTracks()[0], { source: window.LivekitClient.Track.Source.Microphone });
        return 'published';
      } catch (e) {
        return `refused: ${e.message}`;
      } finally {
        stream.getTracks().forEach((t) => t.stop());
      }
    });
    await until(() => mock.refusedTracks.length > refusedFrom, 'the forced microphone reached LiveKit');
    assert.deepEqual(
      mock.refusedTracks.slice(refusedFrom).map((r) => [r.identity, r.source, r.kind]),
      [[deputyId, 'microphone', 'audio']],
    );
    assert.match(await forced, /^refused: /);
    assert.equal(fresh('microphone'), undefined, 'nothing published');
    console.log(`meet-livekit: a forced microphone while silenced: ${await forced}`);

    // The deputy raises a hand and the chair gives the floor: LiveKit is
    // told to allow the microphone, and the page publishes it then.
    const apiFrom = mock.api.length;
    await deputy.getByTestId('hand').click();
    const row = chair.locator('#meet-people li', { hasText: deputyName });
    const givenAt = Date.now();
    await row.getByTestId('floor-give').click();
    await waitForText(deputy, '[data-testid=floor]', 'Đang phát biểu', 'the floor given');
    const given = await until(
      () => apiCalls('UpdateParticipant', apiFrom).find((c) => c.body.permission.can_publish_sources.includes('MICROPHONE')),
      'UpdateParticipant adding the microphone',
    );
    assert.equal(given.body.identity, deputyId);
    assertAdminToken(given, room);
    const mic = await until(() => fresh('microphone')?.rtpPackets > 20 && fresh('microphone'), "the deputy's microphone RTP");
    assert.equal(mic.muted, false);
    assert.equal(mock.refusedTracks.length, refusedFrom + 1, 'no refusal once allowed');
    console.log(`meet-livekit: floor given -> microphone RTP at LiveKit within ${Date.now() - givenAt} ms (${mic.rtpPackets} packets)`);

    // The speech ends: muted, and the permission taken away again.
    const endFrom = mock.api.length;
    await row.getByTestId('floor-end').click();
    await until(
      () => apiCalls('UpdateParticipant', endFrom).some((c) => !c.body.permission.can_publish_sources.includes('MICROPHONE')),
      'UpdateParticipant taking the microphone away',
    );
    await until(() => mic.muted === true, 'the microphone muted');
    assert.equal(record().permissions.at(-1).sources.includes('microphone'), false);
    // The page mutes it itself; LiveKit is told to as well.
    await until(() => apiCalls('MutePublishedTrack', endFrom).some((c) => c.body.track_sid === mic.sid), 'MutePublishedTrack at the end of the speech');

    // Fresh tokens: the page's token is replaced by newer ones, each one
    // valid, with the microphone as the room rules it now.
    const seenTokens = (await liveKit(deputy)).tokensReceived;
    await deputy.waitForFunction((n) => window.nghitruongMeet.livekit().tokensReceived > n, seenTokens, { timeout: TOKEN_TTL_S * 1000 });
    const session = await liveKit(deputy);
    assert.ok(session.tokenExpires > joined.exp, `the token was replaced: ${session.tokenExpires} > ${joined.exp}`);
    const engineToken = () => deputy.evaluate(() => window.nghitruongMeet.livekitRoom().engine.token);
    const checked = verifyToken(await engineToken(), { apiKey: API_KEY, apiSecret: API_SECRET });
    assert.equal(checked.error, undefined);
    assert.equal(checked.claims.sub, deputyId);
    assert.deepEqual(checked.claims.video.canPublishSources, ['camera', 'screen_share']);
    console.log(`meet-livekit: the deputy's page received ${session.tokensReceived} fresh tokens; the current one expires ${session.tokenExpires - Math.floor(Date.now() / 1000)} s from now`);

    // Removed (the page ignoring it, as a modified client could): LiveKit
    // sends the deputy out, no fresh token reaches them in the lobby, and
    // the last token they held is refused once expired.
    await deputy.evaluate(() => window.testIgnored.add('removed'));
    const last = await engineToken();
    const removedAt = Date.now();
    await row.getByTestId('remove').click();
    await until(() => record().removed >= 1 && apiCalls('RemoveParticipant', endFrom).length > 0, 'RemoveParticipant');
    await waitForText(deputy, '[data-testid=meet-status]', 'Đang chờ người điều hành', 'the removed deputy in the lobby');
    await deputy.waitForTimeout((TOKEN_TTL_S / 2 + 3) * 1000);
    const received = await deputy.evaluate(() => window.testReceived);
    const afterRemoval = received.slice(received.lastIndexOf('removed'));
    assert.ok(afterRemoval.includes('hello'), 'back in the lobby');
    assert.equal(afterRemoval.includes('livekit_token'), false, `no fresh token after removal: ${afterRemoval.join(',')}`);
    const { exp } = verifyToken(last, { apiKey: API_KEY, apiSecret: API_SECRET }).claims;
    assert.ok(exp - removedAt / 1000 <= TOKEN_TTL_S + 1, 'it expires within a token life of the removal');
    // LiveKit allows some clock skew (the mock 10 s).
    const wait = (exp + 11) * 1000 - Date.now();
    if (wait > 0) await deputy.waitForTimeout(wait);
    const refusedBefore = mock.refused.length;
    assert.equal(await upgradeStatus(last), 401, 'the last token no longer joins');
    assert.deepEqual(mock.refused.slice(refusedBefore).map((r) => r.error), ['token expired']);
    console.log(`meet-livekit: a removed deputy's last token refused ${Math.round((Date.now() - removedAt) / 1000)} s after the removal`);

    await chair.getByTestId('end').click();
    await waitForText(chair, '[data-testid=meet-status]', 'Cuộc họp đã kết thúc', 'the end');
    for (const page of pages) {
      assertNoExternalRequests(page);
      assert.deepEqual(page.pageErrors, [], `page errors on ${page.url()}`);
    }
  } catch (err) {
    console.log(mockLog.slice(-40).join('\n'));
    for (const [i, page] of pages.entries()) {
      await saveHtml(page, `meet-livekit-floor-failure-${i}`).catch(() => {});
      await screenshot(page, `meet-livekit-floor-failure-${i}`).catch(() => {});
    }
    throw err;
  }
});
