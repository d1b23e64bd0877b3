// A stand-in LiveKit server for the browser test of LiveKit mode (issue #8).
//
// No LiveKit server binary can be had on the test machines, so this mock
// speaks just enough of LiveKit's signalling for livekit-client 2.23.0 to
// join a room and publish: the `/rtc/v1` WebSocket (protobuf messages from
// @livekit/protocol 1.52.1), `/rtc/v1/validate` (and `/rtc/validate`) for the
// client's error probe, and one WebRTC peer connection per participant,
// answered by werift (pure-JS WebRTC) so that the browser's connection
// really connects and its RTP really arrives.
//
// What it does:
// - verifies each access token: HS256 signed with the configured secret,
//   issuer = the API key, not before / not after, `video.roomJoin` and a
//   room; anything else is refused with HTTP 401 (upgrade and validate);
// - answers the join with a JoinResponse (subscriberPrimary false: the
//   client's single publisher connection is the primary one), answers the
//   publisher's offers (the first comes inside the join request), takes the
//   browser's ICE candidates (loopback ones only) and answers pings;
// - gives each participant the permission its token grants, with
//   `canPublishSources` (and refuses, as LiveKit does, an AddTrackRequest
//   for a source it does not allow: no answer, the refusal recorded in
//   `refusedTracks`); answers the others with TrackPublishedResponse;
// - as LiveKit does, lets one session per identity and room live: a newer
//   join sends the older one away (LeaveRequest, DUPLICATE_IDENTITY);
// - records, per identity: the verified claims, the tracks published (kind,
//   source, mute changes) and how many RTP packets arrived for each;
// - serves the four RoomService calls our server makes to enforce the
//   moderator's decisions (Twirp: JSON POSTed to
//   `/twirp/livekit.RoomService/<Method>`), each checked against its bearer
//   token (HS256 with the same secret, `video.roomAdmin` for the room named
//   in the body, and `video.roomCreate` too for DeleteRoom; 401 otherwise):
//   ListParticipants lists the room's sessions and their tracks;
//   MutePublishedTrack sends the publisher a `mute` message as LiveKit does
//   (livekit-client then mutes the track and reports it back);
//   RemoveParticipant sends that identity a `leave` (PARTICIPANT_REMOVED)
//   and closes its connection; UpdateParticipant replaces the participant's
//   permission and sends it a participant update, as LiveKit does, so that
//   livekit-client emits ParticipantPermissionsChanged (each permission is
//   recorded in the record's `permissions`); DeleteRoom does so to everyone
//   in the room (ROOM_DELETED). Every call, answered or refused, is recorded
//   in `api`.
//
// What it does NOT do: forward media between participants, send other
// participants' updates, speaker lists, subscriber offers or refreshed
// tokens of its own, or take away tracks published before a permission was
// narrowed (the participant update it sends lists no tracks). Moving media
// between people is LiveKit's job; the product only hands the browser a
// token and the URL, and this mock checks the browser's side of that.
//
// Only 127.0.0.1 is used: the HTTP/WebSocket server listens there, werift
// binds its ICE sockets there, has no STUN/TURN servers, advertises only a
// 127.0.0.1 host candidate and pairs only with the browser's 127.0.0.1
// candidates (Chromium needs --allow-loopback-in-peer-connection to offer one).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  DisconnectReason,
  MuteTrackRequest,
  JoinRequest,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  ParticipantInfo,
  ParticipantInfo_State,
  ParticipantPermission,
  ParticipantUpdate,
  Pong,
  Room,
  ServerInfo,
  ServerInfo_Edition,
  SessionDescription,
  SignalRequest,
  SignalResponse,
  TrackInfo,
  TrackPublishedResponse,
  TrackSource,
  TrackType,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
} from '@livekit/protocol';
import {
  RTCPeerConnection,
  useAudioLevelIndication,
  useOPUS,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useVP8,
} from 'werift';
import { WebSocketServer } from 'ws';

const HOST = '127.0.0.1';
const TWIRP_PREFIX = '/twirp/livekit.RoomService/';
const MAX_API_BODY = 64 * 1024;
const SERVER_VERSION = '1.9.0';
const CLOCK_SKEW_S = 10;

const base64url = (buf) => Buffer.from(buf).toString('base64url');
const id = (prefix) => `${prefix}_${randomBytes(6).toString('hex')}`;

