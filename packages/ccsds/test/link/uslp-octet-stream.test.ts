/**
 * USLP MAP Octet Stream service (TFDZ rule '011', variable-length frames): the stream comes out
 * whole next to packets and SDUs on other MAPs of the same VC; with frames dropped, exactly the
 * octets of the lost frames are missing and the gaps are reported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, SeededRandom, toHex } from 'ccsds/core';
import { decodeUslpFrame, type LinkEvent, UslpReceiver, UslpSender } from 'ccsds/link';
import { lossRuns, randomPacket } from './helpers.js';

test('USLP octet stream: refused on fixed-length frames', () => {
  const tx = new UslpSender({
    spacecraftId: 1,
    frameType: 'fixed',
    frameLength: 64,
    channels: [{ virtualChannelId: 1 }],
  });
  assert.throws(() => tx.sendOctetStream(1, 0, Uint8Array.of(1)), /variable-length/);
});

test('USLP octet stream next to packets and SDUs: whole without loss, minus exactly the lost frames with loss', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 20, max: 300 }),
      fc.double({ min: 0, max: 0.4, noNaN: true }),
      (seed, frameLength, lossRate) => {
        const rng = new SeededRandom(seed);
        const tx = new UslpSender({
          spacecraftId: 99,
          frameType: 'variable',
          frameLength,
          fecfPresent: true,
          vcFrameCountLength: 2,
          channels: [
            { virtualChannelId: 3, mapId: 4 },
            { virtualChannelId: 3, mapId: 0 },
            { virtualChannelId: 3, mapId: 7 },
          ],
          multiplexing: { kind: 'polling', vector: [3 * 16 + 4, 3 * 16, 3 * 16 + 7] },
        });
        const chunks: Uint8Array[] = [];
        const packets: string[] = [];
        const frames: Uint8Array[] = [];
        for (let s = 0; s < 5 + rng.nextInt(30); s++) {
          const what = rng.nextInt(4);
          if (what === 0) {
            const c = rng.bytes(rng.nextInt(500));
            tx.sendOctetStream(3, 4, c);
            chunks.push(c);
          } else if (what === 1) {
            const p = randomPacket(rng, 1, 100);
            tx.send(3, 0, p);
            packets.push(toHex(p));
          } else if (what === 2) tx.sendSdu(3, 7, rng.bytes(1 + rng.nextInt(300)));
          else for (let f = tx.readyFrame(); f !== undefined; f = tx.readyFrame()) frames.push(f);
        }
        frames.push(...tx.flush());
        assert.ok(frames.every((f) => f.length <= frameLength));
        const decoded = frames.map((f) => decodeUslpFrame(f, { fecfPresent: true }));
        const streamFrames = decoded.flatMap((d, i) =>
          d.mapId === 4 ? [{ i, octets: toHex(d.tfdz), rule: d.tfdzConstructionRules }] : [],
        );
        assert.ok(streamFrames.every((f) => f.rule === 3));
        assert.equal(streamFrames.map((f) => f.octets).join(''), toHex(concatBytes(chunks)));
        const lost = new Set<number>();
        for (let i = 0; i < frames.length; i++) if (rng.chance(lossRate)) lost.add(i);
        let got = '';
        const gotPackets: string[] = [];
        const events: LinkEvent[] = [];
        const rx = new UslpReceiver({
          frameType: 'variable',
          fecfPresent: true,
          onSdu: (s) => {
            if (s.mapId === 4) {
              assert.equal(s.tfdzConstructionRules, 3);
              got += toHex(s.data);
            }
          },
          onPacket: (p) => gotPackets.push(toHex(p.data)),
          onEvent: (e) => events.push(e),
        });
        frames.forEach((f, i) => {
          if (!lost.has(i)) rx.pushFrame(f);
        });
        rx.end();
        assert.equal(
          got,
          streamFrames
            .filter((f) => !lost.has(f.i))
            .map((f) => f.octets)
            .join(''),
        );
        if (lost.size === 0) assert.deepEqual(gotPackets, packets);
        // One gap event per run of lost frames between received ones (the VC's count).
        assert.deepEqual(
          events.flatMap((e) => (e.type === 'vc-gap' ? [e.missingFrames] : [])),
          lossRuns(frames.map((_, i) => lost.has(i))),
        );
      },
    ),
    { numRuns: 150 },
  );
});
