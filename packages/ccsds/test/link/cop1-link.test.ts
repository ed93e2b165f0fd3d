import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock, toHex } from 'ccsds/core';
import { Farm1, Fop1 } from 'ccsds/link';
import fc from 'fast-check';

/** A one-way channel in simulated time: loss, bit corruption, delay with jitter, FIFO order. */
class Channel {
  sent = 0;
  lost = 0;
  corrupted = 0;
  private last = 0;
  constructor(
    private readonly clock: SimulatedClock,
    private readonly p: { loss: number; corrupt: number; delayMs: number; jitterMs: number },
    private readonly deliver: (bytes: Uint8Array) => void,
  ) {}

  send(bytes: Uint8Array): void {
    const r = this.clock.random;
    this.sent++;
    if (r.chance(this.p.loss)) {
      this.lost++;
      return;
    }
    const out = bytes.slice();
    if (r.chance(this.p.corrupt)) {
      this.corrupted++;
      const bit = r.nextInt(out.length * 8);
      out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
    }
    const at = Math.max(this.clock.now() + this.p.delayMs + r.next() * this.p.jitterMs, this.last);
    this.last = at;
    this.clock.setTimer(at - this.clock.now(), () => this.deliver(out));
  }
}

interface LinkParams {
  seed: number;
  fdus: number;
  frameLoss: number;
  clcwLoss: number;
  corrupt: number;
  bufferCapacity: number;
  slidingWindowWidth: number;
}

/** FOP-1 -> lossy uplink -> FARM-1; FARM-1 CLCW every 50 ms -> lossy downlink -> FOP-1. */
function runLink(p: LinkParams) {
  const clock = new SimulatedClock({ seed: p.seed });
  const rng = clock.random;
  const VC = 5;
  const fop = new Fop1({
    clock,
    spacecraftId: 77,
    virtualChannelId: VC,
    t1InitialMs: 1500,
    transmissionLimit: 40,
    slidingWindowWidth: p.slidingWindowWidth,
  });
  const farm = new Farm1({
    virtualChannelId: VC,
    spacecraftId: 77,
    slidingWindowWidth: 2 * p.slidingWindowWidth,
    bufferCapacity: p.bufferCapacity,
    initialVR: rng.nextInt(256),
  });
  const up = new Channel(
    clock,
    { loss: p.frameLoss, corrupt: p.corrupt, delayMs: 250, jitterMs: 40 },
    (b) => farm.receiveFrame(b),
  );
  const down = new Channel(
    clock,
    { loss: p.clcwLoss, corrupt: 0, delayMs: 250, jitterMs: 40 },
    (b) => fop.receiveClcw(b),
  );
  fop.on('transmit', (e) => up.send(e.frame));

  const payloads = Array.from({ length: p.fdus }, (_, i) => {
    const d = rng.bytes(1 + rng.nextInt(120));
    d[0] = i & 0xff;
    return d;
  });
  const delivered: string[] = [];
  farm.on('deliver', (e) => {
    delivered.push(toHex(e.dataField));
    // The higher procedures take the frame out of the buffer a little later.
    clock.setTimer(rng.next() * 120, () => farm.bufferRelease());
  });

  let next = 0;
  const submit = () => {
    if (next < payloads.length) fop.transmitAd(payloads[next++]!);
  };
  const confirmed = new Set<number>();
  const alerts: string[] = [];
  const events = new Map<string, number>();
  fop.on('fdu', (e) => {
    if (e.response === 'accept') submit();
    if (e.response === 'positive-confirm') {
      assert.ok(!confirmed.has(e.requestId), `request ${e.requestId} confirmed twice`);
      confirmed.add(e.requestId);
    }
    if (e.response === 'negative-confirm' || e.response === 'reject')
      alerts.push(`${e.response} ${e.requestId}`);
  });
  fop.on('alert', (e) => alerts.push(e.alert));
  fop.on('transition', (e) =>
    events.set(`${e.event}@${e.from}`, (events.get(`${e.event}@${e.from}`) ?? 0) + 1),
  );
  fop.on('directive', (e) => {
    if (e.response === 'positive-confirm' && e.directive.type === 'INITIATE_AD_WITH_SET_VR')
      submit();
  });

  let done = false;
  const tick = () => {
    if (done) return;
    down.send(farm.encodeClcw());
    clock.setTimer(50, tick);
  };
  tick();
  fop.initiateAdWithSetVr(rng.nextInt(256));
  const finished = clock.runUntilCondition(
    () => confirmed.size === payloads.length || alerts.length > 0 || clock.now() > 3_600_000,
  );
  done = true;
  clock.runUntilIdle();
  return { finished, payloads, delivered, confirmed, alerts, events, fop, farm, up, down, clock };
}

