import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RealClock } from 'ccsds/core';
import { CfdpEntity, simpleMib } from 'ccsds/cfdp';
import { NativeFileStore } from 'ccsds/filestore/node';
import { BpTransport, BundleAgent, CFDP_RECEIVE_SERVICE, CFDP_SEND_SERVICE } from 'ccsds/bp';
import { openUdpCla } from 'ccsds/bp/node';

test('CFDP over BP: two CFDP entities transfer a file through two bundle agents over UDP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-cfdp-bp-'));
  const clock = new RealClock();
  const claA = await openUdpCla();
  const claB = await openUdpCla();
  const agentA = new BundleAgent({
    node: 1,
    clock,
    clas: [claA],
    routes: [{ node: 2, address: claB.address }],
  });
  const agentB = new BundleAgent({
    node: 2,
    clock,
    clas: [claB],
    routes: [{ node: 1, address: claA.address }],
  });
  const sources: string[] = [];
  agentB.events.on('delivered', (b) => {
    const s = b.primary.source;
    if (s.scheme === 'ipn')
      sources.push(
        `${s.node}.${s.service}->${b.primary.destination.scheme === 'ipn' ? b.primary.destination.service : ''}`,
      );
  });
  const ta = new BpTransport(agentA);
  const tb = new BpTransport(agentB);
  assert.equal(ta.address, 'ipn:1.65');
  try {
    const fsA = await NativeFileStore.open(join(dir, 'a'), { create: true });
    const fsB = await NativeFileStore.open(join(dir, 'b'), { create: true });
    const common = {
      ackTimerMs: 500,
      nakTimerMs: 500,
      keepAliveIntervalMs: 0,
      inactivityTimerMs: 30_000,
      maxFileSegmentLength: 4000,
    };
    const a = new CfdpEntity({
      mib: simpleMib(1, [{ ...common, entityId: 2, address: tb.address }]),
      transport: ta,
      filestore: fsA,
      clock,
    });
    const b = new CfdpEntity({
      mib: simpleMib(2, [{ ...common, entityId: 1, address: ta.address }]),
      transport: tb,
      filestore: fsB,
      clock,
    });
    const data = randomBytes(200_000);
    writeFileSync(join(dir, 'a', 'src.bin'), data);
    const done = new Promise<number>((resolve) =>
      b.events.on('transactionFinished', (e) => resolve(e.conditionCode)),
    );
    const finishedAtSender = new Promise<number>((resolve) =>
      a.events.on('transactionFinished', (e) => resolve(e.conditionCode)),
    );
    await a.put({
      destinationEntityId: 2,
      sourceFileName: 'src.bin',
      destinationFileName: 'dst.bin',
      transmissionClass: 2,
    });
    assert.equal(await done, 0);
    assert.equal(await finishedAtSender, 0);
    assert.ok(readFileSync(join(dir, 'b', 'dst.bin')).equals(data));
    assert.ok(sources.length > 50);
    assert.ok(sources.every((s) => s === `1.${CFDP_SEND_SERVICE}->${CFDP_RECEIVE_SERVICE}`));
    await a.close(0);
    await b.close(0);
  } finally {
    agentA.close();
    agentB.close();
    await Promise.all([ta.close(), tb.close(), claA.close(), claB.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
