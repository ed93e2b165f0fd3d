import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock, toHex } from 'ccsds/core';
import {
  type Clcw,
  type Fop1Options,
  type FopTransmitEvent,
  Farm1,
  Fop1,
  decodeTcFrame,
} from 'ccsds/link';

const VC = 21;

function clcw(
  nR: number,
  flags: Partial<Pick<Clcw, 'lockout' | 'wait' | 'retransmit'>> = {},
): Clcw {
  return {
    controlWordType: 0,
    clcwVersionNumber: 0,
    statusField: 0,
    copInEffect: 1,
    virtualChannelId: VC,
    reservedSpare: 0,
    noRfAvailable: false,
    noBitLock: false,
    lockout: flags.lockout ?? false,
    wait: flags.wait ?? false,
    retransmit: flags.retransmit ?? false,
    farmBCounter: 0,
    spare: 0,
    reportValue: nR,
  };
}

function setup(options: Partial<Fop1Options> = {}) {
  const clock = new SimulatedClock();
  const fop = new Fop1({
    clock,
    spacecraftId: 435,
    virtualChannelId: VC,
    t1InitialMs: 1000,
    ...options,
  });
  const log = {
    frames: [] as FopTransmitEvent[],
    fdu: [] as string[],
    directives: [] as string[],
    alerts: [] as string[],
    suspends: [] as number[],
    events: [] as string[],
  };
  fop.on('transmit', (e) => log.frames.push(e));
  fop.on('fdu', (e) => log.fdu.push(`${e.requestId}:${e.response}`));
  fop.on('directive', (e) => log.directives.push(`${e.directive.type}:${e.response}`));
  fop.on('alert', (e) => log.alerts.push(e.alert));
  fop.on('suspend', (e) => log.suspends.push(e.suspendState));
  // Lower-layer accept responses (E41, E43, E45) follow every frame; left out unless manual.
  const lowerAccepts = new Set(options.lowerLayer === 'manual' ? [] : ['E41', 'E43', 'E45']);
  fop.on('transition', (e) => {
    if (!lowerAccepts.has(e.event)) log.events.push(`${e.event}:${e.from}>${e.to}`);
  });
  const sent = () =>
    log.frames.map((f) => `${f.frameType}${f.frameSequenceNumber}${f.retransmission ? 'r' : ''}`);
  return { clock, fop, log, sent };
}

function active(options: Partial<Fop1Options> = {}) {
  const s = setup(options);
  s.fop.initiateAdWithoutClcwCheck();
  assert.equal(s.fop.state, 'S1');
  return s;
}

test('FOP-1 Initiate AD without CLCW check (E23), transfer, acknowledgement (E2) and timer cancel', () => {
  const { fop, log, sent } = active();
  assert.deepEqual(log.directives, [
    'INITIATE_AD_WITHOUT_CLCW_CHECK:accept',
    'INITIATE_AD_WITHOUT_CLCW_CHECK:positive-confirm',
  ]);
  const ids = [1, 2, 3].map((i) => fop.transmitAd(Uint8Array.of(i)));
  assert.deepEqual(sent(), ['AD0', 'AD1', 'AD2']);
  const f = decodeTcFrame(log.frames[1]!.frame);
  assert.deepEqual(
    [f.frameType, f.spacecraftId, f.virtualChannelId, f.frameSequenceNumber, f.dataField[0]],
    ['AD', 435, VC, 1, 2],
  );
  assert.deepEqual(
    log.fdu,
    ids.map((i) => `${i}:accept`),
  );
  assert.equal(fop.status().timerRunning, true);
  fop.receiveClcw(clcw(2));
  assert.equal(log.events.at(-1), 'E6:S1>S1');
  fop.receiveClcw(clcw(3));
  assert.equal(log.events.at(-1), 'E2:S1>S1');
  assert.deepEqual(
    log.fdu.slice(3),
    ids.map((i) => `${i}:positive-confirm`),
  );
  assert.deepEqual(
    [fop.vS, fop.nnR, fop.status().sentQueueLength, fop.status().timerRunning],
    [3, 3, 0, false],
  );
  fop.receiveClcw(clcw(3));
  assert.equal(log.events.at(-1), 'E1:S1>S1');
  // CLCWs of other VCs or without COP-1 are ignored outright.
  const n = log.events.length;
  fop.receiveClcw({ ...clcw(0, { lockout: true }), virtualChannelId: 3 });
  fop.receiveClcw({ ...clcw(0, { lockout: true }), copInEffect: 0 });
  assert.equal(log.events.length, n);
});

