import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, SimulatedClock } from 'ccsds/core';
import { Farm1, Fop1, decodeClcw, encodeTcFrame } from 'ccsds/link';
import { fuzzDecoder } from '../support/fuzz.js';

const SCID = 435;
const VC = 21;

test('fuzz: FARM-1 frame acceptance never throws and keeps its invariants (100,000 frames)', () => {
  const rng = new SeededRandom(61);
  const seeds: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    seeds.push(
      encodeTcFrame({
        spacecraftId: SCID,
        virtualChannelId: VC,
        frameSequenceNumber: i % 12,
        bypassFlag: i % 7 === 0,
        segmentHeader: { sequenceFlags: 3, mapId: i % 64 },
        dataField: rng.bytes(1 + rng.nextInt(60)),
      }),
    );
  }
  seeds.push(
    encodeTcFrame({ spacecraftId: SCID, virtualChannelId: VC, controlCommand: { type: 'UNLOCK' } }),
  );
  for (const vR of [0, 3, 200]) {
    seeds.push(
      encodeTcFrame({
        spacecraftId: SCID,
        virtualChannelId: VC,
        controlCommand: { type: 'SET_VR', vR },
      }),
    );
  }
  const farm = new Farm1({
    virtualChannelId: VC,
    spacecraftId: SCID,
    slidingWindowWidth: 16,
    bufferCapacity: 3,
    segmentHeaderPresent: true,
  });
  let accepted = 0;
  let delivered = 0;
  farm.on('deliver', (e) => {
    delivered++;
    assert.ok(e.dataField.length <= 1018);
    if (e.frameType === 'AD' && rng.chance(0.5)) farm.bufferRelease();
  });
  const states = new Set<string>();
  const events = new Set<string>();
  let vR = farm.vR;
  const s = fuzzDecoder(
    (b) => {
      // Unlock now and then, so that acceptance is explored beyond the first lockout.
      if (farm.state === 'S3' && rng.chance(0.02)) farm.receiveFrame(seeds[40]!);
      // And well-formed frames near V(R) between the hostile ones, as a FOP would send them.
      if (rng.chance(0.2)) {
        farm.receiveFrame(
          encodeTcFrame({
            spacecraftId: SCID,
            virtualChannelId: VC,
            frameSequenceNumber: (farm.vR + rng.nextInt(3) + 255) & 0xff,
            segmentHeader: { sequenceFlags: 3, mapId: 1 },
            dataField: Uint8Array.of(1, 2, 3),
          }),
        );
      }
      vR = farm.vR;
      const r = farm.receiveFrame(b);
      states.add(r.state);
      events.add(r.event);
      if (r.accepted) accepted++;
      // Invariants: V(R) moves only on an accepted in-sequence AD frame or Set V(R); the
      // flags agree with the state; the CLCW always encodes and decodes back.
      if (r.event === 'E1' && r.accepted) assert.equal(farm.vR, (vR + 1) & 0xff);
      else if (r.event !== 'E8') assert.equal(farm.vR, vR);
      vR = farm.vR;
      assert.equal(farm.lockoutFlag, farm.state === 'S3');
      if (farm.state === 'S2') assert.ok(farm.waitFlag && farm.retransmitFlag);
      const c = decodeClcw(farm.encodeClcw());
      assert.deepEqual(
        [c.reportValue, c.lockout, c.wait, c.retransmit, c.farmBCounter],
        [farm.vR, farm.lockoutFlag, farm.waitFlag, farm.retransmitFlag, farm.farmBCounter],
      );
      if (rng.chance(0.01)) farm.bufferRelease(3);
      return r;
    },
    { seeds, seed: 62, maxRandomLength: 80 },
  );
  assert.equal(s.rejected, 0);
  assert.ok(accepted > 100 && delivered > 1000, `accepted ${accepted}, delivered ${delivered}`);
  assert.deepEqual([...states].sort(), ['S1', 'S2', 'S3']);
  assert.deepEqual([...events].sort(), ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9']);
});

test('fuzz: FOP-1 takes hostile CLCWs in any state without throwing anything but CcsdsError', () => {
  const clock = new SimulatedClock({ seed: 3 });
  const fop = new Fop1({
    clock,
    spacecraftId: SCID,
    virtualChannelId: VC,
    t1InitialMs: 10,
    transmissionLimit: 3,
  });
  const rng = new SeededRandom(9);
  const states = new Set<string>();
  const valid = Array.from({ length: 16 }, (_, i) =>
    Uint8Array.of(0x01, (VC << 2) | 0, (i & 0x0f) << 3, i),
  );
  const s = fuzzDecoder(
    (b) => {
      if (fop.state === 'S6') {
        const k = rng.nextInt(4);
        if (k === 0) fop.initiateAdWithoutClcwCheck();
        else if (k === 1) fop.initiateAdWithSetVr(rng.nextInt(256));
        else if (k === 2) fop.initiateAdWithUnlock();
        else fop.resumeAdService();
      }
      if (rng.chance(0.3)) fop.transmitAd(rng.bytes(1 + rng.nextInt(20)));
      if (rng.chance(0.05)) clock.advance(10);
      // Half of the reports carry an N(R) inside NN(R)..V(S), as a real FARM's would.
      const c = b.slice(0, 4);
      if (c.length === 4 && rng.chance(0.5)) {
        c[3] = (fop.nnR + rng.nextInt(((fop.vS - fop.nnR) & 0xff) + 1)) & 0xff;
      }
      fop.receiveClcw(c);
      states.add(fop.state);
    },
    { seeds: valid, seed: 10, maxRandomLength: 6 },
  );
  assert.ok(s.accepted > 50_000);
  for (const st of ['S1', 'S2', 'S3', 'S5', 'S6']) assert.ok(states.has(st), st);
});
