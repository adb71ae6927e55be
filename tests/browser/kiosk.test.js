// kiosk.test.js — the participant screen (/kiosk) in Debian's headless Chromium:
// idle prompt in turn in every language, the idle clock in the kiosk's time zone
// (not the browser's), a tap shows icon, colour, name, time and the participant's
// own language (right to left for Arabic), a second tap soon after checking in is
// "already in since HH:MM" (blue, no check-out), an early leave says so with the
// session's end, the participant's week follows the answer (mirrored for RTL), the
// <audio> element gets each outcome's clip, an unknown card is answered in every
// language, and when the daemon is gone for more than 3 s the whole screen says
// "out of order" in every language.  Screenshots: tests/out/screenshots/kiosk-*.png.
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, BIN, SHOTS, status, ok, freePort, tap } = require('./lib');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-kiosk-'));
let daemon = null;

async function startDaemon(conf, sock, env) {
  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  try { fs.unlinkSync(sock); } catch (e) { /* first start */ }
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf],
    { stdio: ['ignore', log, log], env: Object.assign({}, process.env, env || {}) });
  for (let i = 0; i < 600 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
}

async function stopDaemon() {
  const d = daemon;
  daemon = null;
  d.kill('SIGTERM');
  await new Promise((r) => d.on('exit', r));
}

const KIOSK_TZ = 'Asia/Kathmandu'; // +05:45: never the browser's zone (the test runs it in UTC)
const KIOSK_UTC_OFFSET_MIN = 345; // Kathmandu keeps +05:45 all year

