// Họp trực tuyến: the meeting room's client. A plain module: it signals
// over the room's WebSocket, sends camera and microphone to the server's
// SFU on one RTCPeerConnection and shows everyone else's video in tiles.
// The server decides who is let in, who moderates, who only watches and
// whose microphone is open (the floor).
//
// After a network drop the WebSocket reconnects and the room lets the
// person back in; every admission builds a new RTCPeerConnection (no ICE
// restart: the SFU gives a lost peer up and says so, and a new connection
// with a fresh offer is as quick and simpler to get right).
//
// LiveKit mode (issue #8, for meetings too large for one server): the
// admission carries a LiveKit URL and access token instead, and media goes
// through that LiveKit server with its own client (livekit-client, loaded
// only then). Our WebSocket stays the truth for who is in the room, names,
// hands, the floor, moderation and chat; LiveKit identities are our account
// ids, which map its tracks to the same tiles. The token allows a
// microphone only to someone not silenced; when the floor is given our
// server has LiveKit allow it, and the page publishes it then. Tokens are
// short-lived: our server sends fresh ones (`livekit_token`) to those let
// in, for livekit-client's reconnects.

const root = document.getElementById('meet');
if (root) start(root);

function start(root) {
  const role = root.dataset.role; // dieu_hanh | tham_du | theo_doi
  const publishes = role !== 'theo_doi';
  const moderator = role === 'dieu_hanh';
  const sessionId = root.dataset.session;
  const csrf = root.dataset.csrf;
  const q = (sel) => root.querySelector(sel);
  const setup = q('[data-step=setup]');
  const statusEl = q('[data-step=status]');
  const room = q('[data-step=room]');
  const tilesEl = q('#meet-tiles');
  const peopleEl = q('#meet-people');
  const chatEl = q('#meet-chat');
  const camSelect = q('#meet-camera');
  const micSelect = q('#meet-mic');
  const preview = q('#meet-preview');
  const livekitMode = root.dataset.engine === 'livekit';

  let ws = null;
  let pc = null;
  let local = null; // camera + microphone
  let screen = null; // screen-share track while sharing
  let me = null;
  let leaving = false;
  let retries = 0;
  let mediaRestarts = 0; // new peer connections asked by the SFU in a row
  let speakerView = false;
  let activeSpeaker = null;
  let participants = [];
  const tiles = new Map(); // peer -> { el, video, caption }
  const streams = new Map(); // peer -> MediaStream
  const layers = new Map(); // peer -> layer asked for
  const media = { audio: true, video: true, screen: false, hand: false, silenced: false, speaking: false };
  let inbox = Promise.resolve();
  let lk = null; // LiveKit mode: { LK, room, mic, cam, screen, connectedMs }
  let lkQueue = Promise.resolve(); // admissions join LiveKit one at a time
  let lkToken = null; // the newest LiveKit token our server sent
  let lkTokens = 0; // how many fresh ones arrived (for the test)

  const say = (text) => {
    statusEl.textContent = text;
    statusEl.hidden = !text;
  };

  // Devices: a preview before entering, with a choice of camera and mic.
  const constraints = () => ({
    audio: micSelect?.value ? { deviceId: { exact: micSelect.value } } : true,
    video: camSelect?.value
      ? { deviceId: { exact: camSelect.value }, width: 640, height: 480 }
      : { width: 640, height: 480 },
  });
  async function openDevices() {
    if (!publishes) return;
    try {
      local?.getTracks().forEach((t) => t.stop());
      local = await navigator.mediaDevices.getUserMedia(constraints());
      preview.srcObject = local;
      const devices = await navigator.mediaDevices.enumerateDevices();
      fill(camSelect, devices.filter((d) => d.kind === 'videoinput'));
      fill(micSelect, devices.filter((d) => d.kind === 'audioinput'));
    } catch (e) {
      say(`Không mở được máy quay hoặc micrô: ${deviceProblem(e)}. Bạn vẫn có thể vào phòng để theo dõi.`);
      local = null;
    }
  }
  // The status in the page's heading line follows the room, so the chair
  // who opened it does not read "Đã lên lịch" while the meeting runs.
  // The attendance record ("Ghi nhận tham dự") below the room follows who
  // is let in: when that set changes, the section is fetched again (twice,
  // as an arrival is written down just after the room announces it).
  const presenceEl = document.getElementById('meet-presence');
  let presentKey = null;
  let presenceTimers = [];
  function presenceMayHaveChanged() {
    const key = participants
      .filter((p) => p.admitted)
      .map((p) => p.peer)
      .sort()
      .join(',');
    if (key === presentKey || !presenceEl?.dataset.presenceSrc) return;
    presentKey = key;
    presenceTimers.forEach(clearTimeout);
    presenceTimers = [300, 2000].map((ms) => setTimeout(refreshPresence, ms));
  }
  async function refreshPresence() {
    try {
      const reply = await fetch(presenceEl.dataset.presenceSrc, { credentials: 'same-origin', headers: { 'HX-Request': 'true' } });
      if (reply.ok && !reply.redirected) presenceEl.innerHTML = await reply.text();
    } catch {
      // Offline for a moment: the next change fetches it again.
    }
  }

  function showStatus(label) {
    const el = document.querySelector('[data-testid=meeting-status]');
    if (el) el.textContent = label;
  }

  // What went wrong with a device, in words (the browser gives a code).
  function deviceProblem(e) {
    switch (e?.name) {
      case 'NotAllowedError':
        return 'trình duyệt chưa được phép dùng thiết bị (bấm biểu tượng ổ khóa cạnh địa chỉ trang để cho phép)';
      case 'NotFoundError':
        return 'không tìm thấy thiết bị trên máy này';
      case 'NotReadableError':
        return 'thiết bị đang được ứng dụng khác dùng';
      case 'OverconstrainedError':
        return 'thiết bị đã chọn không còn, hãy chọn thiết bị khác';
      default:
        return `lỗi ${e?.name || 'không rõ'}`;
    }
  }
  function fill(select, devices) {
    if (!select) return;
    const chosen = select.value;
    select.replaceChildren(new Option('Mặc định', ''));
    devices.forEach((d, i) => select.add(new Option(d.label || `Thiết bị ${i + 1}`, d.deviceId)));
    select.value = chosen;
  }
  camSelect?.addEventListener('change', openDevices);
  micSelect?.addEventListener('change', openDevices);
  openDevices();

  // Signalling.
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    ws = new WebSocket(scheme + location.host + root.dataset.ws);
    ws.addEventListener('message', (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      // One message at a time: SDP must be applied in order.
      inbox = inbox.then(() => handle(m)).catch((err) => say(`Lỗi kết nối hình ảnh: ${err.message}`));
    });
    ws.addEventListener('close', () => {
      closePeer();
      if (leaving) return;
      retries += 1;
      say(`Mất kết nối, đang kết nối lại… (lần ${retries})`);
      setTimeout(connect, Math.min(1000 * retries, 5000));
    });
  }
  const send = (m) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
  window.addEventListener('online', () => {
    if (!leaving && ws?.readyState !== WebSocket.OPEN) ws?.close();
  });

  async function handle(m) {
    switch (m.type) {
      case 'hello':
        me = m.peer;
        say('Đang chờ người điều hành cho vào phòng…');
        break;
      case 'admitted':
        retries = 0;
        say('');
        room.hidden = false;
        // Someone is let in only once the meeting is open.
        showStatus('Đang họp');
        if (m.livekit) {
          // Not awaited: our room's messages keep flowing while LiveKit connects.
          lkQueue = lkQueue
            .then(() => joinLiveKit(m.livekit))
            .catch((err) => say(`Không kết nối được máy chủ hình ảnh LiveKit: ${err.message}`));
        } else {
          await startPeer();
        }
        break;
      case 'answer':
        await pc?.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        break;
      case 'offer': {
        if (!pc) break;
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        send({ type: 'answer', sdp: answer.sdp });
        break;
      }
      case 'participants':
        participants = m.list;
        render();
        presenceMayHaveChanged();
        break;
      case 'speaker':
        activeSpeaker = m.peer;
        render();
        break;
      case 'chat':
        addChat(m);
        break;
      case 'silenced':
        media.silenced = m.silenced;
        if (m.silenced) setAudio(false);
        else setAudio(media.audio);
        say(m.silenced ? 'Người điều hành đã tắt micrô của bạn.' : 'Người điều hành đã mở micrô cho bạn.');
        break;
      case 'floor': {
        const wasSpeaking = media.speaking;
        media.silenced = m.silenced;
        media.speaking = m.speaking;
        if (m.speaking) {
          // The floor opens the microphone and answers the raised hand.
          media.hand = false;
          toggleButton('hand', false, 'Hạ tay', 'Giơ tay');
          setAudio(true);
          say('Bạn được mời phát biểu: micrô đã mở.');
        } else {
          setAudio(media.audio);
          if (wasSpeaking) say(m.silenced ? 'Đã kết thúc phát biểu; micrô đã tắt.' : 'Đã kết thúc phát biểu.');
          else if (m.silenced) say('Micrô của bạn đang tắt; chủ tọa sẽ mở khi mời bạn phát biểu.');
        }
        break;
      }
      case 'media_failed':
        // The SFU gave this connection up (a lost network path): build a
        // new one on the same WebSocket, a few times at most.
        mediaRestarts += 1;
        if (mediaRestarts > 3) {
          say(`${m.message} Không kết nối lại được hình ảnh; hãy tải lại trang.`);
          break;
        }
        say(m.message);
        await startPeer();
        break;
      case 'livekit_token':
        lkTokens += 1;
        useLiveKitToken(m.token);
        break;
      case 'removed':
        finish('Người điều hành đã mời bạn ra khỏi phòng.');
        break;
      case 'ended':
        showStatus('Đã kết thúc');
        // Everyone's stay is closed at the end: the record says until when.
        if (presenceEl?.dataset.presenceSrc) setTimeout(refreshPresence, 300);
        finish('Cuộc họp đã kết thúc.');
        break;
      case 'cancelled':
        showStatus('Đã hủy');
        finish('Cuộc họp đã bị hủy.');
        break;
      case 'error':
        say(m.message);
        break;
    }
  }

  // Media: one peer connection to the SFU. Publishers send camera (two
  // simulcast layers) and microphone; everyone receives the others.
  async function startPeer() {
    closePeer();
    pc = new RTCPeerConnection();
    pc.createDataChannel('hop');
    if (publishes && local) {
      const [audio] = local.getAudioTracks();
      const [video] = local.getVideoTracks();
      if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [local] });
      if (video) {
        pc.addTransceiver(video, {
          direction: 'sendonly',
          streams: [local],
          sendEncodings: [
            { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 250000 },
            { rid: 'h', maxBitrate: 1200000 },
          ],
        });
      }
      audio && (audio.enabled = media.audio && !media.silenced);
      video && (video.enabled = media.video);
      streams.set(me, local);
    }
    pc.addEventListener('track', (e) => {
      const id = e.streams[0]?.id || '';
      const peer = Number(id.replace(/^p/, ''));
      if (!peer) return;
      const stream = streams.get(peer) || new MediaStream();
      stream.addTrack(e.track);
      streams.set(peer, stream);
      e.track.addEventListener('ended', () => stream.removeTrack(e.track));
      render();
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc?.connectionState === 'connected') mediaRestarts = 0;
      if (pc?.connectionState === 'failed') ws?.close();
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    send({ type: 'offer', sdp: offer.sdp });
    sendMedia();
  }
  function closePeer() {
    pc?.close();
    pc = null;
    for (const [peer] of streams) if (peer !== me) streams.delete(peer);
    streams.delete(me);
    layers.clear();
  }
  const sendMedia = () => send({ type: 'media', audio: media.audio, video: media.video, screen: media.screen });

  // The microphone sends only when the person wants it on and it is not
  // muted by the moderator or the room's rules; the button and the floor
  // mark show which.
  function setAudio(on) {
    media.audio = on;
    const open = on && !media.silenced;
    local?.getAudioTracks().forEach((t) => (t.enabled = open));
    syncLiveKitMute();
    const b = q('[data-action=mic]');
    if (b) {
      b.setAttribute('aria-pressed', String(open));
      b.dataset.state = media.silenced ? 'silenced' : on ? 'on' : 'off';
      b.textContent = media.silenced ? 'Micrô đang bị tắt' : on ? 'Tắt micrô' : 'Bật micrô';
    }
    const floor = q('[data-testid=floor]');
    if (floor) {
      floor.hidden = !media.speaking;
      floor.textContent = media.speaking ? 'Đang phát biểu' : '';
    }
    sendMedia();
  }
  function setVideo(on) {
    media.video = on;
    local?.getVideoTracks().forEach((t) => (t.enabled = on));
    syncLiveKitMute();
    toggleButton('camera', on, 'Tắt máy quay', 'Bật máy quay');
    sendMedia();
  }
  function toggleButton(action, pressed, onText, offText) {
    const b = q(`[data-action=${action}]`);
    if (!b) return;
    b.setAttribute('aria-pressed', String(pressed));
    b.textContent = pressed ? onText : offText;
  }
  const videoSender = () => pc?.getSenders().find((s) => s.track?.kind === 'video');
  async function shareScreen() {
    if (media.screen) return stopScreen();
    try {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
      screen = display.getVideoTracks()[0];
      if (lk) {
        // LiveKit: the screen is a track of its own beside the camera.
        if (!screen) return;
        lk.screen = await lk.room.localParticipant.publishTrack(screen, { source: lk.LK.Track.Source.ScreenShare });
      } else {
        const sender = videoSender();
        if (!sender || !screen) return;
        await sender.replaceTrack(screen);
      }
      screen.addEventListener('ended', stopScreen);
      media.screen = true;
      toggleButton('screen', true, 'Dừng chia sẻ', 'Chia sẻ màn hình');
      sendMedia();
    } catch (e) {
      say(`Không chia sẻ được màn hình: ${deviceProblem(e)}.`);
    }
  }
  async function stopScreen() {
    const shared = lk?.screen;
    if (shared) {
      lk.screen = null;
      await lk.room.localParticipant.unpublishTrack(shared.track).catch(() => {});
    }
    screen?.stop();
    screen = null;
    const camera = local?.getVideoTracks()[0] || null;
    await videoSender()?.replaceTrack(camera);
    media.screen = false;
    toggleButton('screen', false, 'Dừng chia sẻ', 'Chia sẻ màn hình');
    sendMedia();
  }

  // Raising a hand enters the linked session's speaking queue through the
  // session's own route (same rules as in the hall).
  async function hand() {
    media.hand = !media.hand;
    toggleButton('hand', media.hand, 'Hạ tay', 'Giơ tay');
    send({ type: 'hand', up: media.hand });
    if (!media.hand || !sessionId) return;
    const body = new URLSearchParams({ _csrf: csrf, kind: 'phat_bieu', topic: 'Phát biểu từ phòng họp trực tuyến' });
    const reply = await fetch(`/ky-hop/${sessionId}/phat-bieu`, { method: 'POST', body, redirect: 'manual' });
    if (reply.type === 'opaqueredirect' || reply.ok) {
      say('Đã đăng ký phát biểu trong kỳ họp; chủ tọa sẽ mời.');
    } else {
      say(`Chưa đăng ký phát biểu được: ${await reason(reply)}`);
    }
  }
  async function reason(reply) {
    const page = new DOMParser().parseFromString(await reply.text(), 'text/html');
    return page.querySelector('.alert, [role=alert], main p')?.textContent?.trim() || `lỗi ${reply.status}`;
  }

  // Tiles and the list of people.
  function render() {
    const here = participants.filter((p) => p.admitted);
    const shown = new Set();
    for (const p of here) {
      if (p.role === 'theo_doi') continue;
      shown.add(p.peer);
      let tile = tiles.get(p.peer);
      if (!tile) {
        const el = document.createElement('figure');
        el.className = 'tile';
        el.dataset.peer = String(p.peer);
        el.dataset.testid = 'tile';
        const video = document.createElement('video');
        video.autoplay = true;
        video.playsInline = true;
        if (p.peer === me) video.muted = true;
        const caption = document.createElement('figcaption');
        el.append(video, caption);
        tilesEl.append(el);
        tile = { el, video, caption };
        tiles.set(p.peer, tile);
      }
      const stream = streams.get(p.peer);
      if (stream && tile.video.srcObject !== stream) tile.video.srcObject = stream;
      if (lk && p.peer !== me) showLiveKit(p, tile);
      const marks = [
        p.speaking ? ' · đang phát biểu' : '',
        p.audio && !p.silenced ? '' : ' · micrô tắt',
        p.hand ? ' · ✋ giơ tay' : '',
        p.screen ? ' · chia sẻ màn hình' : '',
      ];
      tile.caption.textContent = `${p.name}${p.peer === me ? ' (bạn)' : ''}${marks.join('')}`;
      tile.el.classList.toggle('active', p.peer === activeSpeaker);
      tile.el.classList.toggle('no-video', !p.video && !p.screen);
    }
    for (const [peer, tile] of tiles) {
      if (!shown.has(peer)) {
        if (lk) hideLiveKit(tile);
        tile.el.remove();
        tiles.delete(peer);
        streams.delete(peer);
      }
    }
    tilesEl.classList.toggle('speaker-view', speakerView);
    // LiveKit picks layers itself (adaptive stream, dynacast).
    if (!livekitMode) chooseLayers(here);
    renderPeople();
  }

  // Full resolution for the speaker in speaker view and for small grids;
  // the reduced layer otherwise (saves the SFU's and everyone's bandwidth).
  function chooseLayers(here) {
    const senders = here.filter((p) => p.peer !== me && p.role !== 'theo_doi');
    for (const p of senders) {
      const layer = speakerView ? (p.peer === activeSpeaker ? 'high' : 'low') : senders.length > 4 ? 'low' : 'high';
      if (layers.get(p.peer) !== layer) {
        layers.set(p.peer, layer);
        send({ type: 'layer', peer: p.peer, layer });
      }
    }
  }

  function renderPeople() {
    const items = [];
    const lobby = participants.filter((p) => !p.admitted);
    for (const p of [...participants.filter((p) => p.admitted), ...lobby]) {
      const li = document.createElement('li');
      li.dataset.peer = String(p.peer);
      const label = document.createElement('span');
      const what = [
        p.admitted ? roleName(p.role) : 'đang chờ',
        p.speaking ? 'đang phát biểu' : '',
        p.hand ? '✋ giơ tay' : '',
        p.silenced ? 'bị tắt micrô' : '',
      ];
      label.textContent = `${p.name}${p.peer === me ? ' (bạn)' : ''} — ${what.filter(Boolean).join(', ')}`;
      li.append(label);
      if (moderator && p.peer !== me) {
        if (!p.admitted) li.append(button('Cho vào', 'admit', () => send({ type: 'admit', peer: p.peer })));
        else {
          // A session's floor is given from its own queue (the panel below).
          if (!sessionId && p.role !== 'theo_doi' && (p.hand || p.speaking)) {
            li.append(
              p.speaking
                ? button('Kết thúc phát biểu', 'floor-end', () => send({ type: 'floor', peer: p.peer, give: false }))
                : button('Mời phát biểu', 'floor-give', () => send({ type: 'floor', peer: p.peer, give: true })),
            );
          }
          li.append(button(p.silenced ? 'Mở micrô' : 'Tắt micrô', 'silence', () => send({ type: 'silence', peer: p.peer, silenced: !p.silenced })));
          li.append(
            button('Mời ra', 'remove', () => {
              if (window.confirm(`Mời ${p.name} ra khỏi phòng họp?`)) send({ type: 'remove', peer: p.peer });
            }),
          );
        }
      }
      items.push(li);
    }
    peopleEl.replaceChildren(...items);
  }
  const roleName = (r) => ({ dieu_hanh: 'điều hành', tham_du: 'tham dự', theo_doi: 'theo dõi' })[r] || r;
  function button(text, testid, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn-small';
    b.textContent = text;
    b.dataset.testid = testid;
    b.addEventListener('click', onClick);
    return b;
  }

  function addChat(m) {
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = m.name;
    const at = document.createElement('time');
    at.textContent = ` ${m.at} `;
    li.append(who, at, document.createTextNode(m.text));
    chatEl.append(li);
    chatEl.scrollTop = chatEl.scrollHeight;
  }

  function finish(text) {
    leaving = true;
    ws?.close();
    closePeer();
    lk?.room.disconnect();
    lk = null;
    local?.getTracks().forEach((t) => t.stop());
    screen?.stop();
    room.hidden = true;
    say(text);
  }

  // Controls.
  root.addEventListener('click', (e) => {
    const action = e.target.closest?.('[data-action]')?.dataset.action;
    switch (action) {
      case 'join':
        setup.hidden = true;
        preview && (preview.srcObject = null);
        connect();
        break;
      case 'mic':
        setAudio(!media.audio);
        break;
      case 'camera':
        setVideo(!media.video);
        break;
      case 'screen':
        shareScreen();
        break;
      case 'hand':
        hand();
        break;
      case 'view':
        speakerView = !speakerView;
        toggleButton('view', speakerView, 'Xem dạng lưới', 'Xem người đang nói');
        render();
        break;
      case 'end':
        if (window.confirm('Kết thúc cuộc họp cho mọi người?')) send({ type: 'end' });
        break;
      case 'leave':
        finish('Bạn đã rời phòng. Tải lại trang để vào lại.');
        break;
    }
  });
  q('#meet-chat-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = q('#meet-chat-text');
    const text = input.value.trim();
    if (text) send({ type: 'chat', text });
    input.value = '';
  });

  // The linked session's panel (check-in, votes, speaking) posts to the
  // session's routes without leaving the room; its live stream redraws it.
  document.getElementById('live')?.addEventListener('submit', async (e) => {
    const form = e.target;
    // htmx sends the ballot and shows its answer in place.
    if (!(form instanceof HTMLFormElement) || (window.htmx && form.hasAttribute('hx-post'))) return;
    e.preventDefault();
    const body = new URLSearchParams(new FormData(form, e.submitter));
    const reply = await fetch(form.action, { method: 'POST', body, redirect: 'manual' });
    if (reply.type !== 'opaqueredirect' && !reply.ok) say(await reason(reply));
  });

  // LiveKit mode. The client library is loaded on the first admission.
  let lkLibrary = null;
  function loadLiveKit() {
    if (window.LivekitClient) return Promise.resolve(window.LivekitClient);
    if (!root.dataset.livekitJs) return Promise.reject(new Error('trang thiếu thư viện LiveKit'));
    lkLibrary ||= new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = root.dataset.livekitJs;
      script.addEventListener('load', () => resolve(window.LivekitClient));
      script.addEventListener('error', () => {
        lkLibrary = null;
        reject(new Error('không tải được thư viện LiveKit'));
      });
      document.head.append(script);
    });
    return lkLibrary;
  }

  async function joinLiveKit(join) {
    const LK = await loadLiveKit();
    if (leaving) return;
    // One's own picture, as in the embedded mode (it may be a new peer id
    // after our WebSocket reconnected).
    if (publishes && local) streams.set(me, local);
    if (lk && lk.room.state !== LK.ConnectionState.Disconnected) {
      // Our WebSocket came back while LiveKit's session, which reconnects
      // on its own, went on: keep it, no second Room, but with the newer token.
      useLiveKitToken(join.token);
      render();
      return;
    }
    lkToken = join.token;
    const room = new LK.Room({ adaptiveStream: true, dynacast: true, stopLocalTrackOnUnpublish: false });
    const mine = { LK, room, mic: null, micPending: false, cam: null, screen: null, connectedMs: null };
    lk = mine;
    room
      .on(LK.RoomEvent.ParticipantPermissionsChanged, (_before, participant) => {
        // Given the floor: LiveKit now allows the microphone.
        if (participant === room.localParticipant) publishMic(mine);
      })
      .on(LK.RoomEvent.LocalTrackUnpublished, (publication) => {
        // LiveKit may take a track it no longer allows away.
        if (publication === mine.mic) mine.mic = null;
      })
      .on(LK.RoomEvent.TrackSubscribed, () => render())
      .on(LK.RoomEvent.TrackUnsubscribed, (track) => {
        track.detach();
        render();
      })
      .on(LK.RoomEvent.ActiveSpeakersChanged, (speakers) => {
        const loudest = speakers[0];
        const p = loudest && participants.find((x) => x.admitted && String(x.user) === loudest.identity);
        activeSpeaker = loudest?.identity === room.localParticipant.identity ? me : p ? p.peer : null;
        render();
      })
      .on(LK.RoomEvent.Disconnected, (reason) => {
        if (lk !== mine) return;
        lk = null;
        if (leaving) return;
        if (reason === LK.DisconnectReason.PARTICIPANT_REMOVED || reason === LK.DisconnectReason.ROOM_DELETED) {
          // The moderator sent this person out or the meeting ended: our
          // WebSocket says so; joining LiveKit again would be refused.
          render();
          return;
        }
        if (reason === LK.DisconnectReason.DUPLICATE_IDENTITY) {
          // The same account joined from another window: LiveKit keeps one
          // session per identity, so this one gives way (and does not take
          // it back, which would make the two windows take turns).
          say('Bạn đã vào phòng họp này ở cửa sổ hoặc thiết bị khác; cửa sổ này không còn nhận hình và tiếng.');
          render();
          return;
        }
        // LiveKit gave the session up: a new admission brings a new token.
        say('Mất kết nối hình ảnh, đang kết nối lại…');
        ws?.close();
      });
    const started = performance.now();
    try {
      await room.connect(join.url, join.token);
    } catch (err) {
      if (lk === mine) lk = null;
      throw err;
    }
    mine.connectedMs = Math.round(performance.now() - started);
    if (lk !== mine) return;
    // A fresher token may have come while connecting.
    if (lkToken !== join.token) useLiveKitToken(lkToken);
    if (publishes && local) {
      const [video] = local.getVideoTracks();
      await publishMic(mine);
      if (video) mine.cam = await room.localParticipant.publishTrack(video, { source: LK.Track.Source.Camera, simulcast: true });
      await syncLiveKitMute();
    }
    render();
  }

  // Hands a fresh token to livekit-client, which joins again with it when
  // its connection is resumed or restarted (where LiveKit's own
  // `refreshToken` message puts it).
  function useLiveKitToken(token) {
    if (!token) return;
    lkToken = token;
    const engine = lk?.room.engine;
    if (!engine) return;
    if (typeof engine.client?.onTokenRefresh === 'function') engine.client.onTokenRefresh(token);
    else engine.token = token;
  }

  // LiveKit's TrackSource.MICROPHONE in its protocol (the permission lists
  // sources by these numbers).
  const MICROPHONE_SOURCE = 2;
  function micAllowed(mine) {
    const allowed = mine.room.localParticipant.permissions;
    if (!allowed?.canPublish) return false;
    const sources = allowed.canPublishSources || [];
    return sources.length === 0 || sources.includes(MICROPHONE_SOURCE);
  }

  // Publishes the microphone once LiveKit allows it (at once, or when the
  // floor is given to someone who entered silenced).
  async function publishMic(mine) {
    if (!publishes || !local || mine.mic || mine.micPending || lk !== mine || !micAllowed(mine)) return;
    const [audio] = local.getAudioTracks();
    if (!audio) return;
    mine.micPending = true;
    try {
      mine.mic = await mine.room.localParticipant.publishTrack(audio, { source: mine.LK.Track.Source.Microphone });
      await syncLiveKitMute();
    } catch (err) {
      say(`Không mở được micrô trên máy chủ hình ảnh: ${err.message}`);
    } finally {
      mine.micPending = false;
    }
  }

  // The published microphone and camera follow the buttons, the floor and
  // the moderator, as the tracks' `enabled` does in the embedded mode;
  // LiveKit tells the others they are muted. The moderator's decisions do
  // not rest on this page: our server also has the LiveKit server mute a
  // silenced person's audio, remove a removed person and delete the room of
  // an ended meeting (livekit-client then mutes the track or disconnects).
  async function syncLiveKitMute() {
    const mic = lk?.mic?.track;
    const cam = lk?.cam?.track;
    const open = media.audio && !media.silenced;
    try {
      if (mic && mic.isMuted === open) await (open ? mic.unmute() : mic.mute());
      if (cam && cam.isMuted === media.video) await (media.video ? cam.unmute() : cam.mute());
    } catch (err) {
      say(`Không đổi được trạng thái micrô hoặc máy quay: ${err.message}`);
    }
  }

  // A remote participant's LiveKit tracks in their tile: the shared screen
  // in place of the camera while there is one, and the microphone.
  function showLiveKit(p, tile) {
    const other = lk.room.remoteParticipants.get(String(p.user));
    const S = lk.LK.Track.Source;
    const track = (source) => other?.getTrackPublication(source)?.track;
    const camera = track(S.Camera);
    const shared = track(S.ScreenShare);
    if (shared && camera?.attachedElements.includes(tile.video)) camera.detach(tile.video);
    const playing = tile.video.srcObject?.getTracks?.() || [];
    for (const t of [shared || camera, track(S.Microphone)]) {
      if (t && !playing.includes(t.mediaStreamTrack)) t.attach(tile.video);
    }
  }
  function hideLiveKit(tile) {
    for (const other of lk.room.remoteParticipants.values()) {
      for (const publication of other.trackPublications.values()) publication.track?.detach(tile.video);
    }
  }

  // Every LiveKit track's RTCStatsReport in one map (what pc.getStats() is
  // in the embedded mode).
  async function liveKitStats() {
    const publications = [...lk.room.localParticipant.trackPublications.values()];
    for (const other of lk.room.remoteParticipants.values()) publications.push(...other.trackPublications.values());
    const merged = new Map();
    for (const publication of publications) {
      const report = await publication.track?.getRTCStatsReport();
      report?.forEach((s, id) => merged.set(id, s));
    }
    return merged;
  }

  // When a token expires (its `exp`, Unix seconds), read without checking:
  // LiveKit checks it. The token itself is not shown.
  function tokenExpiry(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(payload)).exp ?? null;
    } catch {
      return null;
    }
  }

  // For the browser test and for support: the connection's statistics and,
  // in LiveKit mode, the LiveKit session.
  window.nghitruongMeet = {
    stats: () => (lk ? liveKitStats() : pc?.getStats()),
    peer: () => me,
    // The LiveKit Room itself (not serialisable: for page scripts).
    livekitRoom: () => lk?.room ?? null,
    livekit: () =>
      lk && {
        state: lk.room.state,
        identity: lk.room.localParticipant.identity,
        connectedMs: lk.connectedMs,
        tokensReceived: lkTokens,
        tokenExpires: tokenExpiry(lk.room.engine?.token),
        published: [...lk.room.localParticipant.trackPublications.values()].map((t) => ({
          source: t.source,
          kind: t.kind,
          muted: t.isMuted,
        })),
      },
  };
}
