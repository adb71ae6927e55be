// kiosk.test.js — the participant screen (/kiosk) in Debian's headless Chromium:
// idle prompt in turn in every language, a tap shows icon, colour, name, time
// and the participant's own language (right to left for Arabic and Dari), an
// unknown card is answered in every language, and the screen keeps working
// after the daemon restarts.  Screenshots: tests/out/screenshots/kiosk-*.png.
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.BIN || 'build/asan');
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-kiosk-'));
let failures = 0;
let daemon = null;

function ok(cond, desc, detail) {
  console.log((cond ? 'ok - ' : 'not ok - ') + desc);
  if (!cond) {
    failures++;
    if (detail) String(detail).split('\n').slice(0, 20).forEach((l) => console.log('    ' + l));
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function tap(sock, uid) {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock, () => c.write(uid + '\n'));
    c.on('data', () => { c.end(); resolve(); });
    c.on('error', reject);
  });
}

async function startDaemon(conf, sock) {
  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  try { fs.unlinkSync(sock); } catch (e) { /* first start */ }
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 600 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const sock = path.join(dir, 'reader.sock');
  const conf = path.join(dir, 'stempel.conf');
  fs.writeFileSync(conf, `[kiosk]\nstate_dir = ${dir}/state\ntimezone = UTC\n[tap]\n` +
    `debounce_s = 0\n[reader]\nsocket = ${sock}\n[web]\nport = ${port}\n`);
  const roster = { participants: [
    { id: 'P-1', name: 'فاطمة الحسن', language: 'ar', programme_start: '2026-01-05', cards: ['04A1B201'],
      schedule: { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }] } },
    { id: 'P-2', name: 'ዮሃንስ ተስፋይ', language: 'ti', programme_start: '2026-01-05', cards: ['04A1B202'],
      schedule: { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }] } },
    { id: 'P-3', name: 'Olena Kovalenko', language: 'uk', programme_start: '2026-01-05', cards: ['04A1B203'],
      schedule: { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }] } },
  ] };
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify(roster));
  execFileSync(path.join(BIN, 'stempelctl'), ['-c', conf, 'roster', 'import', path.join(dir, 'roster.json')]);
  await startDaemon(conf, sock);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 600 } });
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
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-idle.png') });

    await tap(sock, '04A1B201');
    await page.locator('#name', { hasText: 'فاطمة' }).waitFor({ timeout: 2000 });
    ok(await page.textContent('#name') === 'فاطمة الحسن', 'a tap shows the participant\'s name');
    ok(await page.getAttribute('#msg', 'dir') === 'rtl' && await page.getAttribute('#msg', 'lang') === 'ar',
      'Arabic: the message is in Arabic, right to left', await page.textContent('#msg'));
    ok(await page.getAttribute('#screen', 'class') === 'green', 'accepted: the screen is green');
    ok(/^\d\d:\d\d$/.test(await page.textContent('#time')), 'the time of the tap is shown');
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-accepted-ar.png') });

    await tap(sock, '04A1B202');
    await page.locator('#name', { hasText: 'ዮሃንስ' }).waitFor({ timeout: 3000 });
    ok(await page.getAttribute('#msg', 'lang') === 'ti', 'Tigrinya participant: message in Tigrinya',
      await page.textContent('#msg'));
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-accepted-ti.png') });

    await tap(sock, 'DEADBEEF');
    await page.waitForSelector('#msgs div', { timeout: 3000 });
    const n = await page.locator('#msgs div').count();
    ok(n === 8 && await page.getAttribute('#screen', 'class') === 'red',
      'unknown card: red, "ask a teacher" in all 8 languages', `lines: ${n}`);
    ok(await page.locator('#icon svg').count() === 1, 'unknown card: an icon, not only words');
    await page.screenshot({ path: path.join(SHOTS, 'kiosk-unknown.png') });

    // the daemon restarts: the screen reconnects by itself and answers again
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.on('exit', r));
    await startDaemon(conf, sock);
    await page.waitForTimeout(2500);
    await tap(sock, '04A1B203');
    await page.locator('#name', { hasText: 'Olena Kovalenko' }).waitFor({ timeout: 5000 })
      .catch(() => {});
    ok(await page.textContent('#name') === 'Olena Kovalenko',
      'after a daemon restart the screen reconnects and shows the next tap');
    ok(errors.length === 0, 'no script errors on the kiosk page', errors.join('\n'));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { failures++; console.log('not ok - kiosk browser test crashed'); console.log('    ' + e.stack); })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(failures ? 1 : 0);
  });