/**
 * Checks a LiveKit access token. Returns `{ claims }` or `{ error }`.
 * @param {string} token
 * @param {{ apiKey: string, apiSecret: string, now?: number }} keys
 */
export function verifyToken(token, { apiKey, apiSecret, now = Date.now() / 1000 }) {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3) return { error: 'not a JWT' };
  const [h, p, s] = parts;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { error: 'undecodable JWT' };
  }
  if (header.alg !== 'HS256') return { error: `unexpected alg ${header.alg}` };
  const expected = createHmac('sha256', apiSecret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { error: 'invalid token signature' };
  }
  if (claims.iss !== apiKey) return { error: `unknown API key ${claims.iss}` };
  if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_S) return { error: 'token expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_S) return { error: 'token not valid yet' };
  if (!claims.sub) return { error: 'token has no identity' };
  if (claims.video?.roomJoin !== true) return { error: 'token does not grant roomJoin' };
  if (!claims.video?.room) return { error: 'token names no room' };
  return { claims };
}

/**
 * Checks the bearer token of a RoomService call about `room`. Returns
 * `{ claims }` or `{ error }`. LiveKit asks `roomAdmin` for the room's
 * participants and tracks, and `roomCreate` for deleting it.
 * @param {string} token
 * @param {string} room
 * @param {{ apiKey: string, apiSecret: string, create?: boolean, now?: number }} options
 */
export function verifyAdminToken(token, room, { apiKey, apiSecret, create = false, now = Date.now() / 1000 }) {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3) return { error: 'not a JWT' };
  const [h, p, s] = parts;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { error: 'undecodable JWT' };
  }
  if (header.alg !== 'HS256') return { error: `unexpected alg ${header.alg}` };
  const expected = createHmac('sha256', apiSecret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { error: 'invalid token signature' };
  }
  if (claims.iss !== apiKey) return { error: `unknown API key ${claims.iss}` };
  if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_S) return { error: 'token expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_S) return { error: 'token not valid yet' };
  if (claims.video?.roomAdmin !== true) return { error: 'token does not grant roomAdmin' };
  if (!room || claims.video?.room !== room) return { error: 'token is not for this room' };
  if (create && claims.video?.roomCreate !== true) return { error: 'token does not grant roomCreate' };
  return { claims };
}

/** The address in an ICE candidate line (`candidate:… udp prio ADDRESS port typ …`). */
function candidateAddress(line) {
  const fields = String(line ?? '').replace(/^a=/, '').split(/\s+/);
  return fields.length > 5 ? fields[4] : '';
}

/** Keeps only 127.0.0.1 candidates in an SDP (the mock's own answer). */
function loopbackOnly(sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || candidateAddress(line) === HOST)
    .join('\r\n');
}

/** mid -> MediaStreamTrack id, from the `a=msid` lines of an offer. */
function midsToTrackIds(sdp) {
  const map = new Map();
  let mid = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) mid = null;
    else if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
    else if (line.startsWith('a=msid:') && mid !== null) {
      const [, trackId] = line.slice(7).trim().split(/\s+/);
      if (trackId && trackId !== '-') map.set(mid, trackId);
    }
  }
  return map;
}

const KIND = { [TrackType.AUDIO]: 'audio', [TrackType.VIDEO]: 'video', [TrackType.DATA]: 'data' };
/** Track sources by the names tokens and RoomService's JSON give them. */
const SOURCE_BY_NAME = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

/** A source from a token (`microphone`), Twirp JSON (`MICROPHONE`) or a number. */
function sourceOf(value) {
  if (typeof value === 'number') return value;
  return SOURCE_BY_NAME[String(value).toLowerCase()] ?? TrackSource.UNKNOWN;
}

/** The permission a token's video grant gives, as LiveKit reads it. */
function grantedPermission(video) {
  return new ParticipantPermission({
    canPublish: !!video.canPublish,
    canSubscribe: !!video.canSubscribe,
    canPublishData: !!video.canPublishData,
    canPublishSources: (video.canPublishSources ?? []).map(sourceOf),
  });
}

/** The permission in an UpdateParticipant body (snake_case or camelCase). */
function bodyPermission(p) {
  const pick = (snake, camel) => p[snake] ?? p[camel];
  return new ParticipantPermission({
    canPublish: !!pick('can_publish', 'canPublish'),
    canSubscribe: !!pick('can_subscribe', 'canSubscribe'),
    canPublishData: !!pick('can_publish_data', 'canPublishData'),
    canPublishSources: (pick('can_publish_sources', 'canPublishSources') ?? []).map(sourceOf),
  });
}

