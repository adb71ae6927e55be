// lib.js — what the browser tests share: paths, the "ok - / not ok -" lines and
// their count, a free port, stempelctl, a tap on the simulated reader, a plain
// GET and a local date.  Each *.test.js requires it and drives its own daemon.
'use strict';
const { execFileSync } = require('child_process');
const http = require('http');
const net = require('net');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.BIN || 'build/asan');
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
// The count of failed checks; a test exits non-zero when it is not 0.
const status = { failures: 0 };

function ok(cond, desc, detail) {
  if (cond) {
    console.log('ok - ' + desc);
  } else {
    status.failures++;
    console.log('not ok - ' + desc);
    if (detail) String(detail).split('\n').slice(0, 30).forEach((l) => console.log('    ' + l));
  }
  return cond;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function ctl(conf, args, input) {
  return execFileSync(path.join(BIN, 'stempelctl'), ['-c', conf, ...args],
    { input: input || '', encoding: 'utf8', timeout: 60000 });
}

// A card on the simulated reader's socket; resolves with the reader's one-line reply.
function tap(sock, uid) {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock, () => c.write(uid + '\n'));
    let reply = '';
    c.on('data', (d) => { reply += d; if (reply.endsWith('\n')) { c.end(); resolve(reply.trim()); } });
    c.on('error', reject);
  });
}

function get(port, p) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: p }, (r) => { r.resume(); resolve(r.statusCode); })
      .on('error', () => resolve(0));
  });
}

function localDate(d) {
  const z = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + z(d.getMonth() + 1) + '-' + z(d.getDate());
}

// Is the local date of d a Norwegian public holiday (RULES.md: not scheduled, whatever
// the template says)?  As tests/rules/reference.py computes them: Easter by the
// Gregorian computus, then Maundy Thursday, Good Friday, Easter Sunday and Monday,
// Ascension Day, Whit Sunday and Monday, and 1 Jan, 1 May, 17 May, 25 and 26 Dec.
function holidayNO(d) {
  const y = d.getFullYear();
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, dd = Math.floor(b / 4), e = b % 4;
  const g = Math.floor((8 * b + 13) / 25);
  const h = (19 * a + b - dd - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 19 * l) / 433);
  const month = Math.floor((h + l - 7 * m + 90) / 25);
  const day = (h + l - 7 * m + 33 * month + 19) % 32;
  const easter = Date.UTC(y, month - 1, day);
  const offset = (Date.UTC(y, d.getMonth(), d.getDate()) - easter) / 86400000;
  const md = (d.getMonth() + 1) * 100 + d.getDate();
  return [-3, -2, 0, 1, 39, 49, 50].includes(offset) || [101, 501, 517, 1225, 1226].includes(md);
}

// The day a test plays: today, or the last day before it that is no public holiday
// (the tests' participants are scheduled every day, and nobody on a holiday).
function playDay(now = new Date()) {
  const d = new Date(now);
  while (holidayNO(d)) d.setDate(d.getDate() - 1);
  return d;
}

module.exports = {
  ROOT, BIN, SHOTS, status, ok, freePort, ctl, tap, get, localDate, holidayNO, playDay,
};
