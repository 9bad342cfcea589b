#!/usr/bin/env node
/*
 * screen-run.mjs — drives the kiosk screen in headless Chromium through one
 * session and checks what a citizen would see, against kioskd or the mock.
 *
 *   node screen-run.mjs --url http://127.0.0.1:PORT/ [--reader NAME] --lang vi|en
 *        --expect reading,face,liveness,consent,done [--consent accept|decline]
 *        [--expect-error CODE] [--shots DIR] [--timeout 120]
 *
 * Uses the system Chromium (/usr/bin/chromium, or $KS_CHROMIUM); nothing is
 * downloaded. Fails (exit 1) on: a request to any other origin, a console
 * error, a heading not in the chosen language's table, a touch target
 * smaller than 88 px, an unexpected failure, the final expected state not
 * shown, or the failed screen not showing the expected code's message.
 * States that pass faster than the page renders may be skipped; the final
 * one must be seen on screen. Prints one line per step; exit 2 on bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const STATES = ['waiting', 'reading', 'face', 'liveness', 'consent', 'storing', 'done', 'failed'];
const VI_LETTERS = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;
const MIN_TARGET_PX = 88;

function usage(msg) {
  process.stderr.write(`screen-run: ${msg}\n` +
    'usage: node screen-run.mjs --url URL [--reader NAME] --lang vi|en --expect S1,S2,...\n' +
    '       [--consent accept|decline] [--expect-error CODE] [--shots DIR] [--timeout SECONDS]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { lang: 'vi', expect: [], consent: 'accept', timeout: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(a + ' needs a value'); return argv[++i]; };
    if (a === '--url') o.url = val();
    else if (a === '--reader') o.reader = val();
    else if (a === '--lang') o.lang = val();
    else if (a === '--expect') o.expect = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--consent') o.consent = val();
    else if (a === '--expect-error') o.expectError = val();
    else if (a === '--shots') o.shots = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else usage('unknown option ' + a);
  }
  if (!o.url) usage('--url is required');
  let u;
  try { u = new URL(o.url); } catch { usage('--url is not a URL'); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') usage('--url must be http(s)');
  if (!['vi', 'en'].includes(o.lang)) usage('--lang must be vi or en');
  if (!['accept', 'decline'].includes(o.consent)) usage('--consent must be accept or decline');
  for (const s of o.expect) if (!STATES.includes(s)) usage('unknown state in --expect: ' + s);
  if (o.expectError && !/^[a-z_]{1,40}$/.test(o.expectError)) usage('bad --expect-error code');
  if (o.expectError && o.expect[o.expect.length - 1] !== 'failed') o.expect.push('failed');
  if (o.expect.length === 0) usage('--expect needs at least one state');
  if (!(o.timeout > 0)) usage('--timeout must be positive');
  if (o.reader) u.searchParams.set('reader', o.reader);
  o.pageUrl = u.toString();
  o.origin = u.origin;
  return o;
}

class Failure extends Error {}
const check = (cond, msg) => { if (!cond) throw new Failure(msg); };

/* Records every state the page shows, in order, from inside the page. */
function historyRecorder() {
  window.__ksHistory = [];
  const record = (main) => {
    const h = window.__ksHistory;
    const state = main.getAttribute('data-state');
    const error = main.getAttribute('data-error') || '';
    const last = h[h.length - 1];
    if (!last || last.state !== state || last.error !== error) h.push({ state, error });
  };
  document.addEventListener('DOMContentLoaded', () => {
    const main = document.getElementById('screen');
    if (!main) return;
    record(main);
    new MutationObserver(() => record(main))
      .observe(main, { attributes: true, attributeFilter: ['data-state', 'data-error'] });
  });
}