/** A permission's sources by name, for records and tests. */
const sourceNames = (permission) => permission.canPublishSources.map((n) => SOURCE[n] ?? String(n));

/** Whether `permission` lets a track of `source` be published. */
function mayPublish(permission, source) {
  if (!permission.canPublish) return false;
  return permission.canPublishSources.length === 0 || permission.canPublishSources.includes(source);
}

const SOURCE = {
  [TrackSource.UNKNOWN]: 'unknown',
  [TrackSource.CAMERA]: 'camera',
  [TrackSource.MICROPHONE]: 'microphone',
  [TrackSource.SCREEN_SHARE]: 'screen_share',
  [TrackSource.SCREEN_SHARE_AUDIO]: 'screen_share_audio',
};

/**
 * Starts the mock on 127.0.0.1 and a free port.
 * @param {{ apiKey: string, apiSecret: string, log?: (line: string) => void }} options
 */
export async function startLiveKitMock({ apiKey, apiSecret, log = () => {} }) {
  /** identity -> what the mock saw of that participant (see `record`). */
  const participants = new Map();
  /** Every refused token: { path, error }. */
  const refused = [];
  const sessions = new Set();
  /** Every RoomService call: { method, body, claims, status, error, at }. */
  const api = [];
  /** Every AddTrackRequest refused for want of permission: { identity, source, kind, at }. */
  const refusedTracks = [];

  const inRoom = (room) => [...sessions].filter((s) => s.claims.video.room === room && !s.closed);

  /** Answers one RoomService call: [HTTP status, JSON answer]. */
  const roomService = (method, body) => {
    const room = body.room;
    switch (method) {
      case 'ListParticipants':
        return [200, { participants: inRoom(room).map((s) => s.info()) }];
      case 'MutePublishedTrack': {
        const session = inRoom(room).find((s) => s.claims.sub === body.identity);
        const sid = body.track_sid ?? body.trackSid;
        const track = session?.tracks.find((t) => t.sid === sid);
        if (!track) return [404, { code: 'not_found', msg: 'track not found' }];
        if (!body.muted) {
          // As LiveKit is configured by default: no remote unmuting.
          return [401, { code: 'unauthenticated', msg: 'remote unmute not enabled' }];
        }
        session.serverMute(track);
        return [200, { track: session.trackInfo(track) }];
      }
      case 'RemoveParticipant': {
        const gone = inRoom(room).filter((s) => s.claims.sub === body.identity);
        if (gone.length === 0) return [404, { code: 'not_found', msg: 'participant not found' }];
        for (const s of gone) s.sendAway(DisconnectReason.PARTICIPANT_REMOVED);
        return [200, {}];
      }
      case 'UpdateParticipant': {
        const sessions = inRoom(room).filter((s) => s.claims.sub === body.identity);
        if (sessions.length === 0) return [404, { code: 'not_found', msg: 'participant not found' }];
        if (body.permission) for (const s of sessions) s.setPermission(bodyPermission(body.permission));
        return [200, sessions[0].info()];
      }
      case 'DeleteRoom':
        for (const s of inRoom(room)) s.sendAway(DisconnectReason.ROOM_DELETED);
        return [200, {}];
      default:
        return [404, { code: 'bad_route', msg: `no method ${method}` }];
    }
  };

  const twirp = (req, res, method) => {
    const answer = (status, json) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_API_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const call = { method, body: null, claims: null, status: 0, error: null, at: Date.now() };
      api.push(call);
      const fail = (status, code, msg) => {
        call.status = status;
        call.error = msg;
        answer(status, { code, msg });
      };
      if (size > MAX_API_BODY) return fail(400, 'malformed', 'body too large');
      try {
        call.body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return fail(400, 'malformed', 'body is not JSON');
      }
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ')) return fail(401, 'unauthenticated', 'no bearer token');
      const checked = verifyAdminToken(auth.slice(7), call.body.room, {
        apiKey,
        apiSecret,
        create: method === 'DeleteRoom',
      });
      if (checked.error) return fail(401, 'unauthenticated', checked.error);
      call.claims = checked.claims;
      const [status, json] = roomService(method, call.body);
      call.status = status;
      if (status !== 200) call.error = json.msg;
      log(`[livekit-mock] RoomService ${method} ${JSON.stringify(call.body)}: ${status}`);
      answer(status, json);
    });
  };

  const record = (claims) => {
    const identity = claims.sub;
    let r = participants.get(identity);
    if (!r) {
      r = { identity, claims, joins: 0, replaced: 0, removed: 0, roomDeleted: 0, connected: false, connectedAt: null, left: false, tracks: [], requests: {}, permissions: [] };
      participants.set(identity, r);
    }
    r.claims = claims;
    r.joins += 1;
    return r;
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url, `http://${HOST}`);
    // The client asks here why an upgrade failed; CORS lets the page read it.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (url.pathname.startsWith(TWIRP_PREFIX)) {
      if (req.method !== 'POST') return res.writeHead(405, { 'Content-Type': 'text/plain' }).end('POST only');
      // Our server calls these, never a page: no CORS for them.
      res.removeHeader('Access-Control-Allow-Origin');
      return twirp(req, res, url.pathname.slice(TWIRP_PREFIX.length));
    }
    if (req.method === 'GET' && (url.pathname === '/rtc/v1/validate' || url.pathname === '/rtc/validate')) {
      const checked = verifyToken(url.searchParams.get('access_token'), { apiKey, apiSecret });
      if (checked.error) {
        refused.push({ path: url.pathname, error: checked.error });
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end(checked.error);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('success');
      }
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });

  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, `http://${HOST}`);
    const refuse = (status, text) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    if (url.pathname !== '/rtc/v1') {
      // The v0 path (two peer connections) is not implemented by the mock.
      return refuse('404 Not Found', 'only /rtc/v1 is served by this mock');
    }
    const checked = verifyToken(url.searchParams.get('access_token'), { apiKey, apiSecret });
    if (checked.error) {
      refused.push({ path: url.pathname, error: checked.error });
      return refuse('401 Unauthorized', checked.error);
    }
    let join;
    try {
      join = joinRequest(url.searchParams.get('join_request'));
    } catch (e) {
      return refuse('400 Bad Request', `bad join_request: ${e.message}`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const { claims } = checked;
      for (const older of sessions) {
        if (older.claims.sub === claims.sub && older.claims.video.room === claims.video.room) older.sendAway();
      }
      const session = new Session(ws, claims, join, record(claims), log, refusedTracks);
      sessions.add(session);
      ws.on('close', () => {
        sessions.delete(session);
        session.close();
      });
      session.start().catch((e) => {
        log(`[livekit-mock] ${checked.claims.sub}: ${e.stack ?? e}`);
        ws.close(1011, 'mock error');
      });
    });
  });

  await new Promise((ok, fail) => {
    http.once('error', fail);
    http.listen(0, HOST, ok);
  });
  const { port } = http.address();

  return {
    url: `ws://${HOST}:${port}`,
    port,
    participants,
    refused,
    api,
    refusedTracks,
    /** Signs a token as the product would, for negative controls. */
    sign: (claims, secret = apiSecret) => sign(claims, secret),
    async stop() {
      for (const s of sessions) s.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise((ok) => http.close(ok));
      http.closeAllConnections?.();
    },
  };
}

