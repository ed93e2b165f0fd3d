/**
 * Property tests: any sequence of Space and Encapsulation Packets sent through a virtual channel
 * generator comes out identical at the receiver; with frames dropped (or corrupted), exactly the
 * packets that had an octet in a lost frame are missing, and a gap is reported exactly at each
 * run of lost frames. TM, AOS and USLP (fixed and variable-length frames).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom, toHex } from 'ccsds/core';
import {
  AosReceiver,
  AosSender,
  type LinkEvent,
  type ReceivedPacket,
  TmReceiver,
  TmSender,
  UslpReceiver,
  UslpSender,
} from 'ccsds/link';
import { randomPacket } from './helpers.js';

interface Harness {
  /** Frames for the packets (per VC, in order of sending), with each frame's VC. */
  send(perVc: Map<number, Uint8Array[]>): { frames: Uint8Array[]; vcOf: number[] };
  /** Receiver output for a frame list. */
  receive(
    frames: Uint8Array[],
    policy: 'flag' | 'drop',
  ): { packets: ReceivedPacket[]; events: LinkEvent[] };
  /** Packet-zone octets per frame (constant per VC here). */
  zone: number;
  vcs: number[];
  fecf: boolean;
}

function tmHarness(
  frameLength: number,
  fecf: boolean,
  idleFill: 'space-packet' | 'encapsulation-packet',
): Harness {
  const vcs = [1, 4];
  return {
    vcs,
    fecf,
    zone: frameLength - 6 - (fecf ? 2 : 0) - 4,
    send(perVc) {
      const tx = new TmSender({
        spacecraftId: 77,
        frameLength,
        fecfPresent: fecf,
        ocfPresent: true,
        virtualChannels: vcs.map((virtualChannelId) => ({ virtualChannelId, idleFill })),
        multiplexing: { kind: 'polling', vector: [1, 4, 4] },
      });
      return drive(
        perVc,
        (vc, p) => tx.send(vc, p),
        () => tx.flush(),
        (f) => (f[1]! >> 1) & 7,
      );
    },
    receive(frames, gapPolicy) {
      const packets: ReceivedPacket[] = [];
      const events: LinkEvent[] = [];
      const rx = new TmReceiver({
        frameLength,
        fecfPresent: fecf,
        gapPolicy,
        onPacket: (p) => packets.push(p),
        onEvent: (e) => events.push(e),
      });
      for (const f of frames) rx.pushFrame(f);
      rx.end();
      return { packets, events };
    },
  };
}

function aosHarness(frameLength: number, fecf: boolean): Harness {
  const vcs = [3, 9];
  return {
    vcs,
    fecf,
    zone: frameLength - 6 - 2 - 4 - 2 - (fecf ? 2 : 0),
    send(perVc) {
      const tx = new AosSender({
        spacecraftId: 200,
        frameLength,
        fhecPresent: true,
        insertZoneLength: 4,
        fecfPresent: fecf,
        virtualChannels: vcs.map((virtualChannelId) => ({
          virtualChannelId,
          frameCountCycle: virtualChannelId === 9,
        })),
      });
      return drive(
        perVc,
        (vc, p) => tx.send(vc, p),
        () => tx.flush(),
        (f) => f[1]! & 0x3f,
      );
    },
    receive(frames, gapPolicy) {
      const packets: ReceivedPacket[] = [];
      const events: LinkEvent[] = [];
      const rx = new AosReceiver({
        frameLength,
        fhecPresent: true,
        insertZoneLength: 4,
        fecfPresent: fecf,
        gapPolicy,
        onPacket: (p) => packets.push(p),
        onEvent: (e) => events.push(e),
      });
      for (const f of frames) rx.pushFrame(f);
      rx.end();
      return { packets, events };
    },
  };
}

function uslpHarness(frameLength: number, fecf: boolean, fecfLength: 2 | 4 = 2): Harness {
  const vcs = [2, 5];
  return {
    vcs,
    fecf,
    zone: frameLength - 8 - 3 - (fecf ? fecfLength : 0),
    send(perVc) {
      const tx = new UslpSender({
        spacecraftId: 0xbeef,
        frameType: 'fixed',
        frameLength,
        fecfPresent: fecf,
        fecfLength,
        vcFrameCountLength: 1,
        channels: vcs.map((virtualChannelId) => ({ virtualChannelId, mapId: 3 })),
      });
      return drive(
        perVc,
        (vc, p) => tx.send(vc, 3, p),
        () => tx.flush(),
        (f) => (((f[2]! << 8) | f[3]!) >> 5) & 0x3f,
      );
    },
    receive(frames, gapPolicy) {
      const packets: ReceivedPacket[] = [];
      const events: LinkEvent[] = [];
      const rx = new UslpReceiver({
        frameType: 'fixed',
        frameLength,
        fecfPresent: fecf,
        fecfLength,
        gapPolicy,
        onPacket: (p) => packets.push(p),
        onEvent: (e) => events.push(e),
      });
      for (const f of frames) rx.pushFrame(f);
      rx.end();
      return { packets, events };
    },
  };
}