function checkRun(p: LinkParams) {
  const r = runLink(p);
  assert.ok(r.finished);
  assert.deepEqual(r.alerts, [], `seed ${p.seed}: alerts`);
  assert.equal(r.confirmed.size, p.fdus, `seed ${p.seed}: confirmed`);
  // Every FDU delivered exactly once and in order.
  assert.deepEqual(r.delivered, r.payloads.map(toHex), `seed ${p.seed}: delivery`);
  assert.equal(r.fop.state, 'S1');
  assert.equal(r.fop.status().sentQueueLength, 0);
  assert.equal(r.fop.vS, r.farm.vR);
  return r;
}

test('FOP-1 and FARM-1 over a lossy, corrupting, delayed link: every FDU once and in order (5 seeds)', () => {
  const seen = new Map<string, number>();
  let lost = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = checkRun({
      seed,
      fdus: 300,
      frameLoss: 0.15,
      clcwLoss: 0.2,
      corrupt: 0.05,
      bufferCapacity: 4,
      slidingWindowWidth: 8,
    });
    lost += r.up.lost + r.up.corrupted;
    for (const [k, v] of r.events) seen.set(k, (seen.get(k) ?? 0) + v);
  }
  assert.ok(lost > 100, `frames lost or corrupted: ${lost}`);
  // The runs went through retransmission with and without Wait, timer recovery and the BC path.
  for (const key of [
    'E1@S5',
    'E2@S1',
    'E6@S1',
    'E8@S1',
    'E9@S1',
    'E10@S1',
    'E16@S1',
    'E2@S2',
    'E6@S2',
    'E10@S3',
  ]) {
    assert.ok(
      (seen.get(key) ?? 0) > 0,
      `event ${key} never happened: ${[...seen.keys()].sort().join(' ')}`,
    );
  }
});

test('property: delivery in order over the lossy link for random seeds and loss rates', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fdus: fc.integer({ min: 1, max: 120 }),
        frameLoss: fc.double({ min: 0, max: 0.3, noNaN: true }),
        clcwLoss: fc.double({ min: 0, max: 0.5, noNaN: true }),
        corrupt: fc.double({ min: 0, max: 0.1, noNaN: true }),
        bufferCapacity: fc.integer({ min: 1, max: 20 }),
        slidingWindowWidth: fc.integer({ min: 1, max: 40 }),
      }),
      (p) => {
        checkRun(p);
      },
    ),
    { numRuns: 25 },
  );
});

test('a dead uplink ends in the T1 alert, with every outstanding FDU negatively confirmed', () => {
  const clock = new SimulatedClock();
  const fop = new Fop1({
    clock,
    spacecraftId: 1,
    virtualChannelId: 0,
    t1InitialMs: 100,
    transmissionLimit: 4,
  });
  const responses: string[] = [];
  const alerts: string[] = [];
  let transmissions = 0;
  fop.on('transmit', () => transmissions++);
  fop.on('fdu', (e) => responses.push(e.response));
  fop.on('alert', (e) => alerts.push(e.alert));
  fop.initiateAdWithoutClcwCheck();
  for (let i = 0; i < 3; i++) fop.transmitAd(Uint8Array.of(i));
  clock.runUntilIdle();
  assert.deepEqual(alerts, ['T1']);
  assert.equal(transmissions, 3 * 4);
  assert.equal(clock.now(), 400);
  assert.deepEqual(responses.filter((r) => r === 'negative-confirm').length, 3);
});
