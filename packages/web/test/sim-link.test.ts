/**
 * `ccsds web --sim`: the console's spacecraft behind the simulated space link of `ccsds/mission`
 * in real time. A file goes up through COP-1 and CLTUs, a remote listing and a file come down
 * through the TM coding chain, housekeeping arrives decoded, and the Links page shows both
 * directions with their counters and the COP-1 state; switching the downlink off silences it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LEO_SCENARIO, type Scenario } from 'ccsds/mission';
import { type RunningConsole, startConsole } from '../src/server/index.js';
import { api, openLive, transferIn } from './support.js';

/** The LEO link with faster rates, so the test moves its files in a few real seconds. */
function fastLeo(): Scenario {
  const s = structuredClone(LEO_SCENARIO);
  // Faster than the LEO budget allows at its power: give both directions a fixed 9 dB.
  s.uplink.symbolRate = 256_000;
  s.downlink.symbolRate = 1_000_000;
  delete s.uplink.budget;
  delete s.downlink.budget;
  s.uplink.ebN0Db = 9;
  s.downlink.ebN0Db = 9;
  s.commands = {};
  s.telemetry = { intervalS: 0.2 };
  s.cfdp = { ...s.cfdp, ackTimerMs: 3000, nakTimerMs: 3000 };
  return s;
}

interface Link {
  id: string;
  good: number;
  corrected: number;
  lost: number;
  sent: number;
  cop1: string;
  enabled: boolean;
  droppedWhileDisabled: number;
}

describe('web console with a simulated space link', () => {
  let c: RunningConsole;
  before(async () => {
    c = await startConsole({ port: 0, sim: fastLeo() });
  });
  after(async () => {
    await c.close();
  });

  it('moves a file up through COP-1 and lists and fetches files down through the TM chain', async () => {
    const station = await api(c, '/api/station');
    const remotes = station.json['remotes'] as { entityId: string; address: string }[];
    assert.deepEqual(
      remotes.map((r) => r.entityId),
      [String(LEO_SCENARIO.spacecraft.entityId)],
    );
    assert.deepEqual(station.json['sources'], ['space-hk']);
    const remote = remotes[0]!.entityId;
    const live = await openLive(c);
    try {
      const data = randomBytes(12_000);
      const up = await fetch(`http://127.0.0.1:${c.port}/api/local/upload?path=plan.bin`, {
        method: 'POST',
        headers: { 'x-ccsds-console': '1' },
        body: data,
      });
      assert.equal(up.status, 200);
      const put = await api(c, '/api/transfers/put', {
        remoteEntityId: remote,
        localPath: 'plan.bin',
        remotePath: 'plan.bin',
      });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      const id = (put.json['transfer'] as { id: string }).id;
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']), 60_000);
      const t = done['transfer'] as Record<string, unknown>;
      assert.equal(t['state'], 'completed', String(t['failureReason']));
      assert.deepEqual(readFileSync(join(c.demoFilestore!, 'plan.bin')), data);

      const listing = await api(c, `/api/remote/${remote}/list?path=images`);
      assert.equal(listing.status, 200, JSON.stringify(listing.json));
      const names = (listing.json['entries'] as { name: string }[]).map((e) => e.name).sort();
      assert.deepEqual(names, ['img-0001.raw', 'img-0002.raw', 'img-0003.raw']);

      const get = await api(c, '/api/transfers/get', {
        remoteEntityId: remote,
        remotePath: 'images/img-0001.raw',
        localPath: 'img-0001.raw',
      });
      assert.equal(get.status, 200, JSON.stringify(get.json));
      const gid = (get.json['transfer'] as { id: string }).id;
      const got = await live.waitFor(transferIn(gid, ['completed', 'failed']), 60_000);
      assert.equal((got['transfer'] as Record<string, unknown>)['state'], 'completed');
      assert.deepEqual(
        readFileSync(join(c.filestore, 'img-0001.raw')),
        readFileSync(join(c.demoFilestore!, 'images', 'img-0001.raw')),
      );

      // Housekeeping came down the same link and reached the packet source.
      const hk = await live.waitFor((m) => m['type'] === 'packets', 10_000);
      assert.ok((hk['packets'] as unknown[]).length > 0);
    } finally {
      live.close();
    }
    const links = (await api(c, '/api/links')).json['links'] as Link[];
    const down = links.find((l) => l.id === 'space:downlink')!;
    const upl = links.find((l) => l.id === 'space:uplink')!;
    assert.ok(down.good > 100, `downlink codeblocks ${down.good}`);
    assert.ok(upl.sent > 10 && upl.good > 10, `uplink CLTUs ${upl.sent}/${upl.good}`);
    assert.match(upl.cop1, /^FOP-1 S1, V\(S\) \d+/);
  });

  it('switching the downlink off drops what arrives; switching it on again resumes', async () => {
    assert.equal((await api(c, '/api/links/space:downlink', { enabled: false })).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    const off = ((await api(c, '/api/links')).json['links'] as Link[]).find(
      (l) => l.id === 'space:downlink',
    )!;
    assert.equal(off.enabled, false);
    assert.ok(off.droppedWhileDisabled > 0, 'housekeeping symbols were dropped');
    assert.equal((await api(c, '/api/links/space:downlink', { enabled: true })).status, 200);
    assert.equal((await api(c, '/api/links/space:nope', { enabled: true })).status, 404);
  });
});