/** Queues packets in interleaved order, taking ready frames as they come, then flushes. */
function drive(
  perVc: Map<number, Uint8Array[]>,
  send: (vc: number, p: Uint8Array) => void,
  flush: () => Uint8Array[],
  vcOfFrame: (f: Uint8Array) => number,
): { frames: Uint8Array[]; vcOf: number[] } {
  const frames: Uint8Array[] = [];
  const lists = [...perVc.entries()];
  const max = Math.max(...lists.map(([, l]) => l.length));
  for (let i = 0; i < max; i++) for (const [vc, l] of lists) if (i < l.length) send(vc, l[i]!);
  frames.push(...flush());
  return { frames, vcOf: frames.map(vcOfFrame) };
}

/** The expected outcome for a set of lost frame indices. */
function expectation(
  h: Harness,
  perVc: Map<number, Uint8Array[]>,
  vcOf: number[],
  lost: Set<number>,
) {
  const good = new Map<number, string[]>();
  const lostPackets = new Map<number, string[]>();
  const gaps: [number, number][] = [];
  for (const vc of h.vcs) {
    const local = vcOf.flatMap((v, i) => (v === vc ? [i] : []));
    const lostLocal = local.map((i) => lost.has(i));
    const g: string[] = [];
    const l: string[] = [];
    let pos = 0;
    for (const p of perVc.get(vc)!) {
      const first = Math.floor(pos / h.zone);
      const last = Math.floor((pos + p.length - 1) / h.zone);
      pos += p.length;
      let hit = false;
      for (let k = first; k <= last; k++) hit ||= lostLocal[k]!;
      (hit ? l : g).push(toHex(p));
    }
    good.set(vc, g);
    lostPackets.set(vc, l);
    // One gap per run of lost frames that has a received frame before and after it.
    const firstRx = lostLocal.indexOf(false);
    for (let k = firstRx + 1; k < local.length; k++) {
      if (lostLocal[k] && !lostLocal[k - 1]) {
        let n = 0;
        while (k + n < local.length && lostLocal[k + n]) n++;
        if (k + n < local.length) gaps.push([vc, n]);
      }
    }
  }
  return { good, lostPackets, gaps };
}

function check(
  h: Harness,
  seed: number,
  lossRate: number,
  corrupt: boolean,
  policy: 'flag' | 'drop',
): void {
  const rng = new SeededRandom(seed);
  const perVc = new Map<number, Uint8Array[]>();
  for (const vc of h.vcs)
    perVc.set(
      vc,
      Array.from({ length: rng.nextInt(25) }, () => randomPacket(rng, 1, 3 * h.zone)),
    );
  const { frames, vcOf } = h.send(perVc);
  const lost = new Set<number>();
  for (let i = 0; i < frames.length; i++) if (rng.chance(lossRate)) lost.add(i);
  const received = frames.flatMap((f, i) => {
    if (!lost.has(i)) return [f];
    if (!corrupt) return [];
    const c = f.slice();
    const bit = rng.nextInt(c.length * 8);
    c[bit >> 3] = c[bit >> 3]! ^ (0x80 >> (bit & 7));
    return [c];
  });
  const { packets, events } = h.receive(received, policy);
  const exp = expectation(h, perVc, vcOf, lost);
  for (const vc of h.vcs) {
    const mine = packets.filter((p) => p.virtualChannelId === vc);
    assert.deepEqual(
      mine.filter((p) => p.quality === 'good').map((p) => toHex(p.data)),
      exp.good.get(vc),
      `seed ${seed} vc ${vc}`,
    );
    // Flagged packets are true prefixes of lost packets, in order; dropped ones never appear.
    const flagged = mine.filter((p) => p.quality === 'incomplete').map((p) => toHex(p.data));
    if (policy === 'drop') assert.equal(flagged.length, 0);
    let j = 0;
    const lostList = exp.lostPackets.get(vc)!;
    for (const f of flagged) {
      while (j < lostList.length && !(lostList[j]!.startsWith(f) && lostList[j]!.length > f.length))
        j++;
      assert.ok(j < lostList.length, `seed ${seed}: flagged packet is no prefix of a lost packet`);
      j++;
    }
  }
  // Per VC in order of arrival (the expectation is grouped by VC).
  const gapEvents = events
    .flatMap((e) =>
      e.type === 'vc-gap' ? [[e.virtualChannelId, e.missingFrames] as [number, number]] : [],
    )
    .sort((a, b) => h.vcs.indexOf(a[0]) - h.vcs.indexOf(b[0]));
  assert.deepEqual(gapEvents, exp.gaps, `seed ${seed}`);
  const badCrc = events.filter((e) => e.type === 'bad-crc').length;
  const badHeader = events.filter((e) => e.type === 'bad-header').length;
  if (corrupt) assert.equal(badCrc + badHeader, lost.size);
  else assert.equal(badCrc + badHeader, 0);
}

