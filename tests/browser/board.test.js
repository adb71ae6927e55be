// board.test.js — the teacher board in Debian's headless Chromium, driven by
// playwright-core (no browser download).  Starts a real stempeld ($BIN) with
// the demo roster (every participant scheduled all day, a few names in their
// own script), then: log in, a tap appears on Today within 1 s, a
// self-declared sick day changes the status and the quota, a tap is
// corrected, an unknown card is enrolled.  Prints "ok - ..." / "not ok - ...";
// screenshots go to tests/out/screenshots/.
'use strict';
const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  ROOT, BIN, SHOTS, status, ok, freePort, ctl, tap, get, localDate, playDay,
} = require('./lib');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-browser-'));
let daemon = null;

// The Today row of `pid` once it has come in (present, or late after 00:00).
function arrived(pid) {
  return `tr[data-pid="${pid}"][data-status=present], tr[data-pid="${pid}"][data-status=late]`;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true, timeout: 120000 });
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const sock = path.join(dir, 'reader.sock');
  const conf = path.join(dir, 'stempel.conf');
  fs.writeFileSync(conf, `[kiosk]\nid = browser-test\nstate_dir = ${dir}/state\n` +
    `timezone = ${process.env.TZ || 'Europe/Oslo'}\n[tap]\ndebounce_s = 0\n` +
    `[reader]\nsocket = ${sock}\n[web]\nlisten = 127.0.0.1\nport = ${port}\n`);
  process.env.TZ = process.env.TZ || 'Europe/Oslo';

  // The demo roster, scheduled all day every day so Today is never empty.
  const roster = JSON.parse(fs.readFileSync(path.join(ROOT, 'board/demo/roster.json'), 'utf8'));
  const native = { 'P-000013': 'فاطمة الحسن', 'P-000004': 'احمد کریمی', 'P-000010': 'ዮሃንስ ተስፋይ',
    'P-000019': 'Marit <b>Lunde</b> & "co"' };
  for (const p of roster.participants) {
    p.schedule = { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }],
      exceptions: [] };
    if (native[p.id]) p.name = native[p.id];
  }
  roster.closures = []; // the demo closes on 24 and 31 Dec: nobody scheduled then either
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify(roster));
  ctl(conf, ['roster', 'import', path.join(dir, 'roster.json')]);
  ctl(conf, ['user', 'add', 'kari', '--role', 'teacher', '--language', 'nb', '--password-stdin'],
    'teacher password 1\n');
  ctl(conf, ['user', 'add', 'ola', '--role', 'admin', '--language', 'en', '--password-stdin'],
    'admin password 12\n');

  // The daemon lives at 12:00 kiosk-local today (its clock only): a run near midnight
  // cannot turn its day between the taps, the absence and the correction (a run from
  // 23:59:55 in Oslo saved the sick day on one day and read Today on the next).  On a
  // public holiday nobody is scheduled: then on the last day before it that is none.
  // The trusted-after date goes back with it (a clock before the build's commit is wrong).
  const now = new Date();
  const day = playDay(now);
  const noon = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 12, 0, 0);
  const env = Object.assign({}, process.env, {
    STEMPEL_CLOCK_OFFSET_S: String(Math.round((noon.getTime() - now.getTime()) / 1000)),
    STEMPEL_CLOCK_EPOCH: String(Math.floor(noon.getTime() / 1000) - 30 * 86400),
  });
  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf], { stdio: ['ignore', log, log], env });
  for (let i = 0; i < 300 && (await get(port, '/healthz')) === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  while (!fs.existsSync(sock)) await new Promise((r) => setTimeout(r, 50));
  const base = `http://127.0.0.1:${port}`;
  const today = localDate(noon);

  const ctx = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1180, height: 820 },
    locale: 'nb-NO',
  });
  const errors = [];
  try {
    const page = await ctx.newPage();
    // Script errors and CSP violations; a 401/403/404 answer is expected on some pages.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));

    // --- log in ---
    await page.goto(base + '/board');
    ok(page.url().endsWith('/board/login'), 'no session: /board redirects to the login page');
    await shot(page, '01-login');
    await page.fill('input[name=username]', 'kari');
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    ok(await page.isVisible('.error'), 'a wrong password shows an error on the login page');
    await page.fill('input[name=username]', 'kari');
    await page.fill('input[name=password]', 'teacher password 1');
    await Promise.all([page.waitForURL(base + '/board'), page.click('button[type=submit]')]);
    const rows = await page.locator('#today tbody tr').count();
    ok(rows === 20, 'log in: Today lists every participant scheduled today', `rows: ${rows}`);
    ok((await page.textContent('h1')).includes('I dag'), 'the teacher sees the board in bokmål');
    const esc = await page.textContent('tr[data-pid="P-000019"] a.name');
    ok(esc === 'Marit <b>Lunde</b> & "co"', 'names are escaped, never markup', esc);
    const rtl = await page.evaluate(() => {
      const a = document.querySelector('tr[data-pid="P-000013"] a.name');
      return a.getAttribute('dir') + ' ' + getComputedStyle(a).direction;
    });
    ok(rtl === 'auto rtl', 'an Arabic name is laid out right to left (dir=auto)', rtl);
    await page.waitForSelector('main[data-live="1"]', { timeout: 5000 });

    // --- a tap appears on Today within 1 s ---
    const before = await page.getAttribute('tr[data-pid="P-000001"]', 'data-status');
    const t0 = Date.now();
    const answer = await tap(sock, '04A1B201');
    // Selector waits: the board's CSP forbids eval, so no waitForFunction.
    let seen = true;
    await page.waitForSelector(arrived('P-000001'), { timeout: 1000 })
      .catch(() => { seen = false; });
    const ms = Date.now() - t0;
    ok(seen && ms <= 1000, `a simulated tap appears on Today within 1 s (${ms} ms)`,
      `before ${before}, reader answered ${answer}`);
    await shot(page, '02-today');

    // --- an unknown card is offered for enrollment and enrolled ---
    await tap(sock, 'DEADBEEF');
    let offered = true;
    await page.waitForSelector('#unknown tr[data-card^="hmac:"]', { timeout: 1000 })
      .catch(() => { offered = false; });
    ok(offered, 'an unknown card appears on Today within 1 s, by its card key (no UID)');
    const html = await page.content();
    ok(!/DEADBEEF/i.test(html), 'the card UID is nowhere on the board');
    await shot(page, '03-today-unknown-card');
    await Promise.all([page.waitForURL(/\/board\/enroll/), page.click('#unknown a.button')]);
    await page.selectOption('select[name=participant]', 'P-000020');
    await shot(page, '04-enroll');
    // P-000020 has a card from the roster: the board warns and asks again.
    await page.click('#enroll button[type=submit]');
    ok(await page.isVisible('#has-card'), 'enroll: the board warns that she already has a card');
    await Promise.all([page.waitForURL(/saved=enrolled/), page.click('#enroll button[type=submit]')]);
    ok(await page.isVisible('#flash') &&
       (await page.locator('#cards li[data-revoked="0"]').count()) === 2,
      'enroll: the card is enrolled for the chosen participant (her page lists both cards)');
    await page.goto(base + '/board');
    await page.waitForSelector('main[data-live="1"]', { timeout: 5000 });
    const reply = await tap(sock, 'DEADBEEF');
    let enrolled = true;
    await page.waitForSelector(arrived('P-000020'), { timeout: 1000 })
      .catch(() => { enrolled = false; });
    ok(enrolled && (await page.locator('#unknown tr').count()) === 0,
      'the enrolled card now taps in as its participant and left the unknown list', reply);

    // --- a self-declared sick day: status and quota change ---
    await page.goto(base + '/board/participant?id=P-000005');
    const usedBefore = Number(await page.textContent(
      'tr[data-quota=self_declared_occurrences] .used'));
    await page.goto(base + '/board');
    ok(await page.getAttribute('tr[data-pid="P-000005"]', 'data-status') !== 'excused',
      'before the sick note the participant is not excused');
    await page.click('tr[data-pid="P-000005"] a[href^="/board/absence"]');
    await page.selectOption('select[name=category]', 'sick_self_declared');
    await page.fill('input[name=from]', today);
    await page.fill('input[name=to]', today);
    await page.selectOption('select[name=documentation]', 'self_declared');
    await page.fill('textarea[name=comment]', 'Ringte inn syk kl. 07:45');
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    ok(await page.isVisible('#effect'), 'register absence: the effect is shown before saving');
    await shot(page, '05-absence-preview');
    await Promise.all([page.waitForURL(/saved=absence/), page.click('button[value=save]')]);
    const usedAfter = Number(await page.textContent(
      'tr[data-quota=self_declared_occurrences] .used'));
    ok(usedAfter === usedBefore + 1, 'the self-declared quota goes up by one occurrence',
      `${usedBefore} -> ${usedAfter}`);
    await shot(page, '06-participant-week');
    await page.goto(base + '/board');
    const st = await page.getAttribute('tr[data-pid="P-000005"]', 'data-status');
    ok(st === 'excused', 'Today shows the participant as excused', st);

    // --- a quota warning before saving ---
    const d = new Date(noon); d.setDate(d.getDate() - 4);
    await page.goto(base + `/board/absence?id=P-000008&from=${localDate(d)}`);
    await page.selectOption('select[name=category]', 'sick_self_declared');
    await page.fill('input[name=to]', today);
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    const warn = await page.isVisible('#quota-warning');
    ok(warn && (await page.isVisible('[data-note=self_declared_over_3_days]')),
      'five self-declared days: the board warns that a quota is exceeded and names the rule');
    await shot(page, '07-absence-quota-warning');

    // --- correct a tap: remove one, add one ---
    await page.goto(base + `/board/correct?id=P-000001&date=${today}`);
    const n0 = await page.locator('#taps tbody tr').count();
    await page.fill('#taps tbody tr:first-child input[name=reason]', 'Dobbeltstempling ved en feil');
    await Promise.all([page.waitForURL(/done=remove/), page.click('#taps tbody tr:first-child button')]);
    const n1 = await page.locator('#taps tbody tr').count();
    ok(n0 === 1 && n1 === 0, 'correct a tap: a tap is removed with a reason', `${n0} -> ${n1}`);
    await page.fill('#add-tap input[name=time]', '08:05');
    await page.selectOption('#add-tap select[name=direction]', 'in');
    await page.fill('#add-tap input[name=reason]', 'Glemte kortet, sett av lærer kl. 08:05');
    await Promise.all([page.waitForURL(/done=add/), page.click('#add-tap button')]);
    const added = await page.locator('#taps tbody tr[data-time="08:05"]').count();
    ok(added === 1, 'correct a tap: a tap is added with a reason');
    await shot(page, '08-correct');
    await page.goto(base + '/board/participant?id=P-000013&view=month');
    ok((await page.locator('#calendar td.day[data-date] a').count()) >= 28,
      'the participant month view draws a calendar grid, each day a link');
    await shot(page, '09-participant-month-rtl');

    // --- a teacher has no audit log; an admin sees every change in it ---
    const r = await page.goto(base + '/board/audit');
    ok(r.status() === 403, 'a teacher cannot open the audit log');
    await page.click('form.who button');
    await page.waitForURL(/\/board\/login/);
    await page.fill('input[name=username]', 'ola');
    await page.fill('input[name=password]', 'admin password 12');
    await Promise.all([page.waitForURL(base + '/board'), page.click('button[type=submit]')]);
    await page.goto(base + '/board/audit');
    const audit = await page.textContent('main');
    ok(/intact/.test(audit) && /card\.enroll/.test(audit) && /absence/.test(audit) &&
       /correction/.test(audit), 'the admin sees every change in the audit log, chain intact');
    await shot(page, '10-audit');

    // --- a tablet in portrait ---
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(base + '/board');
    const target = await page.evaluate(() =>
      document.querySelector('#today a.button').getBoundingClientRect().height);
    ok(target >= 44, `touch targets are at least 44 px high on a tablet (${target} px)`);
    await shot(page, '11-today-tablet');
    ok(errors.length === 0, 'no script errors or CSP violations in the browser', errors.join('\n'));
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { ok(false, 'browser test ran to the end', e.stack || e); })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    if (status.failures === 0 && !process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log('# state kept in ' + dir);
    process.exit(status.failures ? 1 : 0);
  });
