/**
 * End-to-end tests of the web console in a real browser: playwright-core drives Debian's
 * chromium (/usr/bin/chromium, never a downloaded browser) against the real server with the demo
 * spacecraft. Screenshots of each page are saved under packages/web/test-results/screenshots.
 * Without chromium the tests skip with the reason printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, type Page, chromium, selectors } from 'playwright-core';
import { type RunningConsole, startConsole } from '../src/server/index.js';

const CHROMIUM = process.env['CCSDS_CHROMIUM'] ?? '/usr/bin/chromium';
const pkg = fileURLToPath(new URL('..', import.meta.url));
const shots = join(pkg, 'test-results', 'screenshots');

function newestMtime(dir: string): number {
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    m = Math.max(m, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return m;
}

/** Builds the client when dist/client is missing or older than its sources. */
function ensureClient(): string | undefined {
  const index = join(pkg, 'dist', 'client', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(pkg, 'src', 'client')))
    return undefined;
  const vite = join(pkg, '..', '..', 'node_modules', '.bin', 'vite');
  const r = spawnSync(vite, ['build', '--config', join(pkg, 'vite.config.ts')], {
    encoding: 'utf8',
  });
  return r.status === 0 ? undefined : `vite build failed: ${r.stderr}`;
}

const skip = !existsSync(CHROMIUM)
  ? `chromium not found at ${CHROMIUM} (install it with scripts/install-system-deps.sh)`
  : ensureClient();
if (skip !== undefined) console.log(`# web browser tests skipped: ${skip}`);