// Seconds from now to the next 12:00 on the kiosk's wall clock.
function kioskNoonOffset() {
  const day = 86400;
  const local = Math.floor(Date.now() / 1000) + KIOSK_UTC_OFFSET_MIN * 60;
  return ((12 * 3600 - (local % day)) % day + day) % day;
}
const ALLDAY = { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' }] };

// The week after a tap: waits for it and returns what a participant sees.
async function weekView(page) {
  await page.locator('#week.on #days .day').first().waitFor({ timeout: 5000 });
  return page.evaluate(() => {
    const days = [...document.querySelectorAll('#days .day')];
    return {
      dir: document.getElementById('week').dir,
      states: days.map((d) => d.dataset.state),
      xs: days.map((d) => d.getBoundingClientRect().x),
      icons: days.filter((d) => d.querySelector('svg')).length,
      sessions: [...document.querySelectorAll('#today .sess')].map((e) => e.textContent),
      quotas: [...document.querySelectorAll('#quotas .quota')].map((e) => e.dataset.quota),
    };
  });
}

async function audioClip(page) {
  return page.evaluate(() => new URL(document.getElementById('audio').src, location.href).pathname);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const sock = path.join(dir, 'reader.sock');
  const conf = path.join(dir, 'stempel.conf');
  fs.writeFileSync(conf, `[kiosk]\nstate_dir = ${dir}/state\ntimezone = ${KIOSK_TZ}\n` +
    `show_quotas = true\nsound = on\nvolume = 60\n[tap]\ndebounce_s = 0\nmin_presence_min = 20\n` +
    `[reader]\nsocket = ${sock}\n[web]\nport = ${port}\n`);
  const roster = { participants: [
    { id: 'P-1', name: 'فاطمة الحسن', language: 'ar', programme_start: '2026-01-05', cards: ['04A1B201'],
      schedule: ALLDAY },
    { id: 'P-2', name: 'ዮሃንስ ተስፋይ', language: 'ti', programme_start: '2026-01-05', cards: ['04A1B202'],
      schedule: { template: [] } },
    { id: 'P-3', name: 'Olena Kovalenko', language: 'uk', programme_start: '2026-01-05', cards: ['04A1B203'],
      schedule: ALLDAY },
    { id: 'P-4', name: 'Гуль Ахмади', language: 'ru', programme_start: '2026-01-05', cards: ['04A1B204', '04A1B2FF'],
      schedule: ALLDAY },
  ] };
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify(roster));
  const ctl = (...args) => execFileSync(path.join(BIN, 'stempelctl'), ['-c', conf, ...args]);
  ctl('roster', 'import', path.join(dir, 'roster.json'));
  ctl('card', 'revoke', '04A1B2FF');
  // The daemons run at the next kiosk-local noon (their clocks only), so every
  // tap below falls on one kiosk-local day whatever the hour of the run.  Half an
  // hour before it, Olena checks in, so that her tap later is a check-out during
  // the session, past the 20-minute window.
  const noon = kioskNoonOffset();
  const early = { STEMPEL_CLOCK_EPOCH: String(Math.floor(Date.now() / 1000) - 2 * 86400) };
  await startDaemon(conf, sock, { ...early, STEMPEL_CLOCK_OFFSET_S: String(noon - 1800) });
  await tap(sock, '04A1B203');
  await stopDaemon();
  const atNoon = { ...early, STEMPEL_CLOCK_OFFSET_S: String(noon) };
  await startDaemon(conf, sock, atNoon);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 600 }, timezoneId: 'UTC' });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/kiosk`);
    await page.locator('#prompt:not(:empty)').waitFor({ timeout: 5000 });
    const prompts = new Set();
    for (let i = 0; i < 4; i++) {
      prompts.add(await page.textContent('#prompt'));
      await page.waitForTimeout(2600);
    }
    ok(prompts.size >= 2, 'idle: the prompt changes language', [...prompts].join(' | '));

    // the idle clock: the kiosk's zone from the daemon, not the browser's (UTC here)
    // (the page's clock is the browser's time, redrawn every 2.5 s: it may still
    // show the minute that just ended)
    const fmt = (tz, ago = 0) => new Date(Date.now() - ago).toLocaleTimeString('nb-NO',
      { hour: '2-digit', minute: '2-digit', timeZone: tz });
    const want = [fmt(KIOSK_TZ, 3000)];
    const clock = await page.textContent('#clock');
    want.push(fmt(KIOSK_TZ));
    ok(want.includes(clock) && clock !== fmt('UTC'),
      `idle clock shows the kiosk's time zone (${KIOSK_TZ}), not the browser's`,
      `clock ${clock}, kiosk ${want.join('/')}, browser ${fmt('UTC')}`);
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-idle.png') });

    // Arabic (RTL): check-in, then the week
    await tap(sock, '04A1B201');
    await page.locator('#name', { hasText: 'فاطمة' }).waitFor({ timeout: 2000 });
    ok(await page.textContent('#name') === 'فاطمة الحسن', 'a tap shows the participant\'s name');
    ok(await page.getAttribute('#msg', 'dir') === 'rtl' && await page.getAttribute('#msg', 'lang') === 'ar',
      'Arabic: the message is in Arabic, right to left', await page.textContent('#msg'));
    ok((await page.getAttribute('#screen', 'class')).split(' ').includes('green'), 'accepted: the screen is green');
    const inTime = await page.textContent('#time');
    ok(/^\d\d:\d\d$/.test(inTime), 'the time of the tap is shown');
    ok(await audioClip(page) === '/kiosk/sound/ar/accepted_in.wav', 'accepted_in: the Arabic clip plays',
      await audioClip(page));
    let w = await weekView(page);
    ok(w.dir === 'rtl' && w.states.includes('today') && w.icons === w.states.length && w.states.length >= 5,
      'week view in Arabic: right to left, today marked, an icon per day', JSON.stringify(w));
    ok(w.xs.every((x, i) => i === 0 || x < w.xs[i - 1]),
      'RTL: the week runs from right to left (Monday rightmost)', JSON.stringify(w.xs));
    ok(!w.states.includes('unexcused'), 'week: no day shown as unexcused that is not final', w.states.join(','));
    ok(w.sessions.length === 1 && /00:00.23:59/.test(w.sessions[0]), "week: today's session with its times",
      JSON.stringify(w.sessions));
    ok(w.quotas.includes('sick') && w.quotas.includes('child_sick'), 'show_quotas: sick days left are shown',
      JSON.stringify(w.quotas));
    const text = await page.textContent('#screen');
    ok(!/kr|NOK|øre|\d+,\d\d/.test(text), 'nothing about money on the kiosk screen', text);
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-accepted-ar-week.png') });

    // a second tap within min_presence_min: "already in since", blue, nothing checked out
    await page.waitForTimeout(1200);
    await tap(sock, '04A1B201');
    await page.locator('#screen.blue').waitFor({ timeout: 3000 });
    const msg = await page.textContent('#msg');
    ok(msg.includes(inTime) && msg.includes('مسجَّل'),
      'second tap within the window: "already checked in since HH:MM" in Arabic', msg);
    ok(await page.locator('#icon svg').count() === 1 && await page.getAttribute('#screen', 'class') !== 'green',
      'already in: its own colour (blue) and icon, not the green of check-in/out');
    ok(await audioClip(page) === '/kiosk/sound/ar/already_registered.wav', 'already in: its own clip',
      await audioClip(page));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-already-in-ar.png') });

    // an early leave: Olena checked in 30 min ago, the session runs until 23:59
    await tap(sock, '04A1B203');
    await page.locator('#name', { hasText: 'Olena Kovalenko' }).waitFor({ timeout: 3000 });
    const note = await page.textContent('#note');
    ok(await page.getAttribute('#screen', 'class') !== 'green' && note.includes('23:59') &&
      await page.getAttribute('#note', 'lang') === 'uk',
      'early leave: amber, says it is early with the session end, in Ukrainian', note);
    ok(await audioClip(page) === '/kiosk/sound/uk/accepted_out.wav', 'accepted_out: the Ukrainian clip',
      await audioClip(page));
    w = await weekView(page);
    ok(w.dir === 'ltr' && w.xs.every((x, i) => i === 0 || x > w.xs[i - 1]) && w.states.includes('today'),
      'week view in Ukrainian: left to right, Monday leftmost', JSON.stringify(w));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-early-leave-uk-week.png') });

    // no class today (Tigrinya has no espeak-ng voice: the outcome's tone)
    await tap(sock, '04A1B202');
    await page.locator('#name', { hasText: 'ዮሃንስ' }).waitFor({ timeout: 3000 });
    ok(await page.getAttribute('#msg', 'lang') === 'ti', 'Tigrinya participant: message in Tigrinya',
      await page.textContent('#msg'));
    ok(await audioClip(page) === '/kiosk/sound/tone/not_scheduled.wav',
      'not_scheduled in Tigrinya (no voice): the tone', await audioClip(page));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-not-scheduled-ti.png') });

    await tap(sock, '04A1B2FF');
    await page.locator('#screen.red').waitFor({ timeout: 3000 });
    ok(await audioClip(page) === '/kiosk/sound/ru/revoked_card.wav', 'revoked_card: the Russian clip',
      await audioClip(page));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-revoked-ru.png') });

    await tap(sock, 'DEADBEEF');
    await page.waitForSelector('#msgs div', { timeout: 3000 });
    const n = await page.locator('#msgs div').count();
    ok(n === 11 && (await page.getAttribute('#screen', 'class')).split(' ').includes('red'),
      'unknown card: red, "ask a teacher" in all 11 languages', `lines: ${n}`);
    ok(await page.locator('#icon svg').count() === 1, 'unknown card: an icon, not only words');
    const fits = await page.evaluate(() => {
      const all = ['icon', 'name', 'time', 'msgs'].map((i) => document.getElementById(i).getBoundingClientRect());
      return all.every((r) => r.top >= 0 && r.bottom <= innerHeight);
    });
    ok(fits, 'unknown card: the icon and all 11 languages fit on the screen');
    ok(await audioClip(page) === '/kiosk/sound/tone/unknown_card.wav', 'unknown card: the tone (no language known)',
      await audioClip(page));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-unknown.png') });
    const clip = await page.request.get(`http://127.0.0.1:${port}/kiosk/sound/ar/accepted_in.wav`);
    const bytes = await clip.body();
    ok(clip.status() === 200 && bytes.slice(0, 4).toString() === 'RIFF', 'the clip is served as WAV');
    const bad = await page.request.get(`http://127.0.0.1:${port}/kiosk/sound/..%2f..%2fetc/passwd.wav`);
    ok(bad.status() === 404, 'no path games on /kiosk/sound/');

    // the daemon stops: after 3 s the whole screen is "out of order" in every language
    await page.waitForTimeout(7500); // back to idle
    await stopDaemon();
    await page.locator('#ooo.on').waitFor({ timeout: 8000 }).catch(() => {});
    const ooo = await page.evaluate(() => ({
      on: document.getElementById('ooo').className === 'on',
      lines: [...document.querySelectorAll('#ooo div.l')].map((e) => e.lang),
      covers: (() => { const r = document.getElementById('ooo').getBoundingClientRect(); return r.width >= innerWidth && r.height >= innerHeight; })(),
      top: document.elementFromPoint(innerWidth / 2, innerHeight - 30).closest('#ooo') !== null,
    }));
    ok(ooo.on && ooo.lines.length === 11 && ooo.lines.includes('ps') && ooo.lines.includes('kmr'),
      'daemon stopped: "out of order" in all 11 languages', JSON.stringify(ooo));
    ok(ooo.covers && ooo.top, 'out of order: the whole screen, no card invitation visible');
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-out-of-order.png') });

    // the daemon restarts: the screen reconnects by itself and answers again
    await startDaemon(conf, sock, atNoon);
    await page.locator('#ooo:not(.on)').waitFor({ timeout: 8000 }).catch(() => {});
    ok(await page.getAttribute('#ooo', 'class') !== 'on', 'daemon back: the out-of-order screen goes away');
    await page.waitForTimeout(1500);
    await tap(sock, '04A1B204');
    await page.locator('#name', { hasText: 'Гуль' }).waitFor({ timeout: 5000 }).catch(() => {});
    ok(await page.textContent('#name') === 'Гуль Ахмади',
      'after a daemon restart the screen reconnects and shows the next tap');
    ok(await page.getAttribute('#msg', 'lang') === 'ru', 'Russian participant: message in Russian');
    ok(errors.length === 0, 'no script errors on the kiosk page', errors.join('\n'));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { status.failures++; console.log('not ok - kiosk browser test crashed'); console.log('    ' + e.stack); })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(status.failures ? 1 : 0);
  });
