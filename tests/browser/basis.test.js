// basis.test.js — the basis for a decision (enkeltvedtak) in Debian's headless
// Chromium.  A real stempeld ($BIN) with the demo roster plays the demo month
// (December 2026, in service from the 1st, a few taps and absences), then for
// every participant: basis.json carries exactly the stipend.json line and its
// days add up to it, and the printable page (from the payroll API) shows the
// same gross, deduction, net and hours; the first page is printed to an A4 PDF;
// the board's participant page links to the same page.  Prints "ok - ..." /
// "not ok - ..."; the PDF and a screenshot go to tests/out/screenshots/.
'use strict';
const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { ROOT, BIN, SHOTS, status, ok, freePort, ctl } = require('./lib');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-basis-'));
let daemon = null;

function request(port, p, token) {
  return new Promise((resolve) => {
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    http.get({ host: '127.0.0.1', port, path: p, headers }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { body += d; });
      r.on('end', () => resolve({ status: r.statusCode, body }));
    }).on('error', () => resolve({ status: 0, body: '' }));
  });
}

// "21693.33" as the page prints it in Norwegian: "21693,33".
const nb = (s) => String(s).replace('.', ',');

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'stempel.conf');
  fs.writeFileSync(conf, `[kiosk]\nid = basis-test\nstate_dir = ${dir}/state\n` +
    `timezone = Europe/Oslo\n[reader]\nsocket = ${dir}/reader.sock\n` +
    `[web]\nlisten = 127.0.0.1\nport = ${port}\n`);
  process.env.TZ = 'Europe/Oslo';
  // The demo month seen on 3 December 2026 at 12:00 (trusted: the build is later).
  const at = Date.UTC(2026, 11, 3, 11, 0, 0) / 1000;
  process.env.STEMPEL_CLOCK_OFFSET_S = String(Math.round(at - Date.now() / 1000));
  process.env.STEMPEL_CLOCK_EPOCH = String(at - 86400 * 365);

  const roster = JSON.parse(fs.readFileSync(path.join(ROOT, 'board/demo/roster.json'), 'utf8'));
  roster.participants.find((p) => p.id === 'P-000013').name = 'فاطمة الحسن';
  roster.participants.find((p) => p.id === 'P-000019').name = 'Marit <b>Lunde</b> & "co"';
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify(roster));
  ctl(conf, ['roster', 'import', path.join(dir, 'roster.json')]);
  ctl(conf, ['attendance', 'results-from', '2026-12-01']);
  ctl(conf, ['g', 'add', '2026-05-01', '130160']);
  ctl(conf, ['user', 'add', 'kari', '--role', 'teacher', '--language', 'nb', '--password-stdin'],
    'teacher password 1\n');
  // Some came, some came late, one was sick with a note, one self-declared.
  for (const [pid, day, inn, out] of [['P-000001', '2026-12-01', '08:25', '14:35'],
    ['P-000001', '2026-12-02', '08:50', '14:30'], ['P-000004', '2026-12-01', '08:30', '12:00'],
    ['P-000013', '2026-12-02', '08:29', '14:31']]) {
    ctl(conf, ['correction', 'add', pid, day, inn, 'in', '--reason', 'paper list']);
    ctl(conf, ['correction', 'add', pid, day, out, 'out', '--reason', 'paper list']);
  }
  ctl(conf, ['absence', 'add', 'P-000005', 'sick_doctor', '2026-12-01', '2026-12-02',
    '--documentation', 'doctor_note']);
  ctl(conf, ['absence', 'add', 'P-000009', 'sick_self_declared', '2026-12-02']);
  const token = ctl(conf, ['token', 'create', '--scope', 'payroll', '--name', 'lonn']).trim();

  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 300 && (await request(port, '/healthz')).status === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  const base = `http://127.0.0.1:${port}`;

  const list = JSON.parse((await request(port, '/api/v1/periods', token)).body);
  const dec = list.periods.find((p) => p.from === '2026-12-01');
  const st = await request(port, `/api/v1/periods/${dec.id}/stipend.json`, token);
  const doc = JSON.parse(st.body);
  const lines = doc.lines.filter((l) => l.kind === 'line');
  ok(st.status === 200 && doc.preliminary === true && lines.length === 20,
    'stipend.json of the demo month: 20 lines, preliminary on the 3rd', st.body.slice(0, 300));

  const ctx = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 900, height: 1200 },
    locale: 'nb-NO',
  });
  const errors = [];
  try {
    const page = await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setExtraHTTPHeaders({ Authorization: 'Bearer ' + token });
    let jsonSame = 0, daysAdd = 0, pageSame = 0;
    const bad = [];
    for (const l of lines) {
      const bj = await request(port,
        `/api/v1/periods/${dec.id}/participants/${l.participant}/basis.json`, token);
      const basis = JSON.parse(bj.body);
      if (JSON.stringify(basis.line) === JSON.stringify(l)) jsonSame++;
      else bad.push(`${l.participant}: basis.json line differs`);
      const sum = (k) => basis.days.reduce((a, d) => a + d[k], 0);
      if (sum('scheduled_min') === l.scheduled_min && sum('attended_min') === l.attended_min &&
          sum('unexcused_min') === l.unexcused_min && sum('pending_min') === l.pending_min &&
          basis.days.every((d) => d.state !== 'final' || d.pending_min === 0) &&
          basis.days.every((d) => d.state === 'final' || (d.unexcused_min === 0 &&
            d.deduction === '0.00')))
        daysAdd++;
      else bad.push(`${l.participant}: the days do not add up to the line`);

      await page.goto(`${base}/api/v1/periods/${dec.id}/participants/${l.participant}/basis`);
      const cells = await page.$$eval('#summary tr', (trs) => trs.map((tr) =>
        [tr.querySelector('th').textContent, tr.querySelector('td').textContent.trim()]));
      const get = (label) => (cells.find((c) => c[0].startsWith(label)) || [])[1];
      const want = [['Planlagt', nb(l.scheduled_hours)], ['Til stede', nb(l.attended_hours)],
        ['Ugyldig', nb(l.unexcused_hours)], ['Ikke vurdert', nb(l.pending_hours)],
        ['Brutto', nb(l.gross) + ' kr'], ['Trekk', nb(l.deduction) + ' kr'],
        ['Netto', nb(l.net) + ' kr'], ['Timesats', nb(l.hour_value) + ' kr']];
      const miss = want.filter(([k, v]) => get(k) !== v);
      const name = await page.textContent('table.meta tr:first-child td');
      const status = await page.getAttribute('#status', 'data-status');
      if (miss.length === 0 && name === l.name && status === 'preliminary') pageSame++;
      else bad.push(`${l.participant}: page ${JSON.stringify(miss)} ${name} ${status}`);
    }
    ok(jsonSame === 20, 'basis.json carries exactly the stipend.json line of every participant',
      bad.join('\n'));
    ok(daysAdd === 20, 'every basis\'s days add up to its line; only final days are judged',
      bad.join('\n'));
    ok(pageSame === 20, 'every printable page shows the stipend.json figures, marked FORELØPIG',
      bad.join('\n'));

    // One with a deduction, printed to A4.
    const late = lines.find((l) => l.participant === 'P-000004');
    ok(late.deduction !== '0.00' && late.unexcused_min === 150 + 360,
      'P-000004: left early on the 1st and absent on the 2nd is deducted', JSON.stringify(late));
    await page.goto(`${base}/api/v1/periods/${dec.id}/participants/P-000004/basis?lang=en`);
    ok((await page.textContent('h1')).startsWith('Basis for a formal decision'),
      '?lang=en gives the English page');
    await page.screenshot({ path: path.join(SHOTS, 'basis-P-000004.png'), fullPage: true });
    const pdf = path.join(SHOTS, 'basis-P-000004.pdf');
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    const bytes = fs.readFileSync(pdf);
    ok(bytes.slice(0, 5).toString() === '%PDF-' && bytes.length > 10000,
      'Chromium prints the basis to an A4 PDF', `${bytes.length} bytes`);
    ok(errors.length === 0, 'no script errors or CSP violations on the basis pages',
      errors.join('\n'));

    // The board: a teacher opens the participant page and follows the link.
    const board = await ctx.newPage();
    await board.setExtraHTTPHeaders({});
    await board.goto(base + '/board/login');
    await board.fill('input[name=username]', 'kari');
    await board.fill('input[name=password]', 'teacher password 1');
    await Promise.all([board.waitForURL(base + '/board'), board.click('button[type=submit]')]);
    await board.goto(base + '/board/participant?id=P-000004&view=month&date=2026-12-03');
    const href = await board.getAttribute('#basis', 'href');
    ok(href && href.includes('period=' + dec.id), 'the participant page links to the basis',
      href);
    await board.goto(base + href);
    const prelim = await board.textContent('#status');
    const ded = await board.$$eval('#summary tr', (trs) => trs.map((tr) =>
      tr.textContent)).then((t) => t.find((x) => x.startsWith('Trekk')));
    ok(prelim.startsWith('FORELØPIG') && ded && ded.includes(nb(late.deduction)),
      'the board\'s basis page is the same document, in the teacher\'s language', prelim);
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { status.failures++; console.log('not ok - ' + e.stack.split('\n').join('\n    ')); })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(status.failures ? `# ${status.failures} failed` : '# all passed');
    process.exit(status.failures ? 1 : 0);
  });
