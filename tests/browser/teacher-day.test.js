// teacher-day.test.js — a teacher's day on the board only, in Debian's headless
// Chromium (playwright-core), on a phone (390 px), a tablet (1024 px) and a desktop
// (1366 px).  A real stempeld ($BIN) with the demo roster in two groups, every
// participant scheduled 08:30-14:30; the daemon's clock is set to today 08:20 and
// later moved to 09:05 (STEMPEL_CLOCK_FILE).  The day: nobody is absent before the
// start; arrivals (simulated reader), a late one; counts, search and the group
// filter; a sick note with its preview; a wrong absence withdrawn and another
// changed; a card replaced by tapping the new one; a correction that makes a
// participant "left", taps in time order and a stray-tap flag; the class view
// printed (page.pdf); the admin reads the audit log in sentences, the pay periods
// with their state and adds a closed day.  On every page: axe-core (no serious or
// critical violation) and no horizontal scroll at 390 and 1024 px; screenshots of every page
// at the three widths in tests/out/screenshots/td-*.png.  Prints TAP-style lines.
'use strict';
const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  ROOT, BIN, SHOTS, status, ok, freePort, ctl, tap, get, localDate, playDay,
} = require('./lib');

const AXE = require.resolve('axe-core/axe.min.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stempel-teacher-day-'));
const WIDTHS = [390, 1024, 1366];
let daemon = null;

// The day the test plays, taken once: a run across local midnight keeps to it
// (each hh:mm below is on this day, not on the next one).  Today, or on a public
// holiday (nobody scheduled) the last day before it that is none.  Read after TZ is set.
let DAY = null;

// The offset (s) that puts the daemon's clock at hh:mm on DAY, local time.
function offsetTo(hh, mm) {
  const t = new Date(DAY.getFullYear(), DAY.getMonth(), DAY.getDate(), hh, mm, 0);
  return Math.round((t.getTime() - Date.now()) / 1000);
}

