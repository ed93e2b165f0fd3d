/**
 * The console server against real sockets: the demo spacecraft's CFDP entity on loopback UDP,
 * HTTP and WebSocket clients, real files in temporary folders.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePackets } from 'ccsds/decode';
import { encodeSpacePacket } from 'ccsds/spp';
import { createSocket } from 'node:dgram';
import {
  DEMO_HK_DEFINITION,
  type RunningConsole,
  parseStationConfig,
  startConsole,
} from '../src/server/index.js';
import { settleToken } from '../src/server/security.js';
import { api, openLive, transferIn } from './support.js';

async function upload(c: RunningConsole, path: string, data: Uint8Array): Promise<number> {
  const r = await fetch(
    `http://127.0.0.1:${c.port}/api/local/upload?path=${encodeURIComponent(path)}`,
    {
      method: 'POST',
      headers: { 'x-ccsds-console': '1' },
      body: Buffer.from(data),
    },
  );
  return r.status;
}

describe('web console server with the demo spacecraft', () => {
  let c: RunningConsole;
  before(async () => {
    // 256 KiB/s each way: a 1 MiB file takes about 4 s, long enough to suspend or cancel. The
    // entity reports progress every 20 ms: the console's own throttle is what the browser sees.
    c = await startConsole({
      port: 0,
      config: parseStationConfig(
        {
          demo: true,
          cfdp: { mib: { local: { entityId: 1, progressIntervalMs: 20 }, remotes: [] } },
        },
        '.',
      ),
      demo: { rateBytesPerSecond: 256 * 1024, hkIntervalMs: 50 },
    });
  });
  after(async () => {
    await c.close();
  });

  it('describes the station: entity 1, demo entity 2, the housekeeping source', async () => {
    const r = await api(c, '/api/station');
    assert.equal(r.status, 200);
    assert.equal(r.json['entityId'], '1');
    const remotes = r.json['remotes'] as { entityId: string; address: string }[];
    assert.equal(remotes[0]!.entityId, '2');
    assert.match(remotes[0]!.address, /^udp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(r.json['sources'], ['demo-hk']);
  });

  it('uploads a file with put and sees it complete, identical, at the remote entity', async () => {
    const live = await openLive(c);
    try {
      const data = randomBytes(40_000);
      assert.equal(await upload(c, 'small.bin', data), 200);
      const r = await api(c, '/api/transfers/put', {
        remoteEntityId: '2',
        localPath: 'small.bin',
        remotePath: 'small-up.bin',
        transmissionClass: 2,
        checksum: 'crc32c',
        segmentLength: 900,
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const id = (r.json['transfer'] as { id: string }).id;
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']));
      const t = done['transfer'] as Record<string, unknown>;
      assert.equal(t['state'], 'completed', String(t['failureReason']));
      assert.equal(t['bytesDone'], 40_000);
      assert.equal(t['direction'], 'up');
      assert.deepEqual(readFileSync(join(c.demoFilestore!, 'small-up.bin')), data);
      const detail = await api(c, `/api/transfers/${id}`);
      const events = (detail.json['timeline'] as { event: string }[]).map((e) => e.event);
      assert.deepEqual(
        events.filter((e) =>
          ['Queued', 'Transaction', 'EOF-Sent', 'Transaction-Finished'].includes(e),
        ),
        ['Queued', 'Transaction', 'EOF-Sent', 'Transaction-Finished'],
      );
    } finally {
      live.close();
    }
  });

  it('lists a remote directory through CFDP and downloads a file from it (proxy put)', async () => {
    const l = await api(c, '/api/remote/2/list?path=logs');
    assert.equal(l.status, 200, JSON.stringify(l.json));
    const names = (l.json['entries'] as { name: string }[]).map((e) => e.name);
    assert.ok(names.includes('boot.log'));
    const live = await openLive(c);
    try {
      const r = await api(c, '/api/transfers/get', {
        remoteEntityId: '2',
        remotePath: 'logs/boot.log',
        localPath: 'boot-copy.log',
      });
      assert.equal(r.status, 200);
      const id = (r.json['transfer'] as { id: string }).id;
      assert.equal((r.json['transfer'] as { state: string }).state, 'queued');
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']));
      assert.equal((done['transfer'] as { state: string }).state, 'completed');
      assert.deepEqual(
        readFileSync(join(c.filestore, 'boot-copy.log')),
        readFileSync(join(c.demoFilestore!, 'logs', 'boot.log')),
      );
    } finally {
      live.close();
    }
  });

  it('a get of a missing remote file fails with a reason', async () => {
    const live = await openLive(c);
    try {
      const r = await api(c, '/api/transfers/get', {
        remoteEntityId: '2',
        remotePath: 'nope.bin',
        localPath: 'nope.bin',
      });
      const id = (r.json['transfer'] as { id: string }).id;
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']));
      const t = done['transfer'] as { state: string; failureReason: string };
      assert.equal(t.state, 'failed');
      assert.match(t.failureReason, /refused|no such file/);
    } finally {
      live.close();
    }
  });

  it('shows the remote policy refusing a delete, and allows mkdir and rename', async () => {
    const del = await api(c, '/api/remote/2/action', { action: 'delete', path: 'README.txt' });
    assert.equal(del.status, 403);
    assert.match(
      String(del.json['error']),
      /refused delete \/README\.txt: its policy does not allow it/,
    );
    assert.ok(existsSync(join(c.demoFilestore!, 'README.txt')));
    const mk = await api(c, '/api/remote/2/action', { action: 'mkdir', path: 'incoming' });
    assert.equal(mk.status, 200, JSON.stringify(mk.json));
    assert.ok(existsSync(join(c.demoFilestore!, 'incoming')));
    const mv = await api(c, '/api/remote/2/action', {
      action: 'rename',
      path: 'images/img-0001.raw',
      to: 'incoming/renamed.raw',
    });
    assert.equal(mv.status, 200, JSON.stringify(mv.json));
    assert.ok(existsSync(join(c.demoFilestore!, 'incoming', 'renamed.raw')));
    const rmdir = await api(c, '/api/remote/2/action', { action: 'rmdir', path: 'logs' });
    assert.equal(rmdir.status, 403);
  });

  it('suspends, resumes and cancels a running upload; the cancelled one ends failed with its reason', async () => {
    assert.equal(await upload(c, 'big.bin', randomBytes(1024 * 1024)), 200);
    const live = await openLive(c);
    try {
      const r = await api(c, '/api/transfers/put', {
        remoteEntityId: '2',
        localPath: 'big.bin',
        remotePath: 'big.bin',
      });
      const id = (r.json['transfer'] as { id: string }).id;
      await live.waitFor(
        (m) =>
          transferIn(id, ['active'])(m) && (m['transfer'] as { bytesDone: number }).bytesDone > 0,
      );
      assert.equal((await api(c, `/api/transfers/${id}/suspend`, {})).status, 200);
      await live.waitFor(transferIn(id, ['suspended']));
      assert.equal((await api(c, `/api/transfers/${id}/report`, {})).status, 200);
      assert.equal((await api(c, `/api/transfers/${id}/resume`, {})).status, 200);
      await live.waitFor(
        (m) =>
          transferIn(id, ['active'])(m) &&
          live.messages.indexOf(m) > live.messages.findIndex(transferIn(id, ['suspended'])),
      );
      // Let it run a while: progress updates flow (and are throttled).
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await api(c, `/api/transfers/${id}/cancel`, {})).status, 200);
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']));
      const t = done['transfer'] as { state: string; failureReason: string; bytesDone: number };
      assert.equal(t.state, 'failed');
      assert.match(t.failureReason, /cancel request received/);
      assert.ok(t.bytesDone < 1024 * 1024);
      const detail = await api(c, `/api/transfers/${id}`);
      const events = (detail.json['timeline'] as { event: string }[]).map((e) => e.event);
      for (const e of ['Suspended', 'Report', 'Resumed', 'Cancel', 'Transaction-Finished'])
        assert.ok(events.includes(e), `${e} in ${events.join(',')}`);
      // Progress reached this socket at most four times a second for this transfer (state
      // changes are sent at once, so allow those on top): count in every 1 s window.
      const times = live.messages.filter(transferIn(id, ['active'])).map((m) => live.arrivedAt(m));
      assert.ok(times.length >= 4, `${times.length} progress updates`);
      let most = 0;
      for (const t0 of times)
        most = Math.max(most, times.filter((t) => t >= t0 && t < t0 + 1000).length);
      assert.ok(most <= 6, `${most} updates within one second`);
      assert.equal((await api(c, `/api/transfers/${id}/resume`, {})).status, 409);
    } finally {
      live.close();
    }
  });

  it('abandons a running upload at once', async () => {
    const live = await openLive(c);
    try {
      const r = await api(c, '/api/transfers/put', {
        remoteEntityId: '2',
        localPath: 'big.bin',
        remotePath: 'big2.bin',
      });
      const id = (r.json['transfer'] as { id: string }).id;
      await live.waitFor(transferIn(id, ['active']));
      assert.equal((await api(c, `/api/transfers/${id}/abandon`, {})).status, 200);
      const done = await live.waitFor(transferIn(id, ['completed', 'failed']));
      assert.match((done['transfer'] as { failureReason: string }).failureReason, /abandoned/);
    } finally {
      live.close();
    }
  });

  it('streams housekeeping packets that decode with the demo definition', async () => {
    const live = await openLive(c);
    try {
      const m = await live.waitFor((x) => x['type'] === 'packets');
      const packets = m['packets'] as { s: string; b: string }[];
      assert.ok(packets.length > 0);
      assert.equal(packets[0]!.s, 'demo-hk');
      const bytes = Buffer.concat(packets.map((p) => Buffer.from(p.b, 'base64')));
      const r = decodePackets(bytes, [DEMO_HK_DEFINITION]);
      assert.equal(r.report.decoded, packets.length);
      const t = r.tables.get('HK')!;
      assert.ok(t.columns.some((col) => col.name === 'BATT_V'));
    } finally {
      live.close();
    }
  });

  it('records a packet source into the local filestore', async () => {
    const on = await api(c, '/api/sources/demo-hk/record', {
      on: true,
      path: 'recordings/test.bin',
    });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    await new Promise((r) => setTimeout(r, 400));
    const off = await api(c, '/api/sources/demo-hk/record', { on: false });
    assert.equal(off.json['recording'], null);
    const bytes = readFileSync(join(c.filestore, 'recordings', 'test.bin'));
    const r = decodePackets(bytes, [DEMO_HK_DEFINITION]);
    assert.ok(r.report.decoded >= 3, `${r.report.decoded} packets recorded`);
    assert.equal(r.report.skippedOctets, 0);
  });

  it('disables and enables links: the packet source drops and counts, CFDP stops answering', async () => {
    const d = await api(c, '/api/links/source:demo-hk', { enabled: false });
    assert.equal(d.status, 200);
    await new Promise((r) => setTimeout(r, 300));
    const links = (await api(c, '/api/links')).json['links'] as {
      id: string;
      enabled: boolean;
      droppedWhileDisabled: number;
      good: number;
    }[];
    const src = links.find((l) => l.id === 'source:demo-hk')!;
    assert.equal(src.enabled, false);
    assert.ok(src.droppedWhileDisabled > 0);
    assert.equal((await api(c, '/api/links/source:demo-hk', { enabled: true })).status, 200);
    const cfdp = links.find((l) => l.id === 'cfdp')!;
    assert.ok(cfdp.good > 0);
    assert.equal((await api(c, '/api/links/cfdp', { enabled: false })).status, 200);
    const before = (
      (await api(c, '/api/links')).json['links'] as { id: string; droppedWhileDisabled: number }[]
    ).find((l) => l.id === 'cfdp')!;
    const l = api(c, '/api/remote/2/list?path=');
    await new Promise((r) => setTimeout(r, 300));
    const afterL = (
      (await api(c, '/api/links')).json['links'] as { id: string; droppedWhileDisabled: number }[]
    ).find((x) => x.id === 'cfdp')!;
    assert.ok(afterL.droppedWhileDisabled > before.droppedWhileDisabled);
    assert.equal((await api(c, '/api/links/cfdp', { enabled: true })).status, 200);
    void l.catch(() => undefined);
    assert.equal((await api(c, '/api/links/nope', { enabled: true })).status, 404);
  });
});

describe('web console security', () => {
  let c: RunningConsole;
  let outside: string;
  before(async () => {
    c = await startConsole({ port: 0, demo: { hkIntervalMs: 1000 } });
    outside = mkdtempSync(join(tmpdir(), 'ccsds-web-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(c.filestore, 'escape'));
  });
  after(async () => {
    await c.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses every path outside the filestore root', async () => {
    for (const p of [
      '../',
      '../../etc',
      'a/../../x',
      'escape',
      'escape/secret.txt',
      'x\\..\\..',
      '.ccsds-tmp',
    ]) {
      const l = await api(c, `/api/local/list?path=${encodeURIComponent(p)}`);
      assert.ok(l.status === 403 || l.status === 400, `${p}: ${l.status}`);
    }
    const f = await api(c, `/api/local/file?path=${encodeURIComponent('escape/secret.txt')}`);
    assert.notEqual(f.status, 200);
    assert.doesNotMatch(JSON.stringify(f.json), /"secret"/);
    const f2 = await api(c, `/api/local/file?path=${encodeURIComponent('../../../../etc/passwd')}`);
    assert.equal(f2.status, 403);
    const up = await fetch(
      `http://127.0.0.1:${c.port}/api/local/upload?path=${encodeURIComponent('../evil.txt')}`,
      {
        method: 'POST',
        headers: { 'x-ccsds-console': '1' },
        body: 'x',
      },
    );
    assert.equal(up.status, 403);
    const mv = await api(c, '/api/local/action', {
      action: 'rename',
      path: 'escape',
      to: '../moved',
    });
    assert.equal(mv.status, 403);
    const put = await api(c, '/api/transfers/put', {
      remoteEntityId: '2',
      localPath: '../../etc/passwd',
      remotePath: 'x',
    });
    assert.equal(put.status, 403);
    const get = await api(c, '/api/transfers/get', {
      remoteEntityId: '2',
      remotePath: 'README.txt',
      localPath: '../stolen',
    });
    assert.equal(get.status, 403);
    const rl = await api(c, `/api/remote/2/list?path=${encodeURIComponent('../..')}`);
    assert.equal(rl.status, 403);
    assert.ok(existsSync(join(outside, 'secret.txt')));
  });

  it('refuses a forged Host (DNS rebinding) and a change without the console header', async () => {
    // fetch() may not set Host: ask with node:http, as a rebinding page's browser would.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: c.port,
          path: '/api/station',
          headers: { host: `evil.example:${c.port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    const p = await fetch(`http://127.0.0.1:${c.port}/api/local/action`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ action: 'mkdir', path: 'x' }),
    });
    assert.equal(p.status, 403);
    const o = await api(
      c,
      '/api/local/action',
      { action: 'mkdir', path: 'y' },
      { origin: 'http://evil.example' },
    );
    assert.equal(o.status, 403);
    assert.ok(!existsSync(join(c.filestore, 'y')));
  });

  it('refuses a WebSocket upgrade with a forged Origin and accepts the console origin', async () => {
    await assert.rejects(openLive(c, 'http://evil.example'), /upgrade refused: 403/);
    await assert.rejects(openLive(c, `http://127.0.0.1:${c.port + 1}`), /upgrade refused: 403/);
    const ok = await openLive(c);
    const hello = await ok.waitFor((m) => m['type'] === 'hello');
    assert.equal(hello['entityId'], '1');
    ok.close();
  });

  it('needs a token beyond loopback; a random one is made when none is given', async () => {
    assert.equal(settleToken('127.0.0.1', undefined), undefined);
    assert.throws(() => settleToken('0.0.0.0', 'short'), /at least 16/);
    const t = settleToken('0.0.0.0', undefined);
    assert.ok(t !== undefined && t.length >= 24);
    const wide = await startConsole({ port: 0, bind: '0.0.0.0', demo: { hkIntervalMs: 1000 } });
    try {
      assert.ok(wide.token !== undefined && wide.token.length >= 24);
      assert.match(wide.url, /\?token=/);
      assert.equal((await api(wide, '/api/station')).status, 401);
      assert.equal(
        (
          await api(wide, '/api/station', undefined, {
            authorization: 'Bearer wrong-token-wrong-token',
          })
        ).status,
        401,
      );
      assert.equal(
        (await api(wide, '/api/station', undefined, { authorization: `Bearer ${wide.token}` }))
          .status,
        200,
      );
      assert.equal((await fetch(`http://127.0.0.1:${wide.port}/`)).status, 401);
      const page = await fetch(
        `http://127.0.0.1:${wide.port}/?token=${encodeURIComponent(wide.token)}`,
        { redirect: 'manual' },
      );
      assert.equal(page.status, 303);
      const cookie = page.headers.get('set-cookie')!;
      assert.match(cookie, /HttpOnly; SameSite=Strict/);
      const jar = cookie.split(';')[0]!;
      assert.equal((await api(wide, '/api/station', undefined, { cookie: jar })).status, 200);
      await assert.rejects(openLive(wide), /upgrade refused: 403/);
      const ws = await openLive(wide, `http://127.0.0.1:${wide.port}`, { cookie: jar });
      ws.close();
    } finally {
      await wide.close();
    }
    const given = await startConsole({
      port: 0,
      bind: '0.0.0.0',
      token: 'a-token-given-by-the-operator',
      config: parseStationConfig({}, '.'),
    });
    try {
      assert.equal(given.token, 'a-token-given-by-the-operator');
      assert.equal(
        (
          await api(given, '/api/station', undefined, {
            authorization: 'Bearer a-token-given-by-the-operator',
          })
        ).status,
        200,
      );
    } finally {
      await given.close();
    }
  });
});

describe('web console configuration and packet sources', () => {
  it('rejects a misspelt key and a bad source URL', () => {
    assert.throws(() => parseStationConfig({ cfdp: { bnid: 'x' } }, '.'), /unknown key 'bnid'/);
    assert.throws(
      () => parseStationConfig({ packets: { sources: [{ name: 'a', url: 'http://x' }] } }, '.'),
      /udp:\/\//,
    );
    assert.throws(
      () =>
        parseStationConfig(
          {
            packets: {
              definitions: [{ name: 'X', fields: [{ name: 'a', type: 'uint', bitz: 8 }] }],
            },
          },
          '.',
        ),
      /definitions/,
    );
  });

  it('replays a file source and receives UDP and TCP sources, counting lost packets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-web-cfg-'));
    const pk = (count: number): Uint8Array =>
      encodeSpacePacket({
        apid: 7,
        packetSequenceCount: count,
        userData: new Uint8Array([count, 1, 2]),
      });
    writeFileSync(
      join(dir, 'rec.bin'),
      Buffer.concat([pk(0), pk(1), Buffer.from([0xff, 0xff]), pk(2), pk(5)]),
    );
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const tcpPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const config = parseStationConfig(
      {
        cfdp: { filestore: 'files' },
        packets: {
          sources: [
            { name: 'file', url: 'file:rec.bin' },
            { name: 'udp', url: 'udp://127.0.0.1:0' },
            { name: 'tcp', url: `tcp-listen://127.0.0.1:${tcpPort}` },
          ],
          definitions: [{ name: 'P7', apid: 7, fields: [{ name: 'N', type: 'uint', bits: 8 }] }],
        },
      },
      dir,
    );
    const c = await startConsole({ port: 0, config });
    try {
      const links = async (): Promise<
        { id: string; address: string; good: number; lost: number }[]
      > =>
        (await api(c, '/api/links')).json['links'] as {
          id: string;
          address: string;
          good: number;
          lost: number;
        }[];
      await new Promise((r) => setTimeout(r, 200));
      const file = (await links()).find((l) => l.id === 'source:file')!;
      assert.equal(file.good, 4);
      assert.equal(file.lost, 2);
      const udpAddr = (await links()).find((l) => l.id === 'source:udp')!.address;
      const sock = createSocket('udp4');
      const port = Number(/:(\d+)$/.exec(udpAddr)![1]);
      await new Promise<void>((r) =>
        sock.send(Buffer.concat([pk(0), pk(1)]), port, '127.0.0.1', () => r()),
      );
      const { connect } = await import('node:net');
      const s = connect(tcpPort, '127.0.0.1');
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(Buffer.concat([pk(0), pk(1), pk(2)]));
      await new Promise((r) => setTimeout(r, 300));
      s.destroy();
      sock.close();
      const all = await links();
      assert.equal(all.find((l) => l.id === 'source:udp')!.good, 2);
      assert.equal(all.find((l) => l.id === 'source:tcp')!.good, 3);
      assert.equal(c.filestore, join(dir, 'files'));
      const defs = await api(c, '/api/definitions');
      assert.equal((defs.json['definitions'] as { name: string }[])[0]!.name, 'P7');
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web console upload queue', () => {
  it('queues uploads beyond maxConcurrentPuts and starts each when a slot frees; cancels a queued one', async () => {
    const c = await startConsole({
      port: 0,
      config: parseStationConfig({ demo: true, cfdp: { maxConcurrentPuts: 1 } }, '.'),
      demo: { rateBytesPerSecond: 512 * 1024, hkIntervalMs: 1000 },
    });
    const live = await openLive(c);
    try {
      for (const n of ['a', 'b', 'c'])
        assert.equal(await upload(c, `${n}.bin`, randomBytes(300_000)), 200);
      const ids: string[] = [];
      for (const n of ['a', 'b', 'c']) {
        const r = await api(c, '/api/transfers/put', {
          remoteEntityId: '2',
          localPath: `${n}.bin`,
          remotePath: `${n}.bin`,
        });
        ids.push((r.json['transfer'] as { id: string }).id);
      }
      await live.waitFor(transferIn(ids[0]!, ['active']));
      const list = (await api(c, '/api/transfers')).json['transfers'] as {
        id: string;
        state: string;
      }[];
      assert.equal(list.find((t) => t.id === ids[1])!.state, 'queued');
      assert.equal(list.find((t) => t.id === ids[2])!.state, 'queued');
      assert.equal((await api(c, `/api/transfers/${ids[2]}/cancel`, {})).status, 200);
      const cancelled = await live.waitFor(transferIn(ids[2]!, ['failed']));
      assert.match(
        (cancelled['transfer'] as { failureReason: string }).failureReason,
        /before it started/,
      );
      const first = await live.waitFor(transferIn(ids[0]!, ['completed']));
      const second = await live.waitFor(transferIn(ids[1]!, ['completed']));
      assert.equal((second['transfer'] as { bytesDone: number }).bytesDone, 300_000);
      const detail = await api(c, `/api/transfers/${ids[1]}`);
      const tl = detail.json['timeline'] as { event: string; t: number }[];
      const started = tl.find((e) => e.event === 'Transaction')!.t;
      assert.ok(
        started >= (first['transfer'] as { endedAt: number }).endedAt - 5,
        'the second started after the first ended',
      );
      assert.ok(!existsSync(join(c.demoFilestore!, 'c.bin')));
    } finally {
      live.close();
      await c.close();
    }
  });
});

describe('web console hostile requests', () => {
  it('answers random request bodies and paths with a 4xx, never a 500', async () => {
    const fc = (await import('fast-check')).default;
    const c = await startConsole({ port: 0, demo: { hkIntervalMs: 1000 } });
    try {
      const value = fc.oneof(
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom(
          '../x',
          '/etc/passwd',
          'a\\b',
          'a\0b',
          '.ccsds-tmp/x',
          '2',
          '1',
          'delete',
          'rename',
        ),
        fc.array(fc.string(), { maxLength: 3 }),
      );
      const body = fc.dictionary(
        fc.constantFrom(
          'remoteEntityId',
          'localPath',
          'remotePath',
          'transmissionClass',
          'checksum',
          'segmentLength',
          'closureRequested',
          'action',
          'path',
          'to',
          'enabled',
          'on',
        ),
        value,
      );
      const route = fc.constantFrom(
        '/api/transfers/put',
        '/api/transfers/get',
        '/api/local/action',
        '/api/remote/2/action',
        '/api/remote/99/action',
        '/api/links/cfdp',
        '/api/transfers/t999/cancel',
        '/api/transfers/t1/explode',
      );
      await fc.assert(
        fc.asyncProperty(route, body, async (r, b) => {
          // Remote actions that would really run (mkdir/rename of plausible names) are fine too.
          const res = await api(c, r, b);
          assert.ok(
            res.status < 500,
            `${r} ${JSON.stringify(b)} -> ${res.status} ${JSON.stringify(res.json)}`,
          );
          if (r === '/api/links/cfdp') await api(c, r, { enabled: true });
        }),
        { numRuns: 150 },
      );
      for (const p of [
        '/api/local/list?path=%00',
        '/api/remote/abc/list',
        '/api/remote/2/list?path=a%5Cb',
        '/api/transfers/%2e%2e',
      ]) {
        const res = await api(c, p);
        assert.ok(res.status >= 400 && res.status < 500, `${p} -> ${res.status}`);
      }
      const bad = await fetch(`http://127.0.0.1:${c.port}/api/transfers/put`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ccsds-console': '1' },
        body: '{"unterminated',
      });
      assert.equal(bad.status, 400);
    } finally {
      await c.close();
    }
  });
});
