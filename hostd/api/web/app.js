/*
 * app.js — the kiosk screen. Follows one reader's session through kioskd's
 * event stream and shows one step per screen; sends only cancel and the
 * consent answer back. It never receives personal data and shows none.
 *
 * Authentication: kioskd writes a per-start-up token into the kiosk-token
 * meta tag; every /api/v1 request carries it as a Bearer token. EventSource
 * cannot send that header, so the stream is read with fetch() and parsed
 * here. A 401 means kioskd restarted with a new token: the page reloads
 * itself (with backoff) to pick up the new one.
 *
 * Contract: /work/helpers/SESSION-CONTRACT.md (state objects), api.h (auth).
 * Hooks for tests: <main data-state data-lang data-mode data-error>, and
 * data-testid on the interactive parts.
 */
(function () {
  'use strict';

  const I18N = window.KS_I18N;
  const DEFAULT_LANG = 'vi';
  const STATES = ['waiting', 'reading', 'face', 'liveness', 'consent', 'storing', 'done', 'failed'];
  const CANCELLABLE = new Set(['reading', 'face', 'liveness']);
  const KNOWN_ERRORS = new Set([
    'card_removed', 'access_denied', 'not_genuine', 'no_face', 'face_mismatch',
    'liveness_failed', 'timeout', 'cancelled', 'consent_refused', 'camera_unavailable',
    'reader_unavailable', 'store_failed', 'internal'
  ]);
  /* After these the citizen is not asked to place the card again, so the
   * screen reminds them to take it. */
  const TAKE_CARD_AFTER = new Set([
    'not_genuine', 'face_mismatch', 'consent_refused', 'camera_unavailable',
    'reader_unavailable', 'store_failed'
  ]);
  const LIVENESS_ACTIONS = new Set(['blink', 'turn_left', 'turn_right']);
  const MODES = new Set(['kiosk', 'clinic', 'driving-test', 'lodging']);
  const IDLE_LANG_RESET_MS = 60000;
  const RESYNC_GRACE_MS = 4000;
  const MAX_EVENT_BUFFER = 1 << 20;   /* a line longer than this is not ours */
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;

  const token = readToken();
  const wantedReader = new URLSearchParams(location.search).get('reader');

  let lang = DEFAULT_LANG;
  let followedReader = wantedReader;
  let current = null;          /* the last state object applied */
  let currentAt = 0;           /* when it arrived (ms, performance clock) */
  let lastTouch = performance.now();
  let resyncing = false;
  let consentSending = false;

  const $ = (id) => document.getElementById(id);
  const root = $('screen');

  /* ---------- text ---------- */

  function t(key, params) {
    const table = I18N.strings[lang] || I18N.strings[DEFAULT_LANG];
    let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : null;
    if (s === null) {
      s = I18N.strings[DEFAULT_LANG][key];
      if (s === undefined) return key;
    }
    if (params) {
      s = s.replace(/\{(\w+)\}/g, (m, name) =>
        Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m);
    }
    return s;
  }

  function setText(el, key, params) {
    el.textContent = t(key, params);
    el.setAttribute('data-i18n-key', key);
  }

  function applyStaticText() {
    for (const el of document.querySelectorAll('[data-i18n]')) {
      el.textContent = t(el.getAttribute('data-i18n'));
    }
    for (const el of document.querySelectorAll('[data-i18n-label]')) {
      el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
    }
    document.title = t('app.title');
  }

  function setLanguage(next) {
    if (!I18N.strings[next] || next === lang) return;
    lang = next;
    document.documentElement.lang = lang;
    root.setAttribute('data-lang', lang);
    for (const b of document.querySelectorAll('[data-lang-choice]')) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-lang-choice') === lang));
    }
    render(true);
  }

  /* ---------- HTTP ---------- */

  function readToken() {
    const meta = document.querySelector('meta[name="kiosk-token"]');
    const value = meta ? meta.getAttribute('content') || '' : '';
    /* An unreplaced placeholder means the page did not come from kioskd's
     * loopback listener; requests will be refused and we reload later. */
    return value;
  }

  function authHeaders(extra) {
    return Object.assign({ Authorization: 'Bearer ' + token }, extra || {});
  }

  async function postJson(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store'
    });
    if (res.status === 401) scheduleReload();
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res;
  }

  function sessionPath(id, action) {
    return '/api/v1/sessions/' + encodeURIComponent(id) + '/' + action;
  }

  /* A stale token cannot recover by retrying: reload the page, slower each
   * time (the count survives reloads in sessionStorage). */
  let reloadScheduled = false;
  function scheduleReload() {
    if (reloadScheduled) return;
    reloadScheduled = true;
    let n = 0;
    try { n = Number(sessionStorage.getItem('ks-reloads')) || 0; } catch (e) { n = 0; }
    const delay = Math.min(2000 * Math.pow(2, n), 60000);
    try { sessionStorage.setItem('ks-reloads', String(n + 1)); } catch (e) { /* private mode */ }
    showBanner('banner.reloading');
    setTimeout(() => location.reload(), delay);
  }

  /* ---------- event stream ---------- */

  /* Feeds text/event-stream chunks; calls onEvent(type, data, id) per event.
   * Lines end in CRLF, LF or CR; a CR at the end of a chunk waits for the
   * next chunk in case an LF follows. */
  function createEventParser(onEvent) {
    let buf = '';
    let dataLines = [];
    let type = '';
    let lastId = '';

    function line(l) {
      if (l === '') {
        if (dataLines.length) onEvent(type || 'message', dataLines.join('\n'), lastId);
        dataLines = [];
        type = '';
        return;
      }
      if (l.charCodeAt(0) === 58 /* ':' comment */) return;
      const colon = l.indexOf(':');
      const field = colon < 0 ? l : l.slice(0, colon);
      let value = colon < 0 ? '' : l.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') dataLines.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id' && value.indexOf('\0') < 0) lastId = value;
    }

    return function feed(chunk) {
      buf += chunk;
      for (;;) {
        const i = buf.search(/[\r\n]/);
        if (i < 0) break;
        if (buf[i] === '\r' && i === buf.length - 1) break;
        const width = buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1;
        line(buf.slice(0, i));
        buf = buf.slice(i + width);
      }
      if (buf.length > MAX_EVENT_BUFFER) throw new Error('event line too long');
    };
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function streamEvents() {
    let backoff = BACKOFF_MIN_MS;
    for (;;) {
      let gotEvent = false;
      try {
        const res = await fetch('/api/v1/events', {
          headers: authHeaders({ Accept: 'text/event-stream' }),
          cache: 'no-store'
        });
        if (res.status === 401) { scheduleReload(); return; }
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        /* A new connection starts with a snapshot: without ?reader the
         * first session in it is the one to follow. */
        if (!wantedReader) followedReader = null;
        const feed = createEventParser((type, data) => {
          if (type !== 'session') return;
          gotEvent = true;
          onSessionData(data);
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        hideBanner();
        try { sessionStorage.removeItem('ks-reloads'); } catch (e) { /* ignore */ }
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            feed(value);
            if (gotEvent) backoff = BACKOFF_MIN_MS;
          }
        } finally {
          reader.cancel().catch(() => {});
        }
      } catch (e) {
        /* network error or a malformed stream: reconnect below */
      }
      showBanner('banner.reconnecting');
      await sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }

  function onSessionData(data) {
    let obj;
    try { obj = JSON.parse(data); } catch (e) { return; }
    acceptState(obj);
  }

  function acceptState(obj) {
    if (!obj || typeof obj !== 'object' || typeof obj.reader !== 'string') return;
    if (followedReader === null) followedReader = obj.reader;
    if (obj.reader !== followedReader) return;
    if (!STATES.includes(obj.state)) return;
    const previous = current;
    current = obj;
    currentAt = performance.now();
    resyncing = false;
    if (!previous || previous.state !== obj.state || previous.session !== obj.session) {
      consentSending = false;
    }
    render(!sameStep(previous, obj));
  }

  function sameStep(a, b) {
    if (!a || !b) return false;
    const ca = a.challenge || {};
    const cb = b.challenge || {};
    const ea = a.error || {};
    const eb = b.error || {};
    return a.state === b.state && a.session === b.session && ca.action === cb.action &&
      ca.index === cb.index && ea.code === eb.code;
  }

  /* The daemon says when done/failed end; if that event does not come,
   * ask for the sessions rather than trust a stale screen. */
  async function resync() {
    resyncing = true;
    try {
      const res = await fetch('/api/v1/sessions', { headers: authHeaders(), cache: 'no-store' });
      if (res.status === 401) { scheduleReload(); return; }
      if (!res.ok) return;
      const list = await res.json();
      if (!Array.isArray(list)) return;
      const mine = list.find((s) => s && s.reader === followedReader);
      if (mine) acceptState(mine);
    } catch (e) {
      /* the stream's reconnect logic reports connectivity */
    }
  }

  /* ---------- rendering ---------- */

  function render(announceIt) {
    applyStaticText();
    const s = current;
    const state = s ? s.state : 'connecting';
    root.setAttribute('data-state', state);
    root.setAttribute('data-mode', s && MODES.has(s.mode) ? s.mode : '');
    root.setAttribute('data-error', state === 'failed' && s.error && typeof s.error.code === 'string'
      ? s.error.code : '');
    for (const sec of document.querySelectorAll('[data-screen]')) {
      sec.hidden = sec.getAttribute('data-screen') !== state;
    }
    renderProgress(s);
    if (state === 'liveness') renderLiveness(s);
    if (state === 'consent') renderConsent(s);
    if (state === 'done') renderDone(s);
    if (state === 'failed') renderFailed(s);
    renderCountdown();
    $('footer').hidden = !(s && s.session && CANCELLABLE.has(state));
    if (announceIt) announce();
  }

  function renderProgress(s) {
    const box = $('progress');
    const steps = s && Number.isInteger(s.steps) && s.steps > 0 && s.steps <= 20 ? s.steps : 0;
    const step = s && Number.isInteger(s.step) ? Math.max(0, Math.min(s.step, steps)) : 0;
    if (!s || steps === 0 || step === 0 || s.state === 'failed') {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    $('progress-text').textContent = t('progress', { step, steps });
    const bar = $('progress-bar');
    bar.textContent = '';
    for (let i = 1; i <= steps; i++) {
      const li = document.createElement('li');
      li.className = i <= step ? 'seg seg-done' : 'seg';
      bar.appendChild(li);
    }
  }

  function renderLiveness(s) {
    const c = s.challenge && typeof s.challenge === 'object' ? s.challenge : {};
    const action = LIVENESS_ACTIONS.has(c.action) ? c.action : 'other';
    setText($('liveness-title'), 'liveness.' + action);
    $('liveness-art').setAttribute('data-action', action);
    const count = Number.isInteger(c.count) && c.count > 0 ? c.count : 0;
    const index = Number.isInteger(c.index) && c.index >= 0 ? c.index : -1;
    const countEl = $('liveness-count');
    if (count > 0 && index >= 0 && index < count) {
      countEl.hidden = false;
      countEl.textContent = t('liveness.count', { i: index + 1, n: count });
    } else {
      countEl.hidden = true;
    }
  }

  function consentVersion(s) {
    const c = s.consent && typeof s.consent === 'object' ? s.consent : null;
    return c && typeof c.text_version === 'string' ? c.text_version : '';
  }

  function renderConsent(s) {
    const version = consentVersion(s);
    const text = Object.prototype.hasOwnProperty.call(I18N.consent, version)
      ? I18N.consent[version][lang] : null;
    const box = $('consent-text');
    box.textContent = '';
    const accept = $('consent-accept');
    const decline = $('consent-decline');
    if (!text) {
      /* Never let anyone agree to a text they were not shown. */
      const p = document.createElement('p');
      p.textContent = t('consent.unknown', { version: version || '?' });
      box.appendChild(p);
      accept.hidden = true;
      $('consent-version').textContent = '';
    } else {
      const intro = document.createElement('p');
      intro.textContent = text.intro;
      box.appendChild(intro);
      const mode = MODES.has(s.mode) ? s.mode : 'other';
      const dl = document.createElement('dl');
      for (const [label, body] of text.points) {
        const dt = document.createElement('dt');
        dt.textContent = label;
        const dd = document.createElement('dd');
        dd.textContent = body.replace('{purpose}', text.purpose[mode]);
        dl.append(dt, dd);
      }
      box.appendChild(dl);
      accept.hidden = false;
      $('consent-version').textContent = t('consent.version', { version });
    }
    accept.disabled = consentSending;
    decline.disabled = consentSending;
    if (consentSending) accept.textContent = t('button.sending');
  }

  function outcomeOf(s) {
    return s.outcome && typeof s.outcome === 'object' ? s.outcome : {};
  }

  function renderDone(s) {
    const o = outcomeOf(s);
    const ok = o.verdict === 'genuine' && o.face_match !== 'no_match' && o.liveness !== 'not_live';
    setText($('done-title'), ok ? 'done.title.ok' : 'done.title.review');
    $('done-review').hidden = ok;
    root.setAttribute('data-outcome', ok ? 'ok' : 'review');

    const checks = $('done-checks');
    checks.textContent = '';
    const rows = [
      ['verdict', ['genuine', 'not_genuine', 'inconclusive'], 'genuine'],
      ['face_match', ['match', 'no_match', 'not_performed'], 'match'],
      ['liveness', ['live', 'not_live', 'not_performed'], 'live']
    ];
    for (const [field, values, good] of rows) {
      if (!values.includes(o[field])) continue;
      const li = document.createElement('li');
      li.className = o[field] === good ? 'check check-ok' : 'check check-warn';
      li.textContent = t('check.' + field + '.' + o[field]);
      checks.appendChild(li);
    }
    renderHandoff(s, o);
  }

  function para(key, params, cls) {
    const p = document.createElement('p');
    p.className = cls || 'lead';
    setText(p, key, params);
    return p;
  }

  /* Shows a record id in groups of four, four groups a line, so it can be
   * read out at a counter. */
  function groupedId(id) {
    const groups = id.match(/.{1,4}/g) || [];
    const lines = [];
    for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(' '));
    return lines.join('\n');
  }

  function renderHandoff(s, o) {
    const box = $('done-handoff');
    box.textContent = '';
    const h = o.handoff && typeof o.handoff === 'object' ? o.handoff : {};
    const mode = MODES.has(s.mode) ? s.mode : 'other';
    if (mode === 'kiosk') {
      const id = typeof o.record_id === 'string' && /^[0-9A-Za-z-]{1,64}$/.test(o.record_id)
        ? o.record_id : null;
      if (id) {
        box.appendChild(para('done.kiosk.record', null, 'label'));
        const code = document.createElement('p');
        code.className = 'record-id';
        code.setAttribute('data-testid', 'record-id');
        code.textContent = groupedId(id);
        code.setAttribute('aria-label', id.split('').join(' '));
        box.appendChild(code);
      }
      const counter = typeof h.counter === 'string' || Number.isInteger(h.counter)
        ? String(h.counter).slice(0, 8) : '';
      box.appendChild(counter ? para('done.kiosk.counter', { counter }) : para('done.kiosk.next'));
      if (typeof h.portal_url === 'string' && id) box.appendChild(para('done.kiosk.portal'));
    } else if (mode === 'clinic') {
      box.appendChild(para('done.clinic.next', null, 'lead strong'));
      box.appendChild(para('done.clinic.then'));
    } else if (mode === 'driving-test') {
      if (typeof h.candidate_id === 'string' && /^[0-9A-Za-z._-]{1,32}$/.test(h.candidate_id)) {
        box.appendChild(para('done.driving-test.candidate', null, 'label'));
        const code = document.createElement('p');
        code.className = 'record-id';
        code.setAttribute('data-testid', 'candidate-id');
        code.textContent = h.candidate_id;
        box.appendChild(code);
      }
      const known = ['checked_in', 'already_checked_in', 'not_on_roster'];
      const status = known.includes(h.status) ? h.status : 'other';
      box.appendChild(para('done.driving-test.' + status, null, 'lead strong'));
    } else if (mode === 'lodging') {
      box.appendChild(para('done.lodging.next', null, 'lead strong'));
      box.appendChild(para('done.lodging.then'));
    } else {
      box.appendChild(para('done.other.next'));
    }
  }

  function renderFailed(s) {
    const raw = s.error && typeof s.error.code === 'string' ? s.error.code : '';
    const code = KNOWN_ERRORS.has(raw) ? raw : 'internal';
    setText($('failed-title'), 'error.' + code + '.title');
    setText($('failed-text'), 'error.' + code + '.text');
    setText($('failed-todo'), 'error.' + code + '.todo');
    $('failed-take-card').hidden = !TAKE_CARD_AFTER.has(code);
  }

  function renderCountdown() {
    const s = current;
    for (const id of ['done-countdown', 'failed-countdown']) $(id).textContent = '';
    if (!s || (s.state !== 'done' && s.state !== 'failed')) return;
    if (!Number.isFinite(s.reset_in_ms) || s.reset_in_ms <= 0) return;
    const left = s.reset_in_ms - (performance.now() - currentAt);
    const el = $(s.state === 'done' ? 'done-countdown' : 'failed-countdown');
    el.textContent = t('countdown', { s: Math.max(0, Math.ceil(left / 1000)) });
  }

  function visibleHeading() {
    const sec = document.querySelector('[data-screen]:not([hidden])');
    return sec ? sec.querySelector('h1') : null;
  }

  /* Screen readers hear each new step: the heading, then the main line. */
  function announce() {
    const sec = document.querySelector('[data-screen]:not([hidden])');
    if (!sec) return;
    const parts = [];
    const h = visibleHeading();
    if (h) parts.push(h.textContent);
    const count = sec.querySelector('.count:not([hidden])');
    if (count) parts.push(count.textContent);
    const lead = sec.querySelector('.lead:not([hidden])');
    if (lead) parts.push(lead.textContent);
    const box = $('announcer');
    box.textContent = '';
    setTimeout(() => { box.textContent = parts.join('. '); }, 50);
  }

  function showBanner(key) {
    const b = $('banner');
    b.setAttribute('data-i18n', key);
    b.textContent = t(key);
    b.hidden = false;
    root.setAttribute('data-connection', 'lost');
  }

  function hideBanner() {
    const b = $('banner');
    b.hidden = true;
    b.removeAttribute('data-i18n');
    root.setAttribute('data-connection', 'ok');
  }

  /* ---------- citizen actions ---------- */

  async function sendConsent(accept) {
    const s = current;
    if (!s || s.state !== 'consent' || !s.session || consentSending) return;
    const version = consentVersion(s);
    if (accept && !Object.prototype.hasOwnProperty.call(I18N.consent, version)) return;
    consentSending = true;
    $('consent-error').hidden = true;
    render(false);
    try {
      await postJson(sessionPath(s.session, 'consent'), { accept, text_version: version });
      /* the next event moves the screen on */
    } catch (e) {
      consentSending = false;
      if (current === s) {
        render(false);
        const err = $('consent-error');
        err.textContent = t('error.send');
        err.hidden = false;
      }
    }
  }

  async function cancelSession() {
    const s = current;
    if (!s || !s.session || !CANCELLABLE.has(s.state)) return;
    $('cancel').disabled = true;
    try {
      await postJson(sessionPath(s.session, 'cancel'));
    } catch (e) {
      /* the session moves on anyway (timeout); nothing to tell the citizen */
    } finally {
      $('cancel').disabled = false;
    }
  }

  /* ---------- timers ---------- */

  function tick() {
    const now = performance.now();
    const s = current;
    if (lang !== DEFAULT_LANG && (!s || s.state === 'waiting') && now - lastTouch >= IDLE_LANG_RESET_MS) {
      setLanguage(DEFAULT_LANG);
    }
    if (s && (s.state === 'done' || s.state === 'failed')) {
      renderCountdown();
      if (Number.isFinite(s.reset_in_ms) && !resyncing &&
          now - currentAt > s.reset_in_ms + RESYNC_GRACE_MS) {
        resync();
      }
    }
  }

  /* ---------- start ---------- */

  function start() {
    document.addEventListener('pointerdown', () => { lastTouch = performance.now(); }, true);
    document.addEventListener('keydown', () => { lastTouch = performance.now(); }, true);
    /* A long press must not open a context menu on a kiosk. */
    document.addEventListener('contextmenu', (e) => e.preventDefault());
    for (const b of document.querySelectorAll('[data-lang-choice]')) {
      b.addEventListener('click', () => setLanguage(b.getAttribute('data-lang-choice')));
    }
    $('consent-accept').addEventListener('click', () => sendConsent(true));
    $('consent-decline').addEventListener('click', () => sendConsent(false));
    $('cancel').addEventListener('click', cancelSession);
    root.setAttribute('data-connection', 'connecting');
    render(false);
    setInterval(tick, 1000);
    if (!token || token.indexOf('{{') === 0) {
      scheduleReload();
      return;
    }
    streamEvents();
  }

  start();
})();