const checked = new Set();
// axe-core on the page as it is, and no horizontal scroll at 390 and 1024 px; screenshots at
// the three widths.  Each page name is checked once.
async function audit(page, name) {
  if (checked.has(name)) return;
  checked.add(name);
  const url = page.url();
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w, height: w === 390 ? 844 : 900 });
    if (w !== 1366) {
      const sw = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      ok(sw[0] <= sw[1], `${name}: no horizontal scroll at ${w} px (${sw[0]} <= ${sw[1]})`);
    }
    if (w === 390) {
      await page.addScriptTag({ path: AXE });
      const res = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      }));
      const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      ok(bad.length === 0, `${name}: axe-core finds no serious or critical violation`,
        bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ` +
          v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '')
            .replace(/\n/g, ' ')).join('\n  ')).join('\n'));
    }
    // an artefact, not a check: on a loaded 2-core CI machine a full-page shot once took
    // longer than Playwright's default 30 s and ended the whole test
    await page.screenshot({ path: path.join(SHOTS, `td-${name}-${w}.png`), fullPage: true,
      timeout: 120000 });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  if (page.url() !== url) await page.goto(url);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const sock = path.join(dir, 'reader.sock');
  const conf = path.join(dir, 'stempel.conf');
  const clockFile = path.join(dir, 'clock');
  process.env.TZ = process.env.TZ || 'Europe/Oslo';
  DAY = playDay();
  fs.writeFileSync(conf, `[kiosk]\nid = teacher-day\nstate_dir = ${dir}/state\n` +
    `timezone = ${process.env.TZ}\n[tap]\ndebounce_s = 0\n` +
    `[reader]\nsocket = ${sock}\n[web]\nlisten = 127.0.0.1\nport = ${port}\n`);

  // The demo roster in two groups, everyone scheduled 08:30-14:30 every day.
  const roster = JSON.parse(fs.readFileSync(path.join(ROOT, 'board/demo/roster.json'), 'utf8'));
  roster.participants.forEach((p, i) => {
    p.schedule = { template: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '08:30', end: '14:30' }],
      exceptions: [] };
    p.group = i < 10 ? 'Norsk A' : 'Norsk B';
  });
  roster.absences = [];
  roster.closures = [];
  fs.writeFileSync(path.join(dir, 'roster.json'), JSON.stringify(roster));
  ctl(conf, ['roster', 'import', path.join(dir, 'roster.json')]);
  ctl(conf, ['user', 'add', 'kari', '--role', 'teacher', '--language', 'nb', '--password-stdin'],
    'teacher password 1\n');
  ctl(conf, ['user', 'add', 'ola', '--role', 'admin', '--language', 'en', '--password-stdin'],
    'admin password 12\n');
  ctl(conf, ['participant', 'add', 'P-000021', 'Siri Nyhus', '--group', 'Norsk B',
    '--start', '2026-01-05', '--schedule', '1-7 08:30-14:30']);

  fs.writeFileSync(clockFile, String(offsetTo(8, 20)));
  const log = fs.openSync(path.join(dir, 'stempeld.log'), 'a');
  const env = Object.assign({}, process.env, {
    STEMPEL_CLOCK_FILE: clockFile,
    STEMPEL_CLOCK_EPOCH: String(Math.floor(Date.now() / 1000) - 30 * 86400),
  });
  daemon = spawn(path.join(BIN, 'stempeld'), ['-c', conf], { stdio: ['ignore', log, log], env });
  for (let i = 0; i < 300 && (await get(port, '/healthz')) === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  while (!fs.existsSync(sock)) await new Promise((r) => setTimeout(r, 50));
  const base = `http://127.0.0.1:${port}`;
  const today = localDate(DAY);

  // bypassCSP only so that axe.min.js can be injected; board.test.js checks the CSP.
  const ctx = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    bypassCSP: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    locale: 'nb-NO',
  });
  const errors = [];
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    const go = async (p) => { await page.goto(base + p); };
    const state = (pid) => page.getAttribute(`tr[data-pid="${pid}"]`, 'data-state');
    const count = async (k) => Number(await page.textContent(`#counts [data-count=${k}] strong`));

    // --- 08:20, before the start: nobody is absent yet ---
    await go('/board/login');
    await audit(page, 'login');
    await page.fill('input[name=username]', 'kari');
    await page.fill('input[name=password]', 'teacher password 1');
    await Promise.all([page.waitForURL(base + '/board'), page.click('button[type=submit]')]);
    await page.waitForSelector('main[data-live="1"]', { timeout: 5000 });
    ok(await count('not_arrived') === 21 && await count('absent') === 0 &&
       (await page.locator('.st-absent').count()) === 0,
      '08:20: all 21 are "not yet arrived", nobody is shown absent before the start');
    await audit(page, 'today-0820');

    // --- arrivals on the reader ---
    for (const uid of ['04A1B201', '04A1B202', '04A1B203', '04A1B20B'])
      ok(/^ok/.test(await tap(sock, uid)), `card ${uid} is read by the simulated reader`);
    await page.waitForSelector('tr[data-pid="P-000003"][data-state=present]', { timeout: 3000 })
      .catch(() => {});
    ok(await count('present') === 4 && await count('not_arrived') === 17,
      'four arrivals: the counts say 4 present, 17 not yet arrived',
      `${await count('present')} present, ${await count('not_arrived')} not arrived`);

    // --- 09:05: those not here are absent now; a late arrival ---
    fs.writeFileSync(clockFile, String(offsetTo(9, 5)));
    await tap(sock, '04A1B204');
    await page.waitForSelector('tr[data-pid="P-000004"][data-state=late]', { timeout: 3000 })
      .catch(() => {});
    await go('/board');
    ok(await state('P-000004') === 'late', '09:05: a tap after the start is "late"',
      await state('P-000004'));
    ok(await count('absent') === 16 && await count('late') === 1,
      '09:05: the ones not here are absent (16), one late',
      `${await count('absent')} absent, ${await count('late')} late`);
    await audit(page, 'today-0905');
    await Promise.all([page.waitForURL(/state=absent/), page.click('#counts [data-count=absent] a')]);
    ok((await page.locator('#today tbody tr').count()) === 16 &&
       (await page.locator('#today tbody tr:not([data-state=absent])').count()) === 0,
      'tapping the absent count lists the 16 absent ones only');

    // --- search and the group filter ---
    await page.fill('input[name=q]', 'amina');
    await Promise.all([page.waitForLoadState(), page.click('.filter button[type=submit]')]);
    ok((await page.locator('#today tbody tr').count()) === 1 &&
       (await page.locator('tr[data-pid="P-000001"]').count()) === 1,
      'search by name: "amina" finds only Amina Yusuf');
    await go('/board/today?q=P-000012');
    ok((await page.locator('#today tbody tr').count()) === 1, 'search by id finds one participant');
    await go('/board/today');
    await page.selectOption('select[name=group]', 'Norsk B');
    await Promise.all([page.waitForLoadState(), page.click('.filter button[type=submit]')]);
    const groupRows = await page.locator('#today tbody tr').count();
    const otherGroup = await page.locator('#today tbody tr:not([data-group="Norsk B"])').count();
    ok(groupRows === 11 && otherGroup === 0,
      'the group filter shows group Norsk B only (11, one added with participant add --group)',
      `${groupRows} rows, ${otherGroup} of another group`);
    await audit(page, 'today-group');

    // --- a sick note, with its effect shown first ---
    await go('/board');
    await page.click('tr[data-pid="P-000005"] a[href^="/board/absence"]');
    await page.selectOption('select[name=category]', 'sick_self_declared');
    await page.selectOption('select[name=documentation]', 'self_declared');
    await page.fill('textarea[name=comment]', 'Ringte inn syk kl. 07:45');
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    ok(await page.isVisible('#effect'), 'sick note: the effect is shown before saving');
    await audit(page, 'absence-preview');
    await Promise.all([page.waitForURL(/saved=absence/), page.click('button[value=save]')]);
    ok((await page.textContent('#flash')).includes('Fraværet er lagret'),
      'the message says what happened ("Fraværet er lagret")', await page.textContent('#flash'));
    const listed = page.locator('#absences li[data-category=sick_self_declared]');
    ok((await listed.count()) === 1 && (await listed.textContent()).includes('Ringte inn syk') &&
       (await listed.textContent()).includes('kari') &&
       (await listed.textContent()).includes('Egenmelding'),
      'the absence is listed with category, documentation, comment and who registered it');
    await audit(page, 'participant-week');
    ok((await page.locator('#basis').count()) === 1,
      'the participant page links the basis for a decision of this pay period');
    await go('/board');
    ok(await state('P-000005') === 'excused', 'Today shows the sick participant as excused');

    // --- a wrong absence withdrawn ---
    await go(`/board/absence?id=P-000006&from=${today}`);
    await page.selectOption('select[name=category]', 'vacation');
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    await Promise.all([page.waitForURL(/saved=absence/), page.click('button[value=save]')]);
    ok((await page.locator('#absences li').count()) === 1, 'a wrong absence (vacation) is registered');
    await page.click('#absences li details.act summary');
    await page.fill('#absences li details.act input[name=reason]', 'Feil deltaker, skulle vært en annen');
    await audit(page, 'participant-withdraw');
    await Promise.all([page.waitForURL(/saved=withdrawn/),
      page.click('#absences li details.act button[type=submit]')]);
    ok((await page.locator('#absences li').count()) === 0 &&
       (await page.textContent('#flash')).includes('trukket tilbake'),
      'the wrong absence is withdrawn with a reason and no longer listed');

    // --- an absence changed (withdraw and register in one command) ---
    await go(`/board/absence?id=P-000007&from=${today}`);
    await page.selectOption('select[name=category]', 'child_sick');
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    await Promise.all([page.waitForURL(/saved=absence/), page.click('button[value=save]')]);
    await page.click('#absences li a[href*="edit="]');
    ok((await page.inputValue('select[name=category]')) === 'child_sick',
      'change: the form starts from the registered absence');
    await page.selectOption('select[name=category]', 'sick_doctor');
    await page.selectOption('select[name=documentation]', 'doctor_note');
    await page.fill('input[name=reason]', 'Legeerklæring kom i dag');
    await Promise.all([page.waitForLoadState(), page.click('button[value=preview]')]);
    ok(await page.isVisible('#effect'), 'change: the effect is shown before saving');
    await audit(page, 'absence-change');
    await Promise.all([page.waitForURL(/saved=updated/), page.click('button[value=save]')]);
    ok((await page.locator('#absences li').count()) === 1 &&
       (await page.locator('#absences li[data-category=sick_doctor]').count()) === 1,
      'the changed absence replaces the old one (sick, doctor\'s note)');

    // --- a card replaced: the new card is tapped at the kiosk, then picked ---
    const unknownReply = await tap(sock, 'CAFE0102');
    await go('/board');
    const code = await page.textContent('#unknown tr .key');
    ok(/^…[0-9A-F]{4}$/.test(code) && !/hmac/.test(await page.innerText('main')),
      `an unknown card shows by a short code (${code}), never the whole key`, unknownReply);
    await go('/board/participant?id=P-000002');
    await page.click('#cards li[data-revoked="0"] a[href*="replace="]');
    await page.fill('input[name=reason]', 'Mistet kortet på bussen');
    await audit(page, 'card-replace');
    await Promise.all([page.waitForURL(/saved=replaced/), page.click('#enroll button[type=submit]')]);
    ok((await page.textContent('#flash')).includes('Abdirahman Warsame'),
      'the message names the participant whose card was replaced', await page.textContent('#flash'));
    const cardsText = await page.textContent('#cards');
    ok((await page.locator('#cards li[data-revoked="0"]').count()) === 1 &&
       (await page.locator('#cards li[data-revoked="1"]').count()) === 1 &&
       cardsText.includes('Mistet kortet på bussen') && cardsText.includes('kari'),
      'the new card is in use, the old one revoked with the reason, by whom and when');
    await audit(page, 'participant-cards');
    await tap(sock, 'CAFE0102');
    await tap(sock, '04A1B202');
    await go(`/board/correct?id=P-000002&date=${today}`);
    const taps2 = await page.locator('#taps tbody tr').count();
    ok(taps2 === 2, 'the new card taps as the participant, the revoked old one does not',
      `${taps2} taps (expected the morning tap and the new card's)`);

    // --- enrolment warns about a card she already has ---
    await go('/board/enroll?participant=P-000003');
    ok(await page.isVisible('#has-card') &&
       (await page.textContent('#has-card')).includes('Hodan Ali'),
      'enrolment names the participant and warns that she already has a card');
    await audit(page, 'enroll');

    // --- a correction: an Out makes her "left"; taps in time order; a stray tap ---
    await go(`/board/correct?id=P-000001&date=${today}`);
    await page.fill('#add-tap input[name=time]', '09:00');
    await page.selectOption('#add-tap select[name=direction]', 'out');
    await page.fill('#add-tap input[name=reason]', 'Gikk til lege, sa fra til lærer');
    await Promise.all([page.waitForURL(/done=add/), page.click('#add-tap button')]);
    ok((await page.textContent('#flash')).includes('Lagret'),
      'the correction message says "Lagret: ..." (not the button label)');
    await page.fill('#add-tap input[name=time]', '08:00');
    await page.selectOption('#add-tap select[name=direction]', 'in');
    await page.fill('#add-tap input[name=reason]', 'Kom tidlig, kortet virket ikke');
    await Promise.all([page.waitForURL(/done=add/), page.click('#add-tap button')]);
    const times = await page.$$eval('#taps tbody tr', (rs) => rs.map((r) => r.dataset.time));
    ok(times.join(',') === [...times].sort().join(','), `taps are listed in time order (${times})`);
    await audit(page, 'correct');
    await go('/board');
    ok(await state('P-000001') === 'left', 'after the Out correction Today says "left"',
      await state('P-000001'));
    await go(`/board/correct?id=P-000009&date=${today}`);
    for (const [t, d] of [['07:00', 'in'], ['07:30', 'out']]) {
      await page.fill('#add-tap input[name=time]', t);
      await page.selectOption('#add-tap select[name=direction]', d);
      await page.fill('#add-tap input[name=reason]', 'Test av stempling før timen');
      await Promise.all([page.waitForURL(/done=add/), page.click('#add-tap button')]);
    }
    await go('/board');
    ok((await page.locator('tr[data-pid="P-000009"] [data-flag=tap_outside_schedule]').count()) === 1,
      'a tap outside the schedule is flagged on Today');

    // --- the participant month: every day reachable as a link with words ---
    await go('/board/participant?id=P-000013&view=month');
    const days = await page.locator('#calendar td.day a').count();
    const words = await page.locator('#calendar td.day a .sr').count();
    ok(days >= 28 && words === days, `the month calendar: ${days} days, each a link with words`);
    await page.keyboard.press('Tab');
    await audit(page, 'participant-month');

    // --- the class view, week and month, printed ---
    await go('/board/class?group=Norsk%20A');
    ok((await page.locator('#class tbody tr').count()) === 10 &&
       (await page.locator('#class tbody td.day .sr').count()) === 70,
      'class week: 10 participants x 7 days, each day with a mark and words');
    await audit(page, 'class-week');
    await go('/board/class?group=Norsk%20A&view=month');
    await audit(page, 'class-month');
    await page.emulateMedia({ media: 'print' });
    const navShown = await page.isVisible('header.top');
    await page.emulateMedia({ media: 'screen' });
    ok(!navShown, 'print: the navigation is not printed');
    const pdf = path.join(ROOT, 'tests', 'out', 'class-list.pdf');
    await page.pdf({ path: pdf, format: 'A4', landscape: true, printBackground: true });
    ok(fs.statSync(pdf).size > 5000, `the class list prints to PDF (${fs.statSync(pdf).size} bytes)`);
    await go('/board/participants');
    await audit(page, 'participants');

    // --- the admin: audit log in sentences, pay periods, a closed day ---
    await page.click('form.who button');
    await page.waitForURL(/\/board\/login/);
    await page.fill('input[name=username]', 'ola');
    await page.fill('input[name=password]', 'admin password 12');
    await Promise.all([page.waitForURL(base + '/board'), page.click('button[type=submit]')]);
    await go('/board/audit');
    const log = await page.textContent('#audit');
    ok(/kari registered Sick, self-declared for Zahra Rahimi \(P-000005\)/.test(log) &&
       /kari withdrew an absence of Mohammad Nazari \(P-000006\)\. Reason: .?Feil deltaker/.test(log) &&
       /kari replaced card …[0-9A-F]{4} of Abdirahman Warsame \(P-000002\) with card …[0-9A-F]{4}/.test(log) &&
       /kari added a tap \(out\) at 09:00/.test(log) && /\(command line\) created the account ola/.test(log),
      'the audit log reads back in sentences, in English for the admin (CLI named by its OS user)',
      log.slice(0, 1500));
    ok((await page.locator('#audit li details summary').count()) > 5,
      'each entry keeps its raw details behind a toggle');
    await audit(page, 'audit');
    await go('/board/periods');
    ok((await page.locator('#periods tr[data-state=running]').count()) >= 1,
      'pay periods are listed with their state (running)');
    await audit(page, 'periods');
    // The basis for a decision (money issue), printable, from a participant's page.
    await go('/board/participant?id=P-000005');
    const basis = await page.getAttribute('#basis', 'href', { timeout: 3000 }).catch(() => null);
    ok(!!basis, 'the participant page links the basis for a decision of the period');
    if (basis) {
      await go(basis);
      await audit(page, 'basis');
    }
    await go('/board/closures');
    const d = new Date(DAY); d.setDate(d.getDate() + 7);
    await page.fill('input[name=date]', localDate(d));
    await page.fill('input[name=reason]', 'Planleggingsdag');
    await Promise.all([page.waitForURL(/saved=1/), page.click('#closure button')]);
    ok((await page.textContent('#closures')).includes(localDate(d)),
      'an admin closes the centre for a day from the board');
    await audit(page, 'closures');
    // The admin pages the other issues added: dead letters and card conflicts (uploads),
    // and the kiosk's unreviewed translations.
    await go('/board/dead');
    ok((await page.textContent('main')).length > 0, 'an admin opens the dead letters page');
    await audit(page, 'dead-letters');
    await go('/board/translations');
    ok((await page.locator('table tr').count()) > 10, 'an admin opens the kiosk translations to review');
    await audit(page, 'translations');
    await go('/board');
    await audit(page, 'today-admin');
    ok(errors.length === 0, 'no script errors in the browser', errors.join('\n'));
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { ok(false, 'teacher-day test ran to the end', e.stack || e); })
  .finally(() => {
    if (daemon) daemon.kill('SIGTERM');
    if (status.failures === 0 && !process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log('# state kept in ' + dir);
    process.exit(status.failures ? 1 : 0);
  });