const cases: [string, () => Harness, boolean][] = [
  ['TM 1115 OCF+FECF, space idle fill', () => tmHarness(1115, true, 'space-packet'), true],
  [
    'TM 223 no FECF, encapsulation idle fill',
    () => tmHarness(223, false, 'encapsulation-packet'),
    false,
  ],
  ['AOS 892 FHEC+IZ+FECF', () => aosHarness(892, true), true],
  ['AOS 128 FHEC+IZ', () => aosHarness(128, false), false],
  ['USLP fixed 256 FECF', () => uslpHarness(256, true), true],
  ['USLP fixed 64', () => uslpHarness(64, false), false],
  ['USLP fixed 200 FECF of 4 octets (CRC-32)', () => uslpHarness(200, true, 4), true],
];

for (const [name, make, fecf] of cases) {
  test(`${name}: lossless round trip is exact`, () => {
    const h = make();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => check(h, seed, 0, false, 'drop')),
      { numRuns: 25 },
    );
  });
  test(`${name}: losses are reported where frames were dropped (drop and flag policies)`, () => {
    const h = make();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 0.02, max: 0.4, noNaN: true }),
        fc.boolean(),
        (seed, rate, flag) => check(h, seed, rate, false, flag ? 'flag' : 'drop'),
      ),
      { numRuns: 40 },
    );
  });
  if (fecf) {
    test(`${name}: corrupted frames are counted as bad and cost exactly their packets`, () => {
      const h = make();
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => check(h, seed, 0.15, true, 'drop')),
        { numRuns: 30 },
      );
    });
  }
}

test('USLP variable-length frames: packets and MAPA_SDUs (segmented) round-trip', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 40, max: 600 }),
      (seed, frameLength) => {
        const rng = new SeededRandom(seed);
        const tx = new UslpSender({
          spacecraftId: 42,
          frameType: 'variable',
          frameLength,
          fecfPresent: true,
          vcFrameCountLength: 2,
          channels: [{ virtualChannelId: 1 }, { virtualChannelId: 1, mapId: 7 }],
        });
        const packets = Array.from({ length: 1 + rng.nextInt(20) }, () =>
          randomPacket(rng, 1, 900),
        );
        const sdus = Array.from({ length: rng.nextInt(5) }, () => rng.bytes(1 + rng.nextInt(2000)));
        for (const p of packets) tx.send(1, 0, p);
        for (const s of sdus) tx.sendSdu(1, 7, s);
        const frames = tx.flush();
        assert.ok(frames.every((f) => f.length <= frameLength));
        const got: string[] = [];
        const gotSdus: string[] = [];
        const rx = new UslpReceiver({
          frameType: 'variable',
          fecfPresent: true,
          onPacket: (p) => got.push(toHex(p.data)),
          onSdu: (s) => gotSdus.push(toHex(s.data)),
        });
        const stream = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
        let o = 0;
        for (const f of frames) {
          stream.set(f, o);
          o += f.length;
        }
        for (let i = 0; i < stream.length; i += 333) rx.push(stream.subarray(i, i + 333));
        rx.end();
        assert.deepEqual(got, packets.map(toHex));
        assert.deepEqual(gotSdus, sdus.map(toHex));
        assert.equal(rx.counters.badCrc + rx.counters.badHeader, 0);
      },
    ),
    { numRuns: 40 },
  );
});
