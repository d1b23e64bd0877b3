// Small progressive enhancements; every page works without them.
document.documentElement.classList.add('js');

// Forms marked data-confirm (ending, cancelling, closing for everyone) ask
// first; without JavaScript they go straight through, as any form.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Selects marked data-autosubmit submit their form on change (the council
// switcher); the plain submit button is hidden once this runs.
document.addEventListener('change', (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute('data-autosubmit')) {
    target.form?.requestSubmit();
  }
});

// Show htmx error fragments (4xx/5xx) where the page keeps its notices;
// for a form sent by htmx (the main forms carry hx-boost, the ballot
// hx-post), inside the form
// itself, next to its submit button, so that everything typed stays and the
// message is read out where the person is. The server marks its error
// fragments with HX-Retarget; a whole page sent back (a form the server
// shows again itself) replaces the page as a plain post would.
document.addEventListener('htmx:beforeSwap', (event) => {
  const { xhr } = event.detail;
  if (xhr.status < 400) return;
  event.detail.shouldSwap = true;
  event.detail.isError = false;
  const form = event.detail.requestConfig?.elt?.closest?.('form[hx-boost], form[hx-post]');
  if (!form || !xhr.getResponseHeader('HX-Retarget')) return;
  event.detail.target = formErrorRegion(form);
  event.detail.swapOverride = 'innerHTML';
});

// The form's error region: <div data-form-error> if the template has one,
// else made just before the form's submit button.
function formErrorRegion(form) {
  let region = form.querySelector('[data-form-error]');
  if (!region) {
    region = document.createElement('div');
    region.setAttribute('data-form-error', '');
    region.className = 'form-error';
    const submit = form.querySelector('button[type=submit], button:not([type])');
    const anchor = submit?.closest('.actions') ?? submit;
    if (anchor && anchor.parentElement === form) form.insertBefore(region, anchor);
    else if (anchor) anchor.before(region);
    else form.append(region);
  }
  return region;
}

document.addEventListener('htmx:afterSwap', (event) => {
  const region = event.detail.target;
  if (region instanceof HTMLElement && region.matches('[data-form-error]')) {
    region.scrollIntoView({ block: 'nearest' });
  }
});

// Sending a form again clears its previous message.
document.addEventListener('htmx:beforeRequest', (event) => {
  const form = event.detail.elt;
  if (form instanceof HTMLFormElement) {
    const region = form.querySelector('[data-form-error]');
    if (region) region.textContent = '';
  }
});

// Uploads: a form marked data-upload-progress shows how much of the file
// has been sent in its <progress> element while htmx uploads it.
document.addEventListener('htmx:xhr:progress', (event) => {
  const form = event.target.closest?.('form[data-upload-progress]');
  const bar = form?.querySelector('progress');
  if (!bar || !event.detail.lengthComputable) return;
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});

