// kiosk_paint.js — tap -> kiosk screen painted, in Debian's headless Chromium.
// A kiosk with PAINT_PARTICIPANTS participants (a session every day, quotas
// shown) gets PAINT_TAPS taps through the simulated reader, one every 250-450 ms
// (a queue at the door); the page records, for each answer, the first animation
// frame after the DOM shows it (double requestAnimationFrame: the frame after
// the one that contains the change) and the same for the week view.  The
// interval is from the moment the UID is written to the reader socket.  Prints
// one JSON line: {"answer": {p50, p95, p99, max, n}, "week": {...},
// "week_after_answer": {...}} (the last: how long after the answer the week's
// event changed the page; both usually land in the same frame).  It measures;
// it never fails on a figure.  Used by report.py; run alone: BIN=build/rel node ...
'use strict';
// playwright-core lives with the browser tests (make browser-deps)
const { chromium } = require(require('path').resolve(__dirname, '..', 'browser', 'node_modules', 'playwright-core'));
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.BIN || 'build/rel');
const N = +(process.env.PAINT_PARTICIPANTS || 200);
const TAPS = +(process.env.PAINT_TAPS || 300);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-paint-'));
let daemon = null;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return s.length ? { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1], n: s.length } : null;
}

async function main() {
  const port = await freePort();
  const sock = path.join(dir, 'reader.sock');
  const conf = path.join(dir, 'stempel.conf');
  fs.writeFileSync(conf, `[kiosk]\nstate_dir = ${dir}/state\ntimezone = Europe/Oslo\nshow_quotas = true\n` +
    `log_level = warn\n[tap]\ndebounce_s = 0\n[reader]\nsocket = ${sock}\n[web]\nport = ${port}\n`);
  const langs = ['nb', 'ar', 'uk', 'so', 'ti', 'fa-AF', 'ru', 'ps', 'kmr', 'en', 'nn'];
  const participants = [];
  for (let i = 0; i < N; i++) {
    participants.push({ id: 'P-' + (i + 1), name: 'Deltaker ' + (i + 1), language: langs[i % langs.length],
      programme_start: '2026-01-05', cards: [(0x04B10000 + i).toString(16).toUpperCase().padStart(8, '0')],
      schedule: { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' }] } });
  }
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify({ participants }));
  execFileSync(path.join(BIN, 'stempelctl'), ['-c', conf, 'roster', 'import', path.join(dir, 'roster.json')]);
  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 600 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  const reader = net.createConnection(sock);
  await new Promise((r) => reader.on('connect', r));
  reader.on('data', () => {});

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage({ viewport: { width: 1024, height: 600 } });
  await page.addInitScript(() => {
    window.__painted = [];
    // seen: when the DOM changed; t: the frame after the one that shows it
    const frame = (kind, key) => {
      const seen = performance.timeOrigin + performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() =>
        window.__painted.push({ kind, key, seen, t: performance.timeOrigin + performance.now() })));
    };
    new MutationObserver(() => {
      const n = document.getElementById('name');
      const w = document.getElementById('week');
      if (n && n.textContent && n.dataset.seen !== n.textContent + document.getElementById('time').textContent) {
        n.dataset.seen = n.textContent + document.getElementById('time').textContent;
        frame('answer', n.textContent);
      }
      if (w && w.className === 'on' && w.dataset.seen !== w.innerHTML.length + n.textContent) {
        w.dataset.seen = w.innerHTML.length + n.textContent;
        frame('week', n.textContent);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.goto(`http://127.0.0.1:${port}/kiosk`);
  await page.locator('#prompt:not(:empty)').waitFor({ timeout: 10000 });
  const sent = [];
  for (let i = 0; i < TAPS; i++) {
    const p = participants[i % N];
    sent.push({ name: p.name, t: Date.now() });
    reader.write(p.cards[0] + '\n');
    await new Promise((r) => setTimeout(r, 250 + Math.random() * 200));
  }
  await page.waitForTimeout(1500);
  const painted = await page.evaluate(() => window.__painted);
  const answer = [], week = [], gap = [];
  let j = 0;
  for (const s of sent) { // painted events come in order; match each tap to its first paint
    const a = painted.slice(j).find((x) => x.kind === 'answer' && x.key === s.name && x.t >= s.t);
    if (a) { answer.push(a.t - s.t); j = painted.indexOf(a); }
    const w = painted.slice(j).find((x) => x.kind === 'week' && x.key === s.name && x.t >= s.t);
    if (w) week.push(w.t - s.t);
    if (a && w) gap.push(w.seen - a.seen); // the week's event after the answer's, in the page
  }
  await browser.close();
  reader.end();
  console.log(JSON.stringify({ answer: stats(answer), week: stats(week), week_after_answer: stats(gap),
    taps: TAPS, participants: N }));
}

main().catch((e) => { console.error(e.stack); process.exitCode = 1; })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });
