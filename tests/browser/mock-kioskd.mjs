#!/usr/bin/env node
/*
 * mock-kioskd.mjs — a stand-in for kioskd's local API, just enough for the
 * kiosk screen: it serves hostd/api/web (with {{SCREEN_TOKEN}} replaced),
 * checks the Bearer token on every /api/v1 request, streams session events
 * as text/event-stream (snapshot first), and drives one scripted session.
 * It exists for screen development and the fast screen-only test; the real
 * contract is /work/helpers/SESSION-CONTRACT.md and the real server is
 * hostd/api.
 *
 *   node mock-kioskd.mjs [--port 0] [--scenario NAME] [--mode kiosk]
 *        [--step-ms 1200] [--start-ms 2000] [--readers 1] [--loop]
 *        [--drop-after-ms N] [--counter N]
 *
 * Scenarios: success, consent-declined (same script; the screen declines),
 * card-removed, liveness-failed, camera-unavailable.
 * Prints "READY <url>" on stdout once listening.
 *
 * As a module: startMock(options) -> { url, token, posts, close() }.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_WEB = path.resolve(here, '../../hostd/api/web');
export const SCENARIOS = ['success', 'consent-declined', 'card-removed', 'liveness-failed', 'camera-unavailable'];
const MODES = ['kiosk', 'clinic', 'driving-test', 'lodging'];
const TEXT_VERSION = 'vi-2026-01';
const STEPS = 5;
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png'
};
/* As strict as the real kiosk should be: only this origin, no inline code. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function ulid() {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = crypto.randomBytes(26);
  let s = '01K';
  for (let i = 3; i < 26; i++) s += alphabet[bytes[i] & 31];
  return s;
}

function handoffFor(mode, recordId, counter) {
  if (mode === 'kiosk') {
    const h = { portal_url: 'https://dichvucong.invalid/ho-so?record=' + recordId };
    if (counter) h.counter = counter;
    return h;
  }
  if (mode === 'driving-test') return { candidate_id: 'C-017', status: 'checked_in' };
  return {};
}

export async function startMock(opts = {}) {
  const o = {
    port: 0, host: '127.0.0.1', scenario: 'success', mode: 'kiosk', stepMs: 1200, startMs: 2000,
    readers: 1, loop: false, dropAfterMs: 0, counter: '', webDir: DEFAULT_WEB, verbose: false, ...opts
  };
  if (!SCENARIOS.includes(o.scenario)) throw new Error('unknown scenario ' + o.scenario);
  if (!MODES.includes(o.mode)) throw new Error('unknown mode ' + o.mode);
  const token = crypto.randomBytes(16).toString('hex');
  const clients = new Set();
  const posts = [];
  const timers = new Set();
  let seq = 0;
  let started = false;
  let dropped = false;

  const readers = [];
  for (let i = 0; i < Math.max(1, Math.min(o.readers, 4)); i++) {
    readers.push({ name: 'Virtual PCD 00 0' + i, state: null });
  }
  const active = readers[0];

  function stateObject(reader, fields) {
    return {
      seq: ++seq, session: null, reader: reader.name, mode: o.mode, state: 'waiting',
      step: 0, steps: STEPS, challenge: null, consent: null, outcome: null, error: null,
      reset_in_ms: null, ...fields
    };
  }

  function publish(reader, fields) {
    reader.state = stateObject(reader, fields);
    const line = JSON.stringify(reader.state);
    for (const res of clients) sendEvent(res, line, reader.state.seq);
    if (o.verbose) process.stderr.write(`mock: ${reader.name} -> ${reader.state.state}\n`);
  }

  /* Each event goes out in two writes so the page's parser meets split
   * chunks, as it may with a real server. */
  function sendEvent(res, json, id) {
    const text = `event: session\nid: ${id}\ndata: ${json}\n\n`;
    const cut = Math.floor(text.length / 2);
    res.write(text.slice(0, cut));
    res.write(text.slice(cut));
  }

  function later(ms, fn) {
    const h = setTimeout(() => { timers.delete(h); fn(); }, ms);
    timers.add(h);
    return h;
  }

  function clearScript() {
    for (const h of timers) clearTimeout(h);
    timers.clear();
  }

  for (const r of readers) publish(r, {});

  function fail(code, step) {
    publish(active, {
      session: active.state.session, state: 'failed', step, error: { code, message: code.replace(/_/g, ' ') },
      reset_in_ms: 6000
    });
    later(6000, backToWaiting);
  }

  function backToWaiting() {
    publish(active, {});
    if (o.loop) later(o.startMs, runSession);
  }

  /* The scripted session. */
  function runSession() {
    const session = ulid();
    const at = (state, step, extra = {}) => publish(active, { session, state, step, ...extra });
    at('reading', 1);
    if (o.scenario === 'card-removed') { later(o.stepMs, () => fail('card_removed', 1)); return; }
    if (o.scenario === 'camera-unavailable') { later(o.stepMs, () => fail('camera_unavailable', 2)); return; }
    later(o.stepMs, () => {
      at('face', 2);
      later(o.stepMs, () => {
        at('liveness', 3, { challenge: { action: 'blink', index: 0, count: 2 } });
        later(o.stepMs, () => {
          at('liveness', 3, { challenge: { action: 'turn_left', index: 1, count: 2 } });
          later(o.stepMs, () => {
            if (o.scenario === 'liveness-failed') { fail('liveness_failed', 3); return; }
            at('consent', 4, { consent: { text_version: TEXT_VERSION } });
            later(60000, () => fail('timeout', 4));
          });
        });
      });
    });
  }

  function consentAnswered(accept) {
    clearScript();
    const session = active.state.session;
    if (!accept) { fail('consent_refused', 4); return; }
    publish(active, { session, state: 'storing', step: 5 });
    later(Math.max(200, o.stepMs / 2), () => {
      const recordId = ulid();
      publish(active, {
        session, state: 'done', step: 5, reset_in_ms: 8000,
        outcome: {
          verdict: 'genuine', face_match: 'match', liveness: 'live', record_id: recordId,
          handoff: handoffFor(o.mode, recordId, o.counter)
        }
      });
      later(8000, backToWaiting);
    });
  }

  function json(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(text);
  }

  function readBody(req, limit = 4096) {
    return new Promise((resolve, reject) => {
      let size = 0;
      const parts = [];
      req.on('data', (c) => {
        size += c.length;
        if (size > limit) { reject(new Error('too large')); req.destroy(); return; }
        parts.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      req.on('error', reject);
    });
  }

  function serveStatic(req, res, pathname) {
    const name = pathname === '/' ? 'index.html' : pathname.slice(1);
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name)) { json(res, 404, { error: 'not_found' }); return; }
    const file = path.join(o.webDir, name);
    let body;
    try { body = fs.readFileSync(file); } catch { json(res, 404, { error: 'not_found' }); return; }
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replace('{{SCREEN_TOKEN}}', token));
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(name)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff'
    });
    res.end(body);
  }

  function startEvents(req, res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive'
    });
    res.write(': kiosk events\n\n');
    for (const r of readers) sendEvent(res, JSON.stringify(r.state), r.state.seq);
    clients.add(res);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), 15000);
    req.on('close', () => { clearInterval(keepalive); clients.delete(res); });
    if (!started) {
      started = true;
      later(o.startMs, runSession);
      if (o.dropAfterMs > 0) {
        later(o.startMs + o.dropAfterMs, () => {
          dropped = true;
          for (const c of clients) c.destroy();
          clients.clear();
        });
      }
    }
  }

  async function api(req, res, pathname) {
    if (req.headers.authorization !== 'Bearer ' + token) {
      json(res, 401, { error: 'unauthorized', message: 'missing or unknown token' });
      return;
    }
    const m = pathname.match(/^\/api\/v1\/sessions\/([0-9A-Za-z]+)\/(cancel|consent)$/);
    if (req.method === 'GET' && pathname === '/api/v1/health') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && pathname === '/api/v1/events') return startEvents(req, res);
    if (req.method === 'GET' && pathname === '/api/v1/sessions') {
      return json(res, 200, readers.map((r) => r.state));
    }
    if (req.method === 'POST' && m) {
      let body = '';
      try { body = await readBody(req); } catch { return json(res, 413, { error: 'too_large' }); }
      posts.push({ path: pathname, body });
      const [, id, action] = m;
      if (!active.state || active.state.session !== id) return json(res, 404, { error: 'no_session' });
      if (action === 'cancel') {
        if (!['reading', 'face', 'liveness', 'consent'].includes(active.state.state)) {
          return json(res, 409, { error: 'not_cancellable' });
        }
        clearScript();
        const step = active.state.step;
        json(res, 200, active.state);
        fail('cancelled', step);
        return;
      }
      let answer;
      try { answer = JSON.parse(body); } catch { return json(res, 400, { error: 'bad_json' }); }
      if (!answer || typeof answer.accept !== 'boolean' || answer.text_version !== TEXT_VERSION) {
        return json(res, 400, { error: 'bad_consent' });
      }
      if (active.state.state !== 'consent') return json(res, 409, { error: 'not_in_consent' });
      json(res, 200, active.state);
      consentAnswered(answer.accept);
      return;
    }
    json(res, 404, { error: 'not_found' });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (o.verbose) process.stderr.write(`mock: ${req.method} ${url.pathname}\n`);
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url.pathname).catch(() => { if (!res.headersSent) json(res, 500, { error: 'internal' }); });
    } else if (req.method === 'GET') {
      serveStatic(req, res, url.pathname);
    } else {
      json(res, 405, { error: 'method' });
    }
  });
  await new Promise((resolve) => server.listen(o.port, o.host, resolve));
  const url = `http://${o.host}:${server.address().port}/`;
  return {
    url, token, posts, readers: readers.map((r) => r.name),
    get dropped() { return dropped; },
    close() {
      clearScript();
      for (const c of clients) c.destroy();
      return new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    }
  };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(a + ' needs a value'); return argv[++i]; };
    if (a === '--port') o.port = Number(val());
    else if (a === '--scenario') o.scenario = val();
    else if (a === '--mode') o.mode = val();
    else if (a === '--step-ms') o.stepMs = Number(val());
    else if (a === '--start-ms') o.startMs = Number(val());
    else if (a === '--readers') o.readers = Number(val());
    else if (a === '--drop-after-ms') o.dropAfterMs = Number(val());
    else if (a === '--counter') o.counter = val();
    else if (a === '--loop') o.loop = true;
    else if (a === '--verbose') o.verbose = true;
    else throw new Error('unknown option ' + a);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`mock-kioskd: ${e.message}\n`);
    process.exit(2);
  }
  const mock = await startMock(opts);
  process.stdout.write(`READY ${mock.url}\n`);
  const stop = () => mock.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