/* What the visible screen says, read from the page. */
function readScreen() {
  const main = document.getElementById('screen');
  const sec = document.querySelector('[data-screen]:not([hidden])');
  const h1 = sec ? sec.querySelector('h1') : null;
  const key = h1 ? h1.getAttribute('data-i18n-key') || h1.getAttribute('data-i18n') : null;
  const lang = main.getAttribute('data-lang');
  const tables = window.KS_I18N ? window.KS_I18N.strings : {};
  const small = [];
  for (const b of document.querySelectorAll('button')) {
    const r = b.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.height < 88 || r.width < 88) small.push(`${b.dataset.testid || b.id}: ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  const text = (id) => { const el = document.getElementById(id); return el ? el.textContent : ''; };
  return {
    state: main.getAttribute('data-state'),
    error: main.getAttribute('data-error') || '',
    lang,
    htmlLang: document.documentElement.lang,
    heading: h1 ? h1.textContent.trim() : '',
    key,
    expected: key && tables[lang] ? tables[lang][key] : undefined,
    otherLang: key ? Object.keys(tables).filter((l) => l !== lang).map((l) => tables[l][key]) : [],
    small,
    consentText: text('consent-text'),
    consentVersion: text('consent-version'),
    failedText: text('failed-text'),
    failedTodo: text('failed-todo'),
    progress: document.getElementById('progress').hidden ? '' : text('progress-text')
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const problems = [];
  const deadline = Date.now() + o.timeout * 1000;
  if (o.shots) fs.mkdirSync(o.shots, { recursive: true });

  const browser = await chromium.launch({
    executablePath: process.env.KS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-dev-shm-usage', '--window-size=1080,1920']
  });
  let exitCode = 0;
  try {
    const context = await browser.newContext({
      viewport: { width: 1080, height: 1920 }, deviceScaleFactor: 1, hasTouch: true
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      let origin = '';
      try { origin = new URL(url).origin; } catch { /* data: and friends */ }
      if (url.startsWith('data:') || origin === o.origin) return route.continue();
      problems.push('request left the origin: ' + url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    await page.addInitScript(historyRecorder);

    const screen = async () => {
      const s = await page.evaluate(readScreen);
      s.t = (k) => page.evaluate(([key]) => {
        const m = document.getElementById('screen').getAttribute('data-lang');
        return window.KS_I18N.strings[m][key];
      }, [k]);
      return s;
    };
    const remaining = () => Math.max(1, deadline - Date.now());

    await page.goto(o.pageUrl, { waitUntil: 'load', timeout: remaining() });
    await checkI18nTables(page);
    const fontPx = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    check(fontPx >= 28, `base font ${fontPx}px is below 28px`);
    await page.waitForFunction(() => document.getElementById('screen').getAttribute('data-state') !== 'connecting',
      null, { timeout: remaining() });

    if (o.lang === 'en') {
      await page.tap('[data-testid="lang-en"]');
      const s = await screen();
      check(s.lang === 'en' && s.htmlLang === 'en', `language toggle did not switch to en (data-lang=${s.lang}, lang=${s.htmlLang})`);
      check(await page.getAttribute('[data-testid="lang-en"]', 'aria-pressed') === 'true', 'EN button not marked pressed');
      console.log(`lang: switched to en by tapping the toggle (heading "${s.heading}")`);
    }

    let n = 0;
    const first = await screen();
    if (first.state === 'waiting') await captureStep(page, o, first, 0);

    let cursor = 0;
    let handled = 0;       /* history entries already processed */
    let consentAnswered = false;
    let finalCaptured = false;
    while (cursor < o.expect.length) {
      check(Date.now() < deadline, `timed out waiting for "${o.expect[cursor]}"`);
      const hist = await page.evaluate(() => window.__ksHistory.slice());
      for (; handled < hist.length && cursor < o.expect.length; handled++) {
        const h = hist[handled];
        const at = o.expect.indexOf(h.state, cursor);
        if (h.state === 'failed' && at < 0) {
          throw new Failure(`session failed unexpectedly with "${h.error}"`);
        }
        if (at < 0) continue;
        for (let k = cursor; k < at; k++) console.log(`step ${k + 1} ${o.expect[k]}: skipped (passed before the page rendered it)`);
        cursor = at + 1;
        n = at + 1;
        const now = await screen();
        const isLast = cursor === o.expect.length;
        if (handled === hist.length - 1 && now.state === h.state) {
          const kept = await captureStep(page, o, now, n);
          if (kept && isLast) finalCaptured = true;
        } else {
          console.log(`step ${n} ${h.state}: seen (passed before it could be captured)`);
        }
      }
      /* Answer only once the consent screen itself has been checked and
       * captured above (history fully handled), never from a stale read. */
      const s = await screen();
      const seen = await page.evaluate(() => window.__ksHistory.length);
      if (s.state === 'consent' && !consentAnswered && seen === handled &&
          handled > 0 && hist[handled - 1].state === 'consent') {
        await answerConsent(page, o, s);
        consentAnswered = true;
      }
      if (cursor < o.expect.length) await page.waitForTimeout(50);
    }
    check(finalCaptured, `final state "${o.expect[o.expect.length - 1]}" was not on screen long enough to check`);
    if (o.expectError) {
      const s = await screen();
      check(s.error === o.expectError, `failed with "${s.error}", expected "${o.expectError}"`);
      const want = await s.t(`error.${o.expectError}.text`);
      check(want && s.failedText === want, `failed screen says "${s.failedText}", expected "${want}"`);
      check(s.failedTodo.trim().length > 0, 'failed screen gives no advice');
      console.log(`error ${o.expectError}: "${s.failedText}" / "${s.failedTodo}"`);
    }
    await page.waitForTimeout(200);
    check(problems.length === 0, problems.join('\n'));
    console.log(`ok: ${o.expect.join(' -> ')} in ${o.lang}`);
  } catch (e) {
    exitCode = 1;
    const extra = problems.length ? '\n' + problems.join('\n') : '';
    console.log(`FAIL: ${e instanceof Failure ? e.message : e.stack || e}${extra}`);
  } finally {
    await browser.close();
  }
  process.exit(exitCode);
}

/* Both languages must have the same keys, and every consent version both texts. */
async function checkI18nTables(page) {
  const r = await page.evaluate(() => {
    const I = window.KS_I18N;
    if (!I) return { missing: ['window.KS_I18N'] };
    const vi = Object.keys(I.strings.vi);
    const en = Object.keys(I.strings.en);
    const missing = vi.filter((k) => !(k in I.strings.en)).map((k) => 'en:' + k)
      .concat(en.filter((k) => !(k in I.strings.vi)).map((k) => 'vi:' + k))
      .concat(vi.filter((k) => !I.strings.vi[k] || !I.strings.en[k]).map((k) => 'empty:' + k));
    for (const [v, texts] of Object.entries(I.consent)) {
      if (!texts.vi || !texts.en || texts.vi.points.length !== texts.en.points.length) missing.push('consent:' + v);
    }
    return { missing, count: vi.length };
  });
  check(r.missing.length === 0, 'i18n tables incomplete: ' + r.missing.join(', '));
  console.log(`i18n: ${r.count} strings in vi and en`);
}

function checkLanguage(s, lang) {
  check(s.heading.length > 0, `${s.state}: empty heading`);
  check(s.expected !== undefined, `${s.state}: heading has no i18n key`);
  check(s.heading === s.expected, `${s.state}: heading "${s.heading}" is not the ${lang} text "${s.expected}"`);
  check(s.htmlLang === lang && s.lang === lang, `${s.state}: page language is ${s.htmlLang}/${s.lang}, expected ${lang}`);
  if (lang === 'vi') check(VI_LETTERS.test(s.heading), `${s.state}: Vietnamese heading "${s.heading}" has no Vietnamese letter`);
  else {
    check(!VI_LETTERS.test(s.heading), `${s.state}: English heading "${s.heading}" has Vietnamese letters`);
    check(!s.otherLang.includes(s.heading), `${s.state}: heading "${s.heading}" is the same in another language`);
  }
  check(s.small.length === 0, `${s.state}: touch targets below ${MIN_TARGET_PX}px: ${s.small.join(', ')}`);
}

/* Checks the visible screen and saves it; returns false when the page moved
 * on before the screenshot (the shot is then discarded). */
async function captureStep(page, o, s, n) {
  checkLanguage(s, o.lang);
  if (s.state === 'consent') checkConsentText(s, o.lang);
  let shot = '';
  if (o.shots) {
    shot = path.join(o.shots, `${o.lang}-${n}-${s.state}.png`);
    await page.screenshot({ path: shot });
    const after = await page.evaluate(() => document.getElementById('screen').getAttribute('data-state'));
    if (after !== s.state) {
      fs.rmSync(shot, { force: true });
      console.log(`step ${n} ${s.state}: checked, but the screen moved on before the screenshot`);
      return false;
    }
  }
  const extra = [s.progress && `progress "${s.progress}"`, s.error && `error ${s.error}`, shot && `shot ${path.basename(shot)}`]
    .filter(Boolean).join(', ');
  console.log(`step ${n} ${s.state}: ok, heading "${s.heading}"${extra ? ' (' + extra + ')' : ''}`);
  return true;
}

function checkConsentText(s, lang) {
  check(s.consentText.length > 200, 'consent text is missing or too short');
  check(/vi-2026-01/.test(s.consentVersion), `consent version not shown ("${s.consentVersion}")`);
  if (lang === 'vi') check(VI_LETTERS.test(s.consentText), 'consent text is not Vietnamese');
  else check(!VI_LETTERS.test(s.consentText), 'consent text in en contains Vietnamese');
}

async function answerConsent(page, o, s) {
  checkConsentText(s, o.lang);
  const id = o.consent === 'accept' ? 'consent-accept' : 'consent-decline';
  await page.tap(`[data-testid="${id}"]`);
  console.log(`consent: tapped ${o.consent}`);
}

main();
