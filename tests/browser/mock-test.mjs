#!/usr/bin/env node
/*
 * mock-test.mjs — the fast screen-only test: the kiosk screen against
 * mock-kioskd.mjs in headless Chromium, no daemon, no card.
 *
 *   node mock-test.mjs [--shots DIR] [--only SUBSTRING] [--step-ms 1000] [--verbose]
 *
 * 1. Runs screen-run.mjs (exactly as it is run against the real kioskd) for
 *    every mock scenario, in Vietnamese and English, and for the done screen
 *    of every mode.
 * 2. Checks what screen-run cannot see from one session: the page follows
 *    ?reader=, reconnects after the stream drops (showing the banner),
 *    reloads itself for a new token when the daemon restarts, sends cancel,
 *    refuses requests without the token, and returns to Vietnamese after
 *    60 s idle on the waiting screen.
 * Prints one line per case; exit 0 when all pass.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startMock } from './mock-kioskd.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const shots = opt('--shots');
const only = opt('--only');
const verbose = args.includes('--verbose');
/* --step-ms slows the scripted session (screenshots on a loaded machine). */
const stepMs = Number(opt('--step-ms') || 1000);
const FAST = { stepMs, startMs: Math.max(1500, stepMs * 1.5) };

const DRIVER_CASES = [];
for (const lang of ['vi', 'en']) {
  DRIVER_CASES.push(
    { name: `success-kiosk-${lang}`, mock: { scenario: 'success', mode: 'kiosk' }, lang,
      args: ['--expect', 'reading,face,liveness,consent,done'] },
    { name: `consent-declined-${lang}`, mock: { scenario: 'consent-declined' }, lang,
      args: ['--expect', 'reading,face,liveness,consent', '--consent', 'decline', '--expect-error', 'consent_refused'] },
    { name: `card-removed-${lang}`, mock: { scenario: 'card-removed' }, lang,
      args: ['--expect', 'reading', '--expect-error', 'card_removed'] },
    { name: `liveness-failed-${lang}`, mock: { scenario: 'liveness-failed' }, lang,
      args: ['--expect', 'reading,face,liveness', '--expect-error', 'liveness_failed'] },
    { name: `camera-unavailable-${lang}`, mock: { scenario: 'camera-unavailable' }, lang,
      args: ['--expect', 'reading', '--expect-error', 'camera_unavailable'] });
  for (const mode of ['clinic', 'driving-test', 'lodging']) {
    DRIVER_CASES.push({ name: `success-${mode}-${lang}`, mock: { scenario: 'success', mode }, lang,
      args: ['--expect', 'consent,done'] });
  }
}

