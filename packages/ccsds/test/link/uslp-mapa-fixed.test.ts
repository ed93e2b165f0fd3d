/**
 * USLP MAPA_SDUs on fixed-length frames (TFDZ rules '001' start and '010' continuing, Last Valid
 * Octet Pointer, idle fill): sender to receiver, exact without loss; with frames dropped, exactly
 * the SDUs that lost a frame are missing (dropped, or flagged with only their first octets).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom, toHex } from 'ccsds/core';
import {
  decodeUslpFrame,
  type LinkEvent,
  UslpReceiver,
  type UslpReceivedSdu,
  UslpSender,
} from 'ccsds/link';
import { randomPacket } from './helpers.js';

test('USLP fixed MAPA frames: rules, pointers and fill', () => {
  const tx = new UslpSender({
    spacecraftId: 10,
    frameType: 'fixed',
    frameLength: 40,
    vcFrameCountLength: 1,
    channels: [{ virtualChannelId: 2, mapId: 3, service: 'mapa' }],
  });
  const zone = 40 - 8 - 3;
  assert.throws(() => tx.send(2, 3, randomPacket(new SeededRandom(1))), /MAPA_SDUs/);
  tx.sendSdu(
    2,
    3,
    Uint8Array.from({ length: zone + 5 }, (_, i) => i),
  );
  tx.sendSdu(2, 3, Uint8Array.of(7, 7), 6);
  const frames = tx.flush();
  assert.equal(frames.length, 3);
  const d = frames.map((f) => decodeUslpFrame(f, { fixedFrameLength: 40 }));
  assert.deepEqual(
    d.map((f) => [f.tfdzConstructionRules, f.firstHeaderOrLastValidOctetPointer, f.uslpProtocolId]),
    [
      [1, 0xffff, 5],
      [2, 4, 5],
      [1, 1, 6],
    ],
  );
  assert.equal(toHex(d[1]!.tfdz.subarray(5)), '55'.repeat(zone - 5));
  const fresh = new UslpSender({
    spacecraftId: 10,
    frameType: 'fixed',
    frameLength: 40,
    channels: [{ virtualChannelId: 2 }],
  });
  assert.throws(() => fresh.sendSdu(2, 0, Uint8Array.of(1)), /service: 'mapa'/);
});

test('USLP fixed MAPA_SDUs next to a packet VC: exact without loss, losses cost exactly the SDUs they touch', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 20, max: 200 }),
      fc.double({ min: 0, max: 0.4, noNaN: true }),
      fc.boolean(),
      (seed, frameLength, lossRate, flag) => {
        const rng = new SeededRandom(seed);
        const tx = new UslpSender({
          spacecraftId: 0x4242,
          frameType: 'fixed',
          frameLength,
          fecfPresent: true,
          vcFrameCountLength: 2,
          channels: [{ virtualChannelId: 2, mapId: 3, service: 'mapa' }, { virtualChannelId: 5 }],
          multiplexing: { kind: 'polling', vector: [2 * 16 + 3, 5 * 16] },
        });
        const zone = frameLength - 9 - 3 - 2;
        const sdus = Array.from({ length: rng.nextInt(12) }, () =>
          rng.bytes(1 + rng.nextInt(3 * zone)),
        );
        for (const s of sdus) {
          tx.sendSdu(2, 3, s);
          if (rng.chance(0.5)) tx.send(5, 0, randomPacket(rng, 1, 2 * zone));
        }
        const frames = tx.flush();
        const vcOf = frames.map((f) => (((f[2]! << 8) | f[3]!) >> 5) & 0x3f);
        // Frames of each SDU, in the order sent on VC 2.
        const spans: number[][] = [];
        let k = 0;
        for (const s of sdus) {
          const n = Math.ceil(s.length / zone);
          const mine: number[] = [];
          while (mine.length < n) {
            if (vcOf[k] === 2) mine.push(k);
            k++;
          }
          spans.push(mine);
        }
        const lost = new Set<number>();
        for (let i = 0; i < frames.length; i++) if (rng.chance(lossRate)) lost.add(i);
        const got: UslpReceivedSdu[] = [];
        const events: LinkEvent[] = [];
        const rx = new UslpReceiver({
          frameType: 'fixed',
          frameLength,
          fecfPresent: true,
          gapPolicy: flag ? 'flag' : 'drop',
          onSdu: (s) => got.push(s),
          onEvent: (e) => events.push(e),
        });
        frames.forEach((f, i) => {
          if (!lost.has(i)) rx.pushFrame(f);
        });
        rx.end();
        const good = got.filter((s) => s.quality === 'good');
        assert.ok(got.every((s) => s.virtualChannelId === 2 && s.mapId === 3));
        assert.deepEqual(
          good.map((s) => toHex(s.data)),
          sdus.filter((_, i) => spans[i]!.every((f) => !lost.has(f))).map(toHex),
        );
        const flagged = got.filter((s) => s.quality === 'incomplete');
        if (!flag) assert.equal(flagged.length, 0);
        // A flagged SDU is a true prefix of a lost one.
        for (const s of flagged) {
          const h = toHex(s.data);
          assert.ok(
            sdus.some((x, i) => spans[i]!.some((f) => lost.has(f)) && toHex(x).startsWith(h)),
          );
        }
        assert.equal(rx.counters.badCrc + rx.counters.badHeader, 0);
        if (lost.size === 0) assert.equal(events.length, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('USLP sender: the unit queue is bounded and frees what it sends', () => {
  for (const frameType of ['fixed', 'variable'] as const) {
    const tx = new UslpSender({
      spacecraftId: 1,
      frameType,
      frameLength: 100,
      maxQueuedOctets: 1000,
      channels: [{ virtualChannelId: 1, service: 'mapa' }],
    });
    tx.sendSdu(1, 0, new Uint8Array(600));
    tx.sendSdu(1, 0, new Uint8Array(400));
    assert.throws(
      () => tx.sendSdu(1, 0, new Uint8Array(1)),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'LIMIT_EXCEEDED',
    );
    assert.ok(tx.flush().length > 0);
    tx.sendSdu(1, 0, new Uint8Array(1000)); // all sent: room again
    assert.ok(tx.flush().length >= 10);
  }
});
