import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CcsdsErrorCode, isCcsdsError } from 'ccsds/core';
import { decodeSpacePacket, encodeSpacePacket } from 'ccsds/spp';
import { decodeEncapsulationPacket, encodeEncapsulationPacket } from 'ccsds/epp';
import { MemoryNetwork } from 'ccsds/transport';
import { UdpTransport } from 'ccsds/transport/node';
import { EppConvergenceLayer, SppConvergenceLayer } from 'ccsds/bp';
import {
  FileConvergenceLayer,
  TcpclConvergenceLayer,
  openStcpCla,
  openUdpCla,
} from 'ccsds/bp/node';
import { bundleOfLength, claCompliance, collectBundles } from './cla-compliance.js';

claCompliance('SPP over memory', async () => {
  const net = new MemoryNetwork();
  return {
    a: new SppConvergenceLayer(net.endpoint(), { apid: 5 }),
    b: new SppConvergenceLayer(net.endpoint(), { apid: 5 }),
  };
});
claCompliance('SPP over UDP', async () => ({
  a: new SppConvergenceLayer(await UdpTransport.open(), { apid: 100 }),
  b: new SppConvergenceLayer(await UdpTransport.open(), { apid: 100 }),
}));
claCompliance('EPP over memory', async () => {
  const net = new MemoryNetwork({ maxMessageLength: 200_000 });
  return { a: new EppConvergenceLayer(net.endpoint()), b: new EppConvergenceLayer(net.endpoint()) };
});
claCompliance('UDP', async () => ({ a: await openUdpCla(), b: await openUdpCla() }));
claCompliance('STCP', async () => ({ a: await openStcpCla(), b: await openStcpCla() }));
claCompliance('TCPCLv4', async () => ({
  a: await TcpclConvergenceLayer.open({
    nodeId: 'ipn:1.0',
    segmentMru: 4096,
    transferMru: 1 << 20,
  }),
  b: await TcpclConvergenceLayer.open({
    nodeId: 'ipn:2.0',
    segmentMru: 4096,
    transferMru: 1 << 20,
  }),
}));

const dirs: string[] = [];
claCompliance(
  'File',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccsds-filecla-'));
    dirs.push(dir);
    return {
      a: new FileConvergenceLayer({ inbox: join(dir, 'a.bundles'), pollIntervalMs: 5 }),
      b: new FileConvergenceLayer({ inbox: join(dir, 'b.bundles'), pollIntervalMs: 5 }),
    };
  },
  { replyToFrom: false, inOrderCount: 200 },
);
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('SPP: per-link APIDs, no secondary header, counts wrap at 16384, foreign packets refused', async () => {
  const seen: Uint8Array[] = [];
  const net = new MemoryNetwork({ drop: (d) => (seen.push(d.slice()), false) });
  const a = new SppConvergenceLayer(net.endpoint('a'), { apid: 5, links: { 'mem://c': 9 } });
  const b = new SppConvergenceLayer(net.endpoint('b'), { apid: 5 });
  const c = new SppConvergenceLayer(net.endpoint('c'), { apid: 9 });
  try {
    const x = bundleOfLength(100);
    const gotB = collectBundles(b, 1);
    const gotC = collectBundles(c, 1);
    await a.send('mem://b', x);
    await a.send('mem://c', x);
    await Promise.all([gotB, gotC]);
    const [pb, pc] = seen.map((d) => decodeSpacePacket(d).header);
    assert.equal(pb!.apid, 5);
    assert.equal(pc!.apid, 9);
    assert.equal(pb!.secondaryHeaderFlag, false);
    assert.equal(pb!.sequenceFlags, 3);
    // Jump to the end of the count range (internal state) rather than sending 16,381 more bundles.
    (a as unknown as { counts: Map<string, number> }).counts.set('mem://b', 16383);
    assert.equal(a.nextSequenceCount('mem://b'), 16383);
    await a.send('mem://b', x);
    assert.equal(a.nextSequenceCount('mem://b'), 0);
    assert.equal(decodeSpacePacket(seen[2]!).header.packetSequenceCount, 16383);
    await assert.rejects(
      a.send('mem://b', bundleOfLength(65_537)),
      (e) =>
        isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED) && /65536 octets/.test((e as Error).message),
    );
    // A packet with a secondary header, or of another APID, is dropped with an error event.
    const raw = net.endpoint('raw');
    const errors: Error[] = [];
    b.events.on('error', (e) => errors.push(e));
    await raw.send(
      'mem://b',
      encodeSpacePacket({ apid: 5, secondaryHeader: new Uint8Array([1]), userData: x }),
    );
    await raw.send('mem://b', encodeSpacePacket({ apid: 6, userData: x }));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(errors.length, 2);
    assert.equal(b.stats.dropped, 2);
    await raw.close();
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test('EPP: protocol ID 4 in the smallest header; other protocols dropped and counted', async () => {
  const seen: Uint8Array[] = [];
  const net = new MemoryNetwork({ drop: (d) => (seen.push(d.slice()), false) });
  const a = new EppConvergenceLayer(net.endpoint('a'));
  const b = new EppConvergenceLayer(net.endpoint('b'));
  try {
    const got = collectBundles(b, 2);
    await a.send('mem://b', bundleOfLength(100));
    await a.send('mem://b', bundleOfLength(1000));
    await got;
    const h1 = decodeEncapsulationPacket(seen[0]!).header;
    const h2 = decodeEncapsulationPacket(seen[1]!).header;
    assert.equal(h1.protocolId, 4);
    assert.equal(h1.headerLength, 2);
    assert.equal(h2.headerLength, 4);
    const raw = net.endpoint('raw');
    await raw.send(
      'mem://b',
      encodeEncapsulationPacket({ protocolId: 3, data: new Uint8Array(10) }),
    );
    await raw.send('mem://b', encodeEncapsulationPacket({ protocolId: 0 }));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(b.otherProtocols, 2);
    assert.equal(b.stats.dropped, 2);
    assert.equal(b.stats.bundlesReceived, 2);
    await raw.close();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
