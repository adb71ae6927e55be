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

module.exports = { ROOT, BIN, SHOTS, status, ok, freePort, ctl, tap, get, localDate };