test('FOP-1 retransmission on a negative N(R) report: E8 and E10 -> S2, then back to S1', () => {
  const { fop, log, sent } = active();
  for (let i = 0; i < 4; i++) fop.transmitAd(Uint8Array.of(i));
  // Frame 1 lost; the FARM accepted 0 and reports N(R)=1 with Retransmit.
  fop.receiveClcw(clcw(1, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E8:S1>S2');
  assert.deepEqual(sent().slice(4), ['AD1r', 'AD2r', 'AD3r']);
  assert.equal(fop.status().transmissionCount, 2);
  // The same report again while retransmitting: E10 in S2 is ignored.
  fop.receiveClcw(clcw(1, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E10:S2>S2');
  assert.equal(sent().length, 7);
  fop.receiveClcw(clcw(4));
  assert.equal(log.events.at(-1), 'E2:S2>S1');
  assert.equal(log.fdu.filter((x) => x.endsWith('positive-confirm')).length, 4);
  // E10 from S1: nothing acknowledged, Retransmit set.
  fop.transmitAd(Uint8Array.of(9));
  fop.receiveClcw(clcw(4, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E10:S1>S2');
  assert.deepEqual(sent().slice(-2), ['AD4', 'AD4r']);
});

test('FOP-1 Wait: E11 -> S3 (no transmission), E9 stays, E10 / E8 -> S2 retransmit', () => {
  const { fop, log, sent } = active();
  fop.transmitAd(Uint8Array.of(0));
  fop.transmitAd(Uint8Array.of(1));
  fop.receiveClcw(clcw(0, { retransmit: true, wait: true }));
  assert.equal(log.events.at(-1), 'E11:S1>S3');
  // New FDUs wait on the Wait_Queue in S3.
  fop.transmitAd(Uint8Array.of(2));
  assert.deepEqual(sent(), ['AD0', 'AD1']);
  assert.equal(fop.status().waitQueueFull, true);
  const id3 = fop.transmitAd(Uint8Array.of(3));
  assert.equal(log.events.at(-1), 'E20:S3>S3');
  assert.equal(log.fdu.at(-1), `${id3}:reject`);
  fop.receiveClcw(clcw(1, { retransmit: true, wait: true }));
  assert.equal(log.events.at(-1), 'E9:S3>S3');
  fop.receiveClcw(clcw(1, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E10:S3>S2');
  assert.deepEqual(sent(), ['AD0', 'AD1', 'AD1r', 'AD2']);
  fop.receiveClcw(clcw(1, { retransmit: true, wait: true }));
  assert.equal(log.events.at(-1), 'E11:S2>S3');
  fop.receiveClcw(clcw(2, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E8:S3>S2');
  assert.deepEqual(sent().slice(4), ['AD2r']);
  fop.receiveClcw(clcw(3));
  assert.equal(log.events.at(-1), 'E2:S2>S1');
});

test('FOP-1 T1 expiry: retransmission below the limit (E16), alert T1 at the limit (E17)', () => {
  const { clock, fop, log, sent } = active({ transmissionLimit: 2 });
  const id = fop.transmitAd(Uint8Array.of(7));
  clock.advance(999);
  assert.deepEqual(sent(), ['AD0']);
  clock.advance(1);
  assert.equal(log.events.at(-1), 'E16:S1>S1');
  assert.deepEqual(sent(), ['AD0', 'AD0r']);
  assert.equal(fop.status().transmissionCount, 2);
  clock.advance(1000);
  assert.equal(log.events.at(-1), 'E17:S1>S6');
  assert.deepEqual(log.alerts, ['T1']);
  assert.equal(log.fdu.at(-1), `${id}:negative-confirm`);
  assert.deepEqual(
    [fop.state, fop.status().sentQueueLength, fop.status().timerRunning],
    ['S6', 0, false],
  );
  assert.equal(clock.pendingTimers, 0);
});

test('FOP-1 Timeout_Type 1: suspend (E18, SS=1), Resume (E31) restarts T1 and continues', () => {
  const { clock, fop, log, sent } = active({ transmissionLimit: 1, timeoutType: 1 });
  fop.transmitAd(Uint8Array.of(7));
  fop.transmitAd(Uint8Array.of(8));
  clock.advance(1000);
  assert.equal(log.events.at(-1), 'E18:S1>S6');
  assert.deepEqual(log.suspends, [1]);
  assert.equal(fop.status().suspendState, 1);
  assert.equal(fop.status().sentQueueLength, 2);
  // Set V(S) is refused while suspended; FDUs are refused in S6.
  fop.setVS(5);
  assert.equal(log.directives.at(-1), 'SET_VS:reject');
  fop.transmitAd(Uint8Array.of(9));
  assert.equal(log.events.at(-1), 'E19:S6>S6');
  fop.resumeAdService();
  assert.equal(log.events.at(-1), 'E31:S6>S1');
  assert.deepEqual(log.directives.slice(-2), ['RESUME_AD:accept', 'RESUME_AD:positive-confirm']);
  assert.equal(fop.status().timerRunning, true);
  fop.receiveClcw(clcw(2));
  assert.equal(log.fdu.filter((x) => x.endsWith('positive-confirm')).length, 2);
  assert.deepEqual(sent(), ['AD0', 'AD1']);
  // Resume when not suspended: E30, rejected.
  fop.terminateAdService();
  fop.resumeAdService();
  assert.equal(log.events.at(-1), 'E30:S6>S6');
  assert.equal(log.directives.at(-1), 'RESUME_AD:reject');
  // Suspend from S2 (SS=2) and S4 (SS=4) resume to those states.
  const b = active({ transmissionLimit: 2, timeoutType: 1 });
  b.fop.transmitAd(Uint8Array.of(1));
  b.fop.receiveClcw(clcw(0, { retransmit: true }));
  assert.equal(b.fop.state, 'S2');
  b.clock.advance(1000);
  assert.deepEqual(b.log.suspends, [2]);
  b.fop.resumeAdService();
  assert.equal(b.log.events.at(-1), 'E32:S6>S2');
  const c = setup({ timeoutType: 1 });
  c.fop.initiateAdWithClcwCheck();
  c.clock.advance(1000);
  assert.equal(c.log.events.at(-1), 'E104:S4>S6');
  assert.deepEqual(c.log.suspends, [4]);
  c.fop.resumeAdService();
  assert.equal(c.log.events.at(-1), 'E34:S6>S4');
});

test('FOP-1 transmission limit 1: a retransmit request raises the limit alert (E101 / E102)', () => {
  const { fop, log } = active({ transmissionLimit: 1 });
  const i1 = fop.transmitAd(Uint8Array.of(1));
  const i2 = fop.transmitAd(Uint8Array.of(2));
  fop.receiveClcw(clcw(1, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E101:S1>S6');
  assert.deepEqual(log.alerts, ['LIMIT']);
  assert.deepEqual(log.fdu.slice(-2), [`${i1}:positive-confirm`, `${i2}:negative-confirm`]);
  const b = active({ transmissionLimit: 1 });
  b.fop.transmitAd(Uint8Array.of(1));
  b.fop.receiveClcw(clcw(0, { retransmit: true }));
  assert.equal(b.log.events.at(-1), 'E102:S1>S6');
  // Limit reached with Transmission_Limit > 1 (E12): wait in S2 for T1, then alert.
  const c = active({ transmissionLimit: 2 });
  c.fop.transmitAd(Uint8Array.of(1));
  c.clock.advance(1000);
  assert.equal(c.fop.status().transmissionCount, 2);
  c.fop.receiveClcw(clcw(0, { retransmit: true }));
  assert.equal(c.log.events.at(-1), 'E12:S1>S2');
  c.fop.receiveClcw(clcw(0, { retransmit: true, wait: true }));
  assert.equal(c.log.events.at(-1), 'E103:S2>S3');
  c.clock.advance(1000);
  assert.equal(c.log.events.at(-1), 'E17:S3>S6');
  assert.deepEqual(c.log.alerts, ['T1']);
});

test('FOP-1 CLCW alerts: SYNCH (E4), CLCW (E3, E7), NN(R) (E13), LOCKOUT (E14)', () => {
  const cases: [Clcw, string, string][] = [
    [clcw(1, { retransmit: true }), 'E4', 'SYNCH'],
    [clcw(1, { wait: true }), 'E3', 'CLCW'],
    [clcw(0, { wait: true }), 'E7', 'CLCW'],
    [clcw(9), 'E13', 'NN_R'],
    [clcw(0, { lockout: true }), 'E14', 'LOCKOUT'],
  ];
  for (const [c, e, alert] of cases) {
    const { fop, log } = active();
    const id = fop.transmitAd(Uint8Array.of(1));
    fop.receiveClcw(c);
    assert.equal(log.events.at(-1), `${e}:S1>S6`);
    assert.deepEqual(log.alerts, [alert]);
    assert.deepEqual(log.fdu, [`${id}:accept`, `${id}:negative-confirm`]);
  }
  // E5 in S2 (no progress and no Retransmit while retransmitting) is a SYNCH alert.
  const { fop, log } = active();
  fop.transmitAd(Uint8Array.of(1));
  fop.receiveClcw(clcw(0, { retransmit: true }));
  fop.receiveClcw(clcw(0));
  assert.equal(log.events.at(-1), 'E5:S2>S6');
  assert.deepEqual(log.alerts, ['SYNCH']);
});

test('FOP-1 sliding window K and the Wait_Queue (E19 / E20), Set FOP Sliding Window Width (E36)', () => {
  const { fop, log, sent } = active({ slidingWindowWidth: 2 });
  const ids = [0, 1, 2, 3].map((i) => fop.transmitAd(Uint8Array.of(i)));
  assert.deepEqual(sent(), ['AD0', 'AD1']);
  assert.deepEqual(log.fdu, [`${ids[0]}:accept`, `${ids[1]}:accept`, `${ids[3]}:reject`]);
  fop.receiveClcw(clcw(1));
  assert.deepEqual(sent(), ['AD0', 'AD1', 'AD2']);
  assert.deepEqual(log.fdu.slice(-2), [`${ids[0]}:positive-confirm`, `${ids[2]}:accept`]);
  fop.setFopSlidingWindowWidth(5);
  assert.equal(fop.status().slidingWindowWidth, 5);
  fop.setFopSlidingWindowWidth(0);
  assert.equal(log.events.at(-1), 'E40:S1>S1');
  assert.equal(log.directives.at(-1), 'SET_FOP_SLIDING_WINDOW_WIDTH:reject');
  fop.setT1Initial(250);
  fop.setTransmissionLimit(9);
  fop.setTimeoutType(1);
  fop.setTimeoutType(2);
  assert.deepEqual(
    log.events.slice(-4).map((e) => e.split(':')[0]),
    ['E37', 'E38', 'E39', 'E40'],
  );
  const st = fop.status();
  assert.deepEqual([st.t1InitialMs, st.transmissionLimit, st.timeoutType], [250, 9, 1]);
});

test('FOP-1 directives in the wrong state are rejected; Set V(S) in S6; Terminate raises TERM', () => {
  const { fop, log } = setup();
  const i0 = fop.transmitAd(Uint8Array.of(1));
  assert.deepEqual([log.events.at(-1), log.fdu.at(-1)], ['E19:S6>S6', `${i0}:reject`]);
  fop.setVS(200);
  assert.deepEqual(log.directives.slice(-2), ['SET_VS:accept', 'SET_VS:positive-confirm']);
  assert.deepEqual([fop.vS, fop.nnR], [200, 200]);
  fop.setVS(256);
  assert.equal(log.events.at(-1), 'E40:S6>S6');
  fop.initiateAdWithoutClcwCheck();
  for (const d of [
    () => fop.initiateAdWithoutClcwCheck(),
    () => fop.initiateAdWithClcwCheck(),
    () => fop.initiateAdWithUnlock(),
    () => fop.initiateAdWithSetVr(3),
    () => fop.setVS(1),
    () => fop.resumeAdService(),
  ]) {
    d();
    assert.match(log.directives.at(-1)!, /:reject$/);
  }
  assert.deepEqual(
    log.events.slice(-6).map((e) => e.split(':')[0]),
    ['E23', 'E24', 'E25', 'E27', 'E35', 'E30'],
  );
  const i1 = fop.transmitAd(Uint8Array.of(1));
  assert.equal(log.frames[0]!.frameSequenceNumber, 200);
  fop.terminateAdService();
  assert.equal(log.events.at(-1), 'E29:S1>S6');
  assert.deepEqual(log.alerts, ['TERM']);
  assert.deepEqual(log.directives.slice(-2), [
    'TERMINATE_AD:accept',
    'TERMINATE_AD:positive-confirm',
  ]);
  assert.equal(log.fdu.at(-1), `${i1}:negative-confirm`);
  fop.terminateAdService();
  assert.equal(log.events.at(-1), 'E29:S6>S6');
  assert.deepEqual(log.alerts, ['TERM']);
});

test('FOP-1 Initiate AD with CLCW check (E24 -> S4 -> E1 -> S1) and its T1 alert', () => {
  const { fop, log, clock } = setup();
  fop.initiateAdWithClcwCheck();
  assert.equal(fop.state, 'S4');
  assert.deepEqual(log.directives, ['INITIATE_AD_WITH_CLCW_CHECK:accept']);
  fop.receiveClcw(clcw(0, { retransmit: true }));
  assert.equal(log.events.at(-1), 'E4:S4>S6');
  fop.initiateAdWithClcwCheck();
  fop.receiveClcw(clcw(0));
  assert.equal(log.events.at(-1), 'E1:S4>S1');
  assert.equal(log.directives.at(-1), 'INITIATE_AD_WITH_CLCW_CHECK:positive-confirm');
  assert.equal(fop.status().timerRunning, false);
  const b = setup();
  b.fop.initiateAdWithClcwCheck();
  b.clock.advance(1000);
  assert.equal(b.log.events.at(-1), 'E16:S4>S6');
  assert.deepEqual(b.log.alerts, ['T1']);
  assert.equal(b.log.directives.at(-1), 'INITIATE_AD_WITH_CLCW_CHECK:negative-confirm');
  assert.equal(clock.pendingTimers, 0);
});

test('FOP-1 Initiate AD with Set V(R): BC frame, BC retransmission on T1 (E16 in S5), E1 -> S1', () => {
  const { fop, log, clock, sent } = setup({ transmissionLimit: 3 });
  fop.initiateAdWithSetVr(200);
  assert.equal(fop.state, 'S5');
  assert.deepEqual([fop.vS, fop.nnR], [200, 200]);
  assert.equal(toHex(decodeTcFrame(log.frames[0]!.frame).dataField), '8200c8');
  // Lockout and invalid N(R) reports are expected before the BC frame arrives: ignored in S5.
  fop.receiveClcw(clcw(0, { lockout: true }));
  fop.receiveClcw(clcw(0));
  assert.deepEqual(log.events.slice(-2), ['E14:S5>S5', 'E13:S5>S5']);
  clock.advance(1000);
  assert.equal(log.events.at(-1), 'E16:S5>S5');
  assert.deepEqual(sent(), ['BC0', 'BC0r']);
  fop.receiveClcw(clcw(200));
  assert.equal(log.events.at(-1), 'E1:S5>S1');
  assert.deepEqual(log.directives, [
    'INITIATE_AD_WITH_SET_VR:accept',
    'INITIATE_AD_WITH_SET_VR:positive-confirm',
  ]);
  assert.equal(fop.status().bcFrameOutstanding, false);
  // At the transmission limit the BC frame gives up: alert T1 (E17 in S5).
  const b = setup({ transmissionLimit: 1 });
  b.fop.initiateAdWithSetVr(1);
  b.clock.advance(1000);
  assert.equal(b.log.events.at(-1), 'E17:S5>S6');
  assert.equal(b.log.directives.at(-1), 'INITIATE_AD_WITH_SET_VR:negative-confirm');
});

test('FOP-1 + FARM-1: lockout -> LOCKOUT alert -> Initiate AD with Unlock -> transfer resumes', () => {
  const { fop, log } = active({ initialVS: 0 });
  const farm = new Farm1({ virtualChannelId: VC, initialVR: 100 });
  const delivered: number[] = [];
  farm.on('deliver', (e) => delivered.push(e.dataField[0]!));
  fop.on('transmit', (e) => farm.receiveFrame(e.frame));
  fop.transmitAd(Uint8Array.of(1));
  assert.equal(farm.state, 'S3');
  fop.receiveClcw(farm.encodeClcw());
  assert.equal(log.events.at(-1), 'E14:S1>S6');
  assert.deepEqual(log.alerts, ['LOCKOUT']);
  // Unlock alone leaves V(R)=100 != V(S)=1: the CLCW check in S5 keeps waiting (E13 ignored).
  fop.setVS(100);
  fop.initiateAdWithUnlock();
  assert.equal(fop.state, 'S5');
  assert.deepEqual([farm.state, farm.lockoutFlag, farm.farmBCounter], ['S1', false, 1]);
  fop.receiveClcw(farm.encodeClcw());
  assert.equal(log.events.at(-1), 'E1:S5>S1');
  assert.equal(log.directives.at(-1), 'INITIATE_AD_WITH_UNLOCK:positive-confirm');
  fop.transmitAd(Uint8Array.of(2));
  fop.transmitAd(Uint8Array.of(3));
  fop.receiveClcw(farm.encodeClcw());
  assert.equal(log.events.at(-1), 'E2:S1>S1');
  assert.deepEqual(delivered, [2, 3]);
});

test('FOP-1 BD service (E21/E22, E45/E46) and lower-layer rejections (LLIF)', () => {
  const { fop, log, sent } = setup({ lowerLayer: 'manual' });
  const a = fop.transmitBd(Uint8Array.of(1), { sequenceFlags: 3, mapId: 4 });
  const b = fop.transmitBd(Uint8Array.of(2));
  assert.deepEqual(sent(), ['BD0']);
  const f = decodeTcFrame(log.frames[0]!.frame, { segmentHeaderPresent: true });
  assert.deepEqual([f.frameType, f.segmentHeader?.mapId], ['BD', 4]);
  assert.deepEqual(log.fdu, [`${a}:accept`, `${b}:reject`]);
  fop.lowerLayerResponse('BD', true);
  assert.equal(log.events.at(-1), 'E45:S6>S6');
  assert.equal(log.fdu.at(-1), `${a}:positive-confirm`);
  fop.initiateAdWithoutClcwCheck();
  fop.transmitAd(Uint8Array.of(3));
  fop.transmitAd(Uint8Array.of(4));
  assert.deepEqual(sent(), ['BD0', 'AD0']);
  fop.lowerLayerResponse('AD', true);
  assert.deepEqual(sent(), ['BD0', 'AD0', 'AD1']);
  fop.lowerLayerResponse('AD', false);
  assert.equal(log.events.at(-1), 'E42:S1>S6');
  assert.deepEqual(log.alerts, ['LLIF']);
  const c = setup({ lowerLayer: 'manual' });
  c.fop.initiateAdWithUnlock();
  c.fop.terminateAdService();
  c.fop.initiateAdWithUnlock();
  assert.equal(c.log.events.at(-1), 'E26:S6>S6');
  c.fop.lowerLayerResponse('BC', true);
  c.fop.initiateAdWithSetVr(4);
  c.fop.lowerLayerResponse('BC', false);
  assert.equal(c.log.events.at(-1), 'E44:S5>S6');
  c.fop.transmitBd(Uint8Array.of(5));
  c.fop.lowerLayerResponse('BD', false);
  assert.equal(c.log.events.at(-1), 'E46:S6>S6');
  assert.deepEqual(c.log.alerts, ['TERM', 'LLIF', 'LLIF']);
  assert.throws(() => c.fop.transmitAd(new Uint8Array(1020)));
});