/** An HS256 JWT over `claims`. */
function sign(claims, secret) {
  const h = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = base64url(JSON.stringify(claims));
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

/** The JoinRequest packed into `join_request` (base64 WrappedJoinRequest, maybe gzip). */
function joinRequest(param) {
  if (!param) throw new Error('missing join_request (v1 signal path)');
  const wrapped = WrappedJoinRequest.fromBinary(Buffer.from(param, 'base64'));
  const bytes =
    wrapped.compression === WrappedJoinRequest_Compression.GZIP ? gunzipSync(wrapped.joinRequest) : wrapped.joinRequest;
  return JoinRequest.fromBinary(bytes);
}

/** One participant's signalling WebSocket and peer connection. */
class Session {
  constructor(ws, claims, join, record, log, refusedTracks) {
    this.ws = ws;
    this.claims = claims;
    this.refusedTracks = refusedTracks;
    /** What this participant may do now: the token's grant, then UpdateParticipant's. */
    this.permission = grantedPermission(claims.video);
    this.version = 0;
    record.permissions.push({ sources: sourceNames(this.permission), canPublish: this.permission.canPublish, by: 'token', at: Date.now() });
    this.join = join;
    this.record = record;
    this.log = (line) => log(`[livekit-mock] ${claims.sub}: ${line}`);
    this.participantSid = id('PA');
    this.midToTrackId = new Map();
    /** The tracks published in this session (the same objects as in the record). */
    this.tracks = [];
    this.closed = false;
    // Signalling is handled one message at a time, as SDP must be.
    this.queue = Promise.resolve();
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [HOST],
      iceInterfaceAddresses: { udp4: HOST },
      iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === HOST,
      bundlePolicy: 'max-bundle',
      codecs: {
        audio: [useOPUS()],
        video: [useVP8()],
      },
      headerExtensions: {
        audio: [useSdesMid(), useAudioLevelIndication()],
        video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId()],
      },
    });
    this.pc.connectionStateChange.subscribe((state) => {
      this.log(`peer connection ${state}`);
      if (state === 'connected' && !this.record.connected) {
        this.record.connected = true;
        this.record.connectedAt = Date.now();
      }
    });
    this.pc.onTrack.subscribe((track) => this.countRtp(track));
  }

  send(message) {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(new SignalResponse({ message }).toBinary());
  }

  async start() {
    const { claims } = this;
    const video = claims.video;
    const participant = new ParticipantInfo({
      sid: this.participantSid,
      identity: claims.sub,
      name: claims.name ?? '',
      state: ParticipantInfo_State.JOINED,
      joinedAt: BigInt(Math.floor(Date.now() / 1000)),
      permission: this.permission,
    });
    this.send({
      case: 'join',
      value: new JoinResponse({
        room: new Room({ sid: id('RM'), name: video.room, creationTime: BigInt(Math.floor(Date.now() / 1000)) }),
        participant,
        otherParticipants: [],
        serverVersion: SERVER_VERSION,
        serverInfo: new ServerInfo({ edition: ServerInfo_Edition.Standard, version: SERVER_VERSION, protocol: 16, nodeId: 'mock' }),
        iceServers: [],
        subscriberPrimary: false,
        pingTimeout: 15,
        pingInterval: 5,
      }),
    });
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      let request;
      try {
        request = SignalRequest.fromBinary(new Uint8Array(data));
      } catch (e) {
        this.log(`undecodable request: ${e.message}`);
        return;
      }
      this.queue = this.queue.then(() => this.handle(request)).catch((e) => this.log(`error: ${e.stack ?? e}`));
    });
    // The first publisher offer comes with the join (offer-with-join).
    if (this.join.publisherOffer?.sdp) {
      this.queue = this.queue.then(() => this.answer(this.join.publisherOffer));
      await this.queue;
    }
  }

  /**
   * Sends this session away with a `leave` and closes it: another session
   * took its identity over (the default), or a RoomService call removed the
   * participant or deleted the room. The record counts each reason.
   */
  sendAway(reason = DisconnectReason.DUPLICATE_IDENTITY) {
    if (reason === DisconnectReason.DUPLICATE_IDENTITY) this.record.replaced += 1;
    else if (reason === DisconnectReason.PARTICIPANT_REMOVED) this.record.removed += 1;
    else if (reason === DisconnectReason.ROOM_DELETED) this.record.roomDeleted += 1;
    this.send({
      case: 'leave',
      value: new LeaveRequest({
        canReconnect: false,
        reason,
        action: LeaveRequest_Action.DISCONNECT,
      }),
    });
    this.ws.close(1000, DisconnectReason[reason] ?? 'sent away');
    this.close();
  }

  /**
   * A RoomService permission change: recorded, and the participant is sent
   * its own update (a newer version) as LiveKit sends it.
   */
  setPermission(permission) {
    this.permission = permission;
    this.version += 1;
    this.record.permissions.push({ sources: sourceNames(permission), canPublish: permission.canPublish, by: 'api', at: Date.now() });
    this.send({
      case: 'update',
      value: new ParticipantUpdate({
        participants: [
          new ParticipantInfo({
            sid: this.participantSid,
            identity: this.claims.sub,
            name: this.claims.name ?? '',
            state: ParticipantInfo_State.ACTIVE,
            permission,
            version: this.version,
          }),
        ],
      }),
    });
  }

  /** A RoomService mute: the publisher is told, as LiveKit tells it. */
  serverMute(track) {
    track.muted = true;
    track.mutes.push({ muted: true, at: Date.now(), by: 'server' });
    this.send({ case: 'mute', value: new MuteTrackRequest({ sid: track.sid, muted: true }) });
  }

  /** A track as LiveKit's Twirp JSON writes it (snake_case, enum names). */
  trackInfo(track) {
    return {
      sid: track.sid,
      type: track.kind.toUpperCase(),
      source: track.source.toUpperCase(),
      name: track.name,
      muted: track.muted,
    };
  }

  /** This participant as ListParticipants lists it. */
  info() {
    return {
      sid: this.participantSid,
      identity: this.claims.sub,
      name: this.claims.name ?? '',
      state: 'ACTIVE',
      permission: {
        can_publish: this.permission.canPublish,
        can_subscribe: this.permission.canSubscribe,
        can_publish_data: this.permission.canPublishData,
        can_publish_sources: sourceNames(this.permission).map((n) => n.toUpperCase()),
      },
      tracks: this.tracks.map((t) => this.trackInfo(t)),
    };
  }

  async answer(offer) {
    for (const [mid, trackId] of midsToTrackIds(offer.sdp)) this.midToTrackId.set(mid, trackId);
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    const sdp = loopbackOnly(this.pc.localDescription.sdp);
    this.send({ case: 'answer', value: new SessionDescription({ type: 'answer', sdp, id: offer.id }) });
  }

  async handle(request) {
    const { case: kind, value } = request.message;
    this.record.requests[kind] = (this.record.requests[kind] ?? 0) + 1;
    switch (kind) {
      case 'offer':
        await this.answer(value);
        break;
      case 'trickle': {
        const init = JSON.parse(value.candidateInit || '{}');
        // Only loopback candidates: the mock sends nothing anywhere else.
        if (init.candidate && candidateAddress(init.candidate) === HOST) await this.pc.addIceCandidate(init);
        break;
      }
      case 'addTrack': {
        if (!mayPublish(this.permission, value.source)) {
          // As LiveKit: logged, not answered (the client's publish times out).
          this.refusedTracks.push({
            identity: this.claims.sub,
            source: SOURCE[value.source] ?? String(value.source),
            kind: KIND[value.type] ?? String(value.type),
            at: Date.now(),
          });
          this.log(`refused a ${SOURCE[value.source]} track: not permitted`);
          break;
        }
        const track = {
          cid: value.cid,
          sid: id('TR'),
          kind: KIND[value.type] ?? String(value.type),
          source: SOURCE[value.source] ?? String(value.source),
          name: value.name,
          muted: value.muted,
          mutes: [],
          rtpPackets: 0,
          rids: [],
        };
        this.record.tracks.push(track);
        this.tracks.push(track);
        this.send({
          case: 'trackPublished',
          value: new TrackPublishedResponse({
            cid: value.cid,
            track: new TrackInfo({
              sid: track.sid,
              type: value.type,
              source: value.source,
              name: value.name,
              muted: value.muted,
              width: value.width,
              height: value.height,
              simulcast: value.layers.length > 1,
              layers: value.layers,
              stream: value.stream,
            }),
          }),
        });
        break;
      }
      case 'mute': {
        const track = this.record.tracks.find((t) => t.sid === value.sid);
        if (track) {
          track.muted = value.muted;
          track.mutes.push({ muted: value.muted, at: Date.now(), by: 'publisher' });
        }
        break;
      }
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        break;
      case 'pingReq':
        this.send({
          case: 'pongResp',
          value: new Pong({ lastPingTimestamp: value.timestamp, timestamp: BigInt(Date.now()) }),
        });
        break;
      case 'leave':
        this.record.left = true;
        this.ws.close(1000, 'left');
        break;
      default:
        // Subscriptions, layer and track settings: nothing to forward here.
        break;
    }
  }

  /** Counts a remote track's RTP against the published track it belongs to. */
  countRtp(track) {
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    const mid = transceiver?.mid;
    const rid = track.rid ?? '';
    let counted = null;
    track.onReceiveRtp.subscribe(() => {
      counted ??= this.publishedAt(mid);
      if (!counted) return;
      counted.rtpPackets += 1;
      if (rid && !counted.rids.includes(rid)) counted.rids.push(rid);
    });
  }

  publishedAt(mid) {
    const trackId = this.midToTrackId.get(mid);
    return trackId ? this.record.tracks.find((t) => t.cid === trackId) ?? null : null;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close().catch(() => {});
  }
}