// Live regions: a [data-live-src] element reloads its fragment whenever the
// session's event stream says something changed. EventSource reconnects by
// itself after a dropped connection; the first event on (re)connect reloads.
// While someone is typing or choosing inside the region, a refresh updates
// only its slots (the vote) and the rest waits until they leave the field,
// so nothing they entered is lost; sections they opened stay open.
const REFETCH_SPREAD_MS = 500;
for (const region of document.querySelectorAll('[data-live-src][data-live-events]')) {
  const source = new EventSource(region.dataset.liveEvents);
  let running = false;
  let again = false;
  // Bumped whenever an event itself brings the fragment: a fetch begun
  // before it is older and is dropped.
  let generation = 0;
  const busy = () => {
    const el = document.activeElement;
    return el && region.contains(el) && el.matches('input, select, textarea');
  };
  const show = (html) => {
    const open = [...region.querySelectorAll('details[open][id]')].map((d) => d.id);
    region.innerHTML = html;
    // Forms in the fragment that htmx sends (the ballot) work as loaded.
    window.htmx?.process(region);
    for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    region.dispatchEvent(new CustomEvent('live:updated', { bubbles: true }));
  };
  // While someone types, only the slots (the vote: buttons, no fields)
  // follow at once; the rest waits until they leave the field.
  const showSlots = (html) => {
    const fresh = document.createElement('template');
    fresh.innerHTML = html;
    for (const slot of region.querySelectorAll('[data-live-slot]')) {
      const next = fresh.content.querySelector(`[data-live-slot="${slot.dataset.liveSlot}"]`);
      if (next && !slot.contains(document.activeElement)) {
        slot.replaceWith(next);
        window.htmx?.process(next);
      }
    }
  };
  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    const started = generation;
    try {
      const response = await fetch(region.dataset.liveSrc, { headers: { 'x-live': '1' } });
      if (started !== generation || !response.ok) return;
      const html = await response.text();
      if (started !== generation) return;
      if (busy()) {
        showSlots(html);
        again = true;
      } else {
        show(html);
      }
    } finally {
      running = false;
      if (again && !busy()) refresh();
    }
  };
  source.addEventListener('update', refresh);
  // A vote's progress comes in the event: the count changes in place, with
  // no request (2,000 screens five times a second would be 10,000). A
  // screen that does not show that round has nothing to change.
  source.addEventListener('tien-do', (event) => {
    let progress;
    try {
      progress = JSON.parse(event.data);
    } catch {
      return refresh();
    }
    // Within a round the count only grows: a count read just before
    // another event's fragment was built must not undo it.
    const voted = Number(progress.voted);
    for (const el of region.querySelectorAll(`[data-voted-round="${Number(progress.round)}"]`)) {
      if (voted > Number(el.textContent)) el.textContent = String(voted);
    }
  });
  // A ballot is answered in place (htmx). A fragment fetched before the
  // ballot was saved would show its buttons again, so a fetch under way is
  // dropped; if the fragment was redrawn while the ballot was on its way,
  // the answer has lost its place and the deputy's own fragment is fetched.
  region.addEventListener('htmx:beforeRequest', (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.matches('form.ballot')) return;
    generation += 1;
    if (running) again = true;
    event.detail.xhr.addEventListener('loadend', () => {
      generation += 1;
      // Once htmx has put the answer in place, or found no place for it.
      setTimeout(() => {
        const placed = form.isConnected || region.querySelector('[data-testid="ballot-recorded"]');
        if (running || !placed) refresh();
      }, 0);
    });
  });
  // The hall screen's fragment comes in the event itself (the server built
  // it before telling anyone), and a fetch begun before it is older. Every
  // other screen reloads its own, but first shows the result the event
  // carries in its vote slot, so a deputy sees it when the hall does.
  source.addEventListener('hall', (event) => {
    generation += 1;
    if ('liveHall' in region.dataset) return show(event.data);
    const slot = region.querySelector('[data-live-slot="vote"]');
    const hall = document.createElement('template');
    hall.innerHTML = event.data;
    const result = hall.content.querySelector('[data-live-part="result"]');
    if (slot && result) {
      slot.replaceChildren(result);
      // The result is on screen already; the rest of the fragment can wait
      // a moment. Spread over half a second, 500 tablets do not all ask at
      // the instant the server is still telling the other screens.
      setTimeout(refresh, Math.random() * REFETCH_SPREAD_MS);
    } else {
      refresh();
    }
  });
  region.addEventListener('focusout', () => {
    // Wait for focus to land before deciding whether the person is done.
    setTimeout(() => { if (again && !busy()) refresh(); }, 0);
  });
}

// Speaking timers count down from the end time the server set; the text
// turns red once the speaker is over time.
function tick() {
  for (const el of document.querySelectorAll('[data-countdown-end]')) {
    const left = Math.round((Number(el.dataset.countdownEnd) - Date.now()) / 1000);
    const abs = Math.abs(left);
    const text = `${left < 0 ? '-' : ''}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('over', left < 0);
  }
}
setInterval(tick, 1000);

// Offline copies belong to the deputy who kept them: signing out, or
// reaching the sign-in page (after a sign-in that timed out), empties the
// service worker's cache before anyone else uses the tablet. The sign-out
// form is sent once the cache is gone, or at once if it cannot be reached.
const OFFLINE_CACHE = 'nghitruong-ky-hop-v1';
async function forgetOffline() {
  try {
    navigator.serviceWorker?.controller?.postMessage({ type: 'forget' });
    if (window.caches) await window.caches.delete(OFFLINE_CACHE);
  } catch {
    // Not a secure context: nothing can have been kept.
  }
}
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('signout')) return;
  if (form.dataset.forgotten) return;
  event.preventDefault();
  forgetOffline().finally(() => {
    form.dataset.forgotten = '1';
    form.submit();
  });
});
if (document.querySelector('form[action="/dang-nhap"]')) forgetOffline();

// The phone's "Thêm" navigation menu closes on Escape (focus back on its
// button) and when the person taps elsewhere.
document.addEventListener('keydown', (event) => {
  const open = document.querySelector('.nav-more details[open]');
  if (event.key === 'Escape' && open) {
    open.open = false;
    open.querySelector('summary')?.focus();
  }
});
document.addEventListener('click', (event) => {
  const open = document.querySelector('.nav-more details[open]');
  if (open && !open.contains(event.target)) open.open = false;
});