function runDriver(url, c) {
  const argv = [path.join(here, 'screen-run.mjs'), '--url', url, '--lang', c.lang, '--timeout', '60', ...c.args];
  if (shots) argv.push('--shots', path.join(shots, c.name.replace(/-(vi|en)$/, '')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function withMock(mockOpts, fn) {
  const mock = await startMock({ ...FAST, ...mockOpts });
  try { return await fn(mock); } finally { await mock.close(); }
}

async function withPage(fn) {
  const browser = await chromium.launch({
    executablePath: process.env.KS_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage']
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, hasTouch: true });
    const page = await context.newPage();
    return await fn(page);
  } finally {
    await browser.close();
  }
}

const stateIs = (page, state, timeout = 20000) => page.waitForFunction(
  (s) => document.getElementById('screen').getAttribute('data-state') === s, state, { timeout });
const attr = (page, name) => page.getAttribute('#screen', name);
function expectEq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const EXTRA_CASES = [
  {
    name: 'follows-the-reader-named-in-the-url',
    run: () => withMock({ readers: 2 }, async (mock) => {
      await withPage(async (page) => {
        const url = new URL(mock.url);
        url.searchParams.set('reader', mock.readers[1]);
        await page.goto(url.toString());
        await stateIs(page, 'waiting');
        await page.waitForTimeout(FAST.startMs + FAST.stepMs * 2);
        expectEq(await attr(page, 'data-state'), 'waiting', 'idle second reader');
      });
      await withPage(async (page) => {
        await page.goto(mock.url);
        await stateIs(page, 'consent');
      });
    })
  },
  {
    name: 'reconnects-with-banner-after-the-stream-drops',
    run: () => withMock({ dropAfterMs: 1500 }, (mock) => withPage(async (page) => {
      await page.goto(mock.url);
      await page.waitForFunction(() => !document.getElementById('banner').hidden, null, { timeout: 20000 });
      const banner = await page.textContent('#banner');
      expectEq(banner, 'Đang kết nối lại…', 'banner text');
      await stateIs(page, 'consent', 30000);
      expectEq(await page.isHidden('#banner'), true, 'banner hidden after reconnect');
      if (!mock.dropped) throw new Error('mock never dropped the stream');
    }))
  },
  {
    name: 'reloads-for-a-new-token-after-a-daemon-restart',
    run: async () => {
      const first = await startMock({ ...FAST, startMs: 600000 });
      const port = new URL(first.url).port;
      await withPage(async (page) => {
        await page.goto(first.url);
        await stateIs(page, 'waiting');
        await first.close();
        const second = await startMock({ ...FAST, port: Number(port) });
        try {
          await stateIs(page, 'reading', 30000);
          const token = await page.getAttribute('meta[name="kiosk-token"]', 'content');
          expectEq(token, second.token, 'token after reload');
        } finally { await second.close(); }
      });
    }
  },
  {
    name: 'cancel-button-cancels-the-session',
    run: () => withMock({ stepMs: 3000 }, (mock) => withPage(async (page) => {
      await page.goto(mock.url);
      await stateIs(page, 'reading');
      await page.tap('[data-testid="cancel"]');
      await stateIs(page, 'failed');
      expectEq(await attr(page, 'data-error'), 'cancelled', 'error code');
      if (!mock.posts.some((p) => p.path.endsWith('/cancel'))) throw new Error('no cancel POST');
    }))
  },
  {
    name: 'consent-post-names-the-text-version',
    run: () => withMock({}, (mock) => withPage(async (page) => {
      await page.goto(mock.url);
      await stateIs(page, 'consent');
      await page.tap('[data-testid="consent-accept"]');
      await stateIs(page, 'done');
      const post = mock.posts.find((p) => p.path.endsWith('/consent'));
      expectEq(post && post.body, '{"accept":true,"text_version":"vi-2026-01"}', 'consent body');
    }))
  },
  {
    name: 'api-refuses-requests-without-the-token',
    run: () => withMock({}, async (mock) => {
      const res = await fetch(new URL('/api/v1/sessions', mock.url));
      expectEq(res.status, 401, 'status without token');
    })
  },
  {
    name: 'language-returns-to-vietnamese-after-60s-idle',
    run: () => withMock({ startMs: 600000 }, (mock) => withPage(async (page) => {
      await page.clock.install();
      await page.goto(mock.url);
      await stateIs(page, 'waiting');
      await page.tap('[data-testid="lang-en"]');
      expectEq(await attr(page, 'data-lang'), 'en', 'after tap');
      await page.clock.fastForward(30000);
      expectEq(await attr(page, 'data-lang'), 'en', 'after 30 s');
      await page.clock.fastForward(31000);
      await page.waitForFunction(() => document.documentElement.lang === 'vi', null, { timeout: 5000 });
      expectEq(await attr(page, 'data-lang'), 'vi', 'after 61 s');
    }))
  }
];

let failed = 0;
for (const c of DRIVER_CASES) {
  if (only && !c.name.includes(only)) continue;
  const r = await withMock(c.mock, (mock) => runDriver(mock.url, c));
  if (r.code === 0) console.log(`ok   ${c.name}` + (verbose ? '\n' + r.out.replace(/^/gm, '     ') : ''));
  else { failed++; console.log(`FAIL ${c.name}\n${r.out.replace(/^/gm, '     ')}`); }
}
for (const c of EXTRA_CASES) {
  if (only && !c.name.includes(only)) continue;
  try {
    await c.run();
    console.log(`ok   ${c.name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${c.name}: ${e.message}`);
  }
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