describe('web console in chromium', { skip }, () => {
  let c: RunningConsole;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const base = (): string => `http://127.0.0.1:${c.port}/`;
  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: join(shots, `${name}.png`) });
  };

  before(async () => {
    selectors.setTestIdAttribute('data-test');
    mkdirSync(shots, { recursive: true });
    c = await startConsole({
      port: 0,
      demo: { rateBytesPerSecond: 256 * 1024, hkIntervalMs: 100 },
    });
    profile = mkdtempSync(join(tmpdir(), 'ccsds-web-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    await page.goto(base());
    await page.getByTestId('new-transfer-button').waitFor();
  });

  after(async () => {
    await context?.close();
    await c?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    console.log(`# web console screenshots: ${shots}`);
  });

  it('uploads a file from the Files page and watches it complete', async () => {
    await page.goto(`${base()}#/files`);
    // Add a file from "this computer" into the local filestore, then send it.
    const data = randomBytes(150_000);
    await page.getByTestId('upload-input').setInputFiles({
      name: 'telecommand-table.bin',
      mimeType: 'application/octet-stream',
      buffer: data,
    });
    const row = page.locator('[data-test="local-entry"][data-name="telecommand-table.bin"]');
    await row.waitFor();
    await page.locator('[data-test="remote-entry"][data-name="README.txt"]').waitFor();
    await row.getByTestId('send').click();
    await page.getByTestId('nav-transfers').click();
    await page.getByTestId('tab-completed').click();
    const done = page.locator('[data-test="transfer-row"][data-state="completed"]', {
      hasText: 'telecommand-table.bin',
    });
    await done.waitFor();
    assert.match(await done.getByTestId('bytes-done').innerText(), /146\.\d KiB/);
    assert.deepEqual(readFileSync(join(c.demoFilestore!, 'telecommand-table.bin')), data);
    await done.click();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('Transaction-Finished').waitFor();
    await shot(page, 'transfer-detail');
    await page.keyboard.press('Escape');
    await shot(page, 'transfers');
  });

  it('browses a remote directory and downloads a file from it', async () => {
    await page.getByTestId('nav-files').click();
    const remote = page.getByTestId('remote-pane');
    await remote
      .locator('[data-test="remote-entry"][data-name="logs"]')
      .getByTestId('open')
      .click();
    const file = remote.locator('[data-test="remote-entry"][data-name="boot.log"]');
    await file.waitFor();
    assert.match(await page.getByTestId('remote-path').innerText(), /\/logs/);
    await file.getByTestId('fetch').click();
    await page.locator('[data-test="local-entry"][data-name="boot.log"]').waitFor();
    assert.deepEqual(
      readFileSync(join(c.filestore, 'boot.log')),
      readFileSync(join(c.demoFilestore!, 'logs', 'boot.log')),
    );
    await shot(page, 'files');
  });

  it('deletes a remote file and sees the remote policy refuse it', async () => {
    const remote = page.getByTestId('remote-pane');
    await remote.getByRole('button', { name: 'remote folder up' }).click();
    const readme = remote.locator('[data-test="remote-entry"][data-name="README.txt"]');
    await readme.getByTestId('delete').click();
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-yes').click();
    const msg = page.getByTestId('remote-message');
    await msg.getByText(/Refused/).waitFor();
    assert.match(await msg.innerText(), /policy does not allow it/);
    assert.ok(existsSync(join(c.demoFilestore!, 'README.txt')));
    await shot(page, 'files-refused');
  });

  it('starts and cancels a transfer with the keyboard alone; it shows under Failed', async () => {
    // 2 MiB at 256 KiB/s: about 8 s, long enough to reach its Cancel button.
    writeFileSync(join(c.filestore, 'science-upload.bin'), randomBytes(2 * 1024 * 1024));
    await page.getByTestId('nav-transfers').click();
    await page.getByTestId('tab-ongoing').click();
    // Keyboard from here on: Tab to "New transfer", fill the dialog, start, Tab to Cancel.
    await page.locator('main').focus();
    let guard = 0;
    while (
      (await page.evaluate(() => document.activeElement?.getAttribute('data-test'))) !==
      'new-transfer-button'
    ) {
      await page.keyboard.press('Tab');
      assert.ok(++guard < 40, 'New transfer reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('new-transfer').waitFor();
    await page.keyboard.type('science-upload.bin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('science-upload.bin');
    await shot(page, 'new-transfer-dialog');
    await page.keyboard.press('Enter');
    const row = page.locator('[data-test="transfer-row"]', { hasText: 'science-upload.bin' });
    await row.locator('[data-test="state"]', { hasText: /active|queued/ }).waitFor();
    guard = 0;
    for (;;) {
      const el = await page.evaluate(() => ({
        test: document.activeElement?.getAttribute('data-test'),
        row: document.activeElement?.closest('tr')?.textContent ?? '',
      }));
      if (el.test === 'action-cancel' && el.row.includes('science-upload.bin')) break;
      await page.keyboard.press('Tab');
      assert.ok(++guard < 60, 'Cancel reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('tab-ongoing').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByTestId('tab-failed').getAttribute('aria-selected'), 'true');
    const failed = page.locator('[data-test="transfer-row"][data-state="failed"]', {
      hasText: 'science-upload.bin',
    });
    await failed.waitFor();
    assert.match(await failed.innerText(), /cancel request received/);
    await shot(page, 'transfers-failed');
  });

  it('remembers the New transfer settings per entity', async () => {
    writeFileSync(join(c.filestore, 'settings.bin'), randomBytes(2000));
    await page.getByTestId('nav-transfers').click();
    await page.getByTestId('new-transfer-button').click();
    const dialog = page.getByTestId('new-transfer');
    assert.equal(await dialog.getByTestId('nt-class').inputValue(), '2');
    await dialog.getByTestId('nt-local').fill('settings.bin');
    await dialog.getByTestId('nt-remote').fill('settings.bin');
    await dialog.getByTestId('nt-class').selectOption('1');
    await dialog.getByTestId('nt-closure').check();
    await dialog.getByTestId('nt-checksum').selectOption('crc32c');
    await dialog.getByTestId('nt-segment').fill('512');
    await dialog.getByTestId('nt-start').click();
    await page.getByTestId('tab-completed').click();
    await page
      .locator('[data-test="transfer-row"][data-state="completed"]', { hasText: 'settings.bin' })
      .waitFor();
    await page.getByTestId('new-transfer-button').click();
    assert.equal(await dialog.getByTestId('nt-class').inputValue(), '1');
    assert.equal(await dialog.getByTestId('nt-closure').isChecked(), true);
    assert.equal(await dialog.getByTestId('nt-checksum').inputValue(), 'crc32c');
    assert.equal(await dialog.getByTestId('nt-segment').inputValue(), '512');
    await dialog.getByTestId('nt-direction').selectOption('down');
    assert.equal(await dialog.getByTestId('nt-segment').isDisabled(), true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows decoded packets with linked hex, and a plot that updates', async () => {
    await page.getByTestId('nav-packets').click();
    const row = page.getByTestId('packet-row').first();
    await row.waitFor();
    assert.match(await row.innerText(), /HK/);
    await row.click();
    const field = page.locator('[data-test="field-row"][data-field="BATT_V_RAW"]');
    await field.hover();
    const lit = await page.locator('[data-test="hex"] span.hl').count();
    assert.equal(lit, 2, 'a 16-bit field lights two octets');
    const batt = Number(
      await page
        .locator('[data-test="field-row"][data-field="BATT_V"] [data-test="field-value"]')
        .innerText(),
    );
    assert.ok(batt > 27 && batt < 29, `battery ${batt} V`);
    await page.getByTestId('apid-filter').fill('5');
    await page.getByText('No packets yet.').waitFor();
    await page.getByTestId('apid-filter').fill('100');
    await page.getByTestId('packet-row').first().waitFor();
    await shot(page, 'packets');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    assert.match(
      csv.split('\n')[0]!,
      /^time,source,apid,sequence_count,length,definition,.*BATT_V/,
    );

    await page.getByTestId('nav-plots').click();
    const plot = page.getByTestId('plot').first();
    await plot.waitFor();
    const points = async (): Promise<number> => Number(await plot.getAttribute('data-points'));
    const first = await points();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-test="plot"]')?.getAttribute('data-points')) > n,
      first,
    );
    assert.ok((await points()) > first);
    await shot(page, 'plots');
  });

  it('plots a recorded file', async () => {
    await page.getByTestId('nav-packets').click();
    await page.getByTestId('record-demo-hk').click();
    await page.waitForTimeout(600);
    await page.getByTestId('record-demo-hk').click();
    await page.getByTestId('nav-plots').click();
    await page.getByTestId('plot-mode').selectOption('file');
    await page
      .getByTestId('plot-recording')
      .locator('option', { hasText: 'recordings/' })
      .first()
      .waitFor({ state: 'attached' });
    await page.getByTestId('plot-load').click();
    await page
      .getByTestId('plot-info')
      .getByText(/packets, \d+ decoded/)
      .waitFor();
    assert.ok(Number(await page.getByTestId('plot').first().getAttribute('data-points')) >= 3);
  });

  it('shows the links with counters and disables one', async () => {
    await page.getByTestId('nav-links').click();
    const src = page.locator('[data-test="link-row"][data-link-id="source:demo-hk"]');
    await src.waitFor();
    assert.match(await src.getByTestId('link-good').innerText(), /^\d+ packets$/);
    await src.getByTestId('link-toggle').click();
    await src.getByTestId('link-state').getByText('disabled by operator').waitFor();
    await shot(page, 'links');
    await src.getByTestId('link-toggle').click();
    await src.getByTestId('link-state').getByText('listening').waitFor();
  });

  it('is usable at phone width (390 px)', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const p of ['transfers', 'files', 'packets']) {
      await phone.goto(`${base()}#/${p}`);
      await phone.getByTestId(`nav-${p}`).waitFor();
      if (p === 'files') await phone.locator('[data-test="remote-entry"]').first().waitFor();
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      assert.ok(overflow <= 1, `${p}: page wider than the screen by ${overflow} px`);
      const box = await phone.getByTestId('nav-links').boundingBox();
      assert.ok(box !== null && box.x + box.width <= 390, 'navigation fits');
      await shot(phone, `phone-${p}`);
    }
    await phone.close();
  });
});
