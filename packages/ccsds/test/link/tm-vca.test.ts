/**
 * TM Virtual Channel Access service, sender to receiver: the shared vector rebuilt byte for
 * byte, a property test with frames dropped (SDUs, status fields, continuity flags and gaps
 * exactly where frames went missing, packets of a neighbouring VC unharmed), and receiver fuzzing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, SeededRandom, toHex } from 'ccsds/core';
import {
  decodeTmFrame,
  type LinkEvent,
  type ReceivedPacket,
  type TmAccessData,
  TmReceiver,
  TmSender,
} from 'ccsds/link';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';
import { assertInOrderSubset, expectedVcGaps, lossRuns, randomPacket } from './helpers.js';

interface Vector {
  name: string;
  hex: string;
  fields: { data_field_offset: number; data_field_length: number; ocf: string };
}

test('tm.json: the sender rebuilds tm-1115-sync1-vca byte for byte (status fields 100, FHP all ones)', () => {
  const v = loadVectors<{ vectors: Vector[] }>('frames/tm.json').vectors.find(
    (x) => x.name === 'tm-1115-sync1-vca',
  )!;
  const tx = new TmSender({
    spacecraftId: 965,
    frameLength: 1115,
    fecfPresent: true,
    ocfPresent: true,
    masterChannelFrameCount: 80,
    virtualChannels: [{ virtualChannelId: 6, service: 'vca', virtualChannelFrameCount: 81 }],
  });
  assert.equal(tx.accessSduLength(6), v.fields.data_field_length);
  tx.setOperationalControlField(fromHex(v.fields.ocf));
  const bytes = fromHex(v.hex);
  const off = v.fields.data_field_offset;
  tx.sendAccess(6, bytes.subarray(off, off + v.fields.data_field_length), 0b100);
  assert.equal(toHex(tx.readyFrame()!), v.hex);
  assert.equal(tx.readyFrame(), undefined);
  const f = decodeTmFrame(tx.nextFrame(), { fecfPresent: true });
  assert.equal(f.virtualChannelId, 7); // nothing waiting: Only Idle Data on the idle VC
});

test('TM VCA: wrong calls are refused', () => {
  const tx = new TmSender({
    spacecraftId: 1,
    frameLength: 100,
    virtualChannels: [{ virtualChannelId: 2, service: 'vca' }, { virtualChannelId: 3 }],
  });
  assert.throws(() => tx.sendAccess(2, new Uint8Array(93)), /VCA_SDU of 93 octets/);
  assert.throws(() => tx.sendAccess(2, new Uint8Array(94), 8));
  assert.throws(() => tx.sendAccess(3, new Uint8Array(94)), /carries packets/);
  assert.throws(() => tx.send(2, randomPacket(new SeededRandom(2))), /carries VCA_SDUs/);
  assert.throws(
    () =>
      new TmSender({
        spacecraftId: 1,
        frameLength: 100,
        idleVirtualChannelId: 2,
        virtualChannels: [{ virtualChannelId: 2, service: 'vca' }],
      }),
    /idle virtual channel/,
  );
});

test('TM VCA and packet VCs through one master channel: with frames dropped, SDUs, status fields, continuity and VC/MC gaps match the drops', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 20, max: 400 }),
      fc.double({ min: 0, max: 0.35, noNaN: true }),
      (seed, frameLength, lossRate) => {
        const rng = new SeededRandom(seed);
        const tx = new TmSender({
          spacecraftId: 300,
          frameLength,
          fecfPresent: true,
          virtualChannels: [
            { virtualChannelId: 1 },
            { virtualChannelId: 2, service: 'vca', secondaryHeaderLength: 3, ocfPresent: true },
          ],
          multiplexing: { kind: 'polling', vector: [2, 1] },
        });
        const sduLength = tx.accessSduLength(2);
        assert.equal(sduLength, frameLength - 6 - 4 - 4 - 2);
        const sdus: { hex: string; status: number }[] = [];
        const packets: string[] = [];
        const frames: Uint8Array[] = [];
        const steps = 5 + rng.nextInt(40);
        for (let s = 0; s < steps; s++) {
          const what = rng.nextInt(4);
          if (what === 0) {
            const sdu = rng.bytes(sduLength);
            const status = rng.nextInt(8);
            tx.sendAccess(2, sdu, status);
            sdus.push({ hex: toHex(sdu), status });
          } else if (what === 1) {
            const p = randomPacket(rng, 1, 60);
            tx.send(1, p);
            packets.push(toHex(p));
          } else if (what === 2) frames.push(tx.nextFrame());
          else for (let f = tx.readyFrame(); f !== undefined; f = tx.readyFrame()) frames.push(f);
        }
        frames.push(...tx.flush());
        const vcOf = frames.map((f) => (f[1]! >> 1) & 7);
        // Sender side: every VCA frame has the sync flag, its status fields and FHP all ones.
        let k = 0;
        frames.forEach((f, i) => {
          if (vcOf[i] !== 2) return;
          const d = decodeTmFrame(f, { fecfPresent: true });
          assert.ok(d.synchronisationFlag);
          assert.equal(d.firstHeaderPointer, 0x7ff);
          assert.equal((d.packetOrderFlag ? 4 : 0) | d.segmentLengthId, sdus[k]!.status);
          assert.equal(toHex(d.dataField), sdus[k]!.hex);
          k++;
        });
        assert.equal(k, sdus.length);
        const lost = new Set<number>();
        for (let i = 0; i < frames.length; i++) if (rng.chance(lossRate)) lost.add(i);
        const access: { hex: string; status: number; continuous: boolean }[] = [];
        const got: ReceivedPacket[] = [];
        const events: LinkEvent[] = [];
        const rx = new TmReceiver({
          frameLength,
          fecfPresent: true,
          virtualChannels: { 2: { secondaryHeaderLength: 3 } },
          onAccessData: (d: TmAccessData) =>
            access.push({ hex: toHex(d.data), status: d.statusFields, continuous: d.continuous }),
          onPacket: (p) => got.push(p),
          onEvent: (e) => events.push(e),
        });
        frames.forEach((f, i) => {
          if (!lost.has(i)) rx.pushFrame(f);
        });
        rx.end();
        const expected: { hex: string; status: number; continuous: boolean }[] = [];
        let n = 0;
        let prev = -1;
        frames.forEach((_, i) => {
          if (vcOf[i] !== 2) return;
          const sdu = sdus[n++]!;
          if (lost.has(i)) return;
          let gap = prev < 0;
          for (let j = prev + 1; j < i; j++) if (vcOf[j] === 2 && lost.has(j)) gap = true;
          expected.push({ ...sdu, continuous: !gap });
          prev = i;
        });
        assert.deepEqual(access, expected);
        if (lost.size === 0)
          assert.deepEqual(
            got.map((p) => toHex(p.data)),
            packets,
          );
        assertInOrderSubset(
          got.filter((q) => q.quality === 'good').map((p) => toHex(p.data)),
          packets,
        );
        // Gaps: per VC, and on the master channel (every frame counts there).
        assert.deepEqual(
          events
            .flatMap((e) =>
              e.type === 'vc-gap' ? [`${e.virtualChannelId}:${e.missingFrames}`] : [],
            )
            .sort(),
          expectedVcGaps(vcOf, lost, [1, 2, 7]),
        );
        assert.deepEqual(
          events.flatMap((e) => (e.type === 'mc-gap' ? [e.missingFrames] : [])),
          lossRuns(frames.map((_, i) => lost.has(i))),
        );
        assert.equal(rx.counters.badCrc + rx.counters.badHeader, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test('fuzz: TM receiver with VCA and packet frames never throws; VCA data stays inside the frame', () => {
  const rng = new SeededRandom(5);
  const tx = new TmSender({
    spacecraftId: 12,
    frameLength: 80,
    fecfPresent: true,
    virtualChannels: [{ virtualChannelId: 0, service: 'vca' }, { virtualChannelId: 1 }],
  });
  const seeds: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    tx.sendAccess(0, rng.bytes(tx.accessSduLength(0)), rng.nextInt(8));
    tx.send(1, randomPacket(rng, 1, 90));
    seeds.push(tx.nextFrame());
  }
  seeds.push(...tx.flush(), tx.nextFrame());
  let delivered = 0;
  const rx = new TmReceiver({
    frameLength: 80,
    fecfPresent: true,
    onAccessData: (d) => {
      assert.ok(d.data.length > 0 && d.data.length <= 72 && d.statusFields < 8);
      delivered++;
    },
  });
  const r = fuzzDecoder(
    (b) => {
      rx.pushFrame(b);
      rx.push(b);
    },
    { seeds, seed: 6, maxRandomLength: 100, runs: 50_000 },
  );
  assert.equal(r.rejected, 0);
  assert.ok(delivered > 0);
});
