import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock, fromHex, toHex } from 'ccsds/core';
import { CfdpEntity, type Pdu, decodePdu, simpleMib } from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { SimulatedNetwork } from 'ccsds/transport';
import { loadVectors } from '../support/vectors.js';
import { readAll, runUntilTime } from './sim.js';

interface Trace {
  config: {
    class: number;
    pdu_crc: boolean;
    nak_mode?: string;
    destination_file_name: string;
    closure_requested: boolean;
  };
  file: { size: number; hex: string };
  pdus: { direction: string; hex: string; dropped?: boolean; pdu: string }[];
}

/** Replays the sender's side of a recorded cfdp-py transfer into our receiver; returns what it sent. */
async function replay(
  name: string,
): Promise<{ trace: Trace; responses: Pdu[]; log: string[]; file: Uint8Array | undefined }> {
  const trace = loadVectors<Trace>(`cfdp/traces/${name}.json`);
  const clock = new SimulatedClock({ seed: 1 });
  const net = new SimulatedNetwork(clock);
  const fs = new MemoryFileStore({ now: () => clock.now() });
  const rx = new CfdpEntity({
    mib: simpleMib(2, [
      {
        entityId: 1,
        address: 'sim://src',
        crc: trace.config.pdu_crc,
        nakMode: (trace.config.nak_mode ?? 'immediate') as 'immediate',
        keepAliveIntervalMs: 0,
        ackTimerMs: 60_000,
        nakTimerMs: 60_000,
      },
    ]),
    transport: net.node('rx'),
    filestore: fs,
    clock,
  });
  const src = net.node('src');
  const responses: Pdu[] = [];
  const log: string[] = [];
  src.events.on('message', (d) => {
    const p = decodePdu(d);
    responses.push(p);
    log.push(`R>S ${p.kind}`);
  });
  rx.events.on('pduError', (e) => assert.fail(String(e.error)));
  let t = 0;
  for (const p of trace.pdus) {
    if (p.direction !== 'sender_to_receiver' || p.dropped === true) continue;
    log.push(`S>R ${p.pdu}`);
    await src.send('sim://rx', fromHex(p.hex));
    t += 10;
    await runUntilTime(clock, t);
  }
  await runUntilTime(clock, t + 1000);
  return { trace, responses, log, file: await readAll(fs, trace.config.destination_file_name) };
}

function checkHeaders(responses: Pdu[], crc: boolean, mode: number): void {
  for (const r of responses) {
    assert.equal(r.header.version, 1);
    assert.equal(r.header.pduType, 0);
    assert.equal(r.header.transmissionMode, mode);
    assert.equal(r.header.sourceEntityId, 1n);
    assert.equal(r.header.destinationEntityId, 2n);
    assert.equal(r.header.transactionSequenceNumber, 0n);
    assert.equal(r.header.crcFlag, crc);
    assert.equal(r.header.direction, 1, `${r.kind} goes toward the sender`);
  }
}

test('trace class1_small: exactly one Finished after the EOF, no NAK, no ACK', async () => {
  const { trace, responses, file } = await replay('class1_small');
  checkHeaders(responses, trace.config.pdu_crc, 1);
  assert.deepEqual(
    responses.map((r) => r.kind),
    ['finished'],
  );
  const f = responses[0]!;
  assert.ok(
    f.kind === 'finished' &&
      f.conditionCode === 0 &&
      f.deliveryCode === 0 &&
      f.faultLocation === undefined,
  );
  assert.equal(toHex(file!), trace.file.hex);
});

test('trace class2_noloss: ACK(EOF), Finished, no NAK, CRC on responses', async () => {
  const { trace, responses, file } = await replay('class2_noloss');
  checkHeaders(responses, true, 0);
  assert.deepEqual(
    responses.map((r) => r.kind),
    ['ack', 'finished'],
  );
  const ack = responses[0]!;
  assert.ok(
    ack.kind === 'ack' &&
      ack.ackedDirectiveCode === 4 &&
      ack.directiveSubtypeCode === 0 &&
      ack.conditionCode === 0,
  );
  const fin = responses[1]!;
  assert.ok(
    fin.kind === 'finished' &&
      fin.conditionCode === 0 &&
      fin.deliveryCode === 0 &&
      fin.faultLocation === undefined,
  );
  assert.equal(toHex(file!), trace.file.hex);
});

function nakRequests(responses: Pdu[]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of responses) {
    if (r.kind !== 'nak') continue;
    for (const [s, e] of r.segmentRequests) {
      assert.ok(
        Number(r.startOfScope) <= Number(s) && Number(e) <= Number(r.endOfScope),
        'requests within scope',
      );
      out.push([Number(s), Number(e)]);
    }
  }
  return out;
}

test('trace class2_loss_fd2_fd5 (immediate NAK): both gaps requested exactly, then Finished', async () => {
  const { trace, responses, file } = await replay('class2_loss_fd2_fd5');
  checkHeaders(responses, false, 0);
  assert.deepEqual(nakRequests(responses), [
    [1024, 2048],
    [4096, 5120],
  ]);
  const kinds = responses.map((r) => r.kind);
  assert.ok(kinds.lastIndexOf('nak') < kinds.indexOf('finished'));
  const fin = responses.find((r) => r.kind === 'finished');
  assert.ok(fin?.kind === 'finished' && fin.conditionCode === 0 && fin.deliveryCode === 0);
  assert.equal(toHex(file!), trace.file.hex);
});

test('trace class2_loss_fd2_fd5_deferred: after the EOF, NAKs cover exactly the missing ranges', async () => {
  const { trace, responses, file } = await replay('class2_loss_fd2_fd5_deferred');
  checkHeaders(responses, false, 0);
  const kinds = responses.map((r) => r.kind);
  assert.equal(kinds[0], 'ack', 'ACK(EOF) first');
  assert.deepEqual(nakRequests(responses), [
    [1024, 2048],
    [4096, 5120],
  ]);
  assert.ok(
    kinds.indexOf('nak') > kinds.indexOf('ack') && kinds.indexOf('finished') > kinds.indexOf('nak'),
  );
  assert.equal(toHex(file!), trace.file.hex);
});
