import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsErrorCode, fromHex, isCcsdsError, toHex } from 'ccsds/core';
import {
  cdsToDateTime,
  cdsToInstant,
  cucElapsed,
  cucToInstant,
  decodeCds,
  decodeCuc,
  decodeTimeCode,
  encodeCds,
  encodeCuc,
  encodeTimeCode,
  formatDateTime,
  instantFromDecimal,
  instantFromIso,
  instantsEqual,
  instantToDecimal,
  instantToIso,
  makeInstant,
  TimeScale,
} from 'ccsds/time';
import { loadVectors } from '../support/vectors.js';

interface TimeVector {
  name: string;
  p_field: string;
  t_field: string;
  hex: string;
  fields: {
    code: 'CUC' | 'CDS';
    epoch_flag?: number;
    day_octets?: number;
    submillisecond?: 'microseconds' | 'picoseconds' | null;
    days?: number;
    ms_of_day?: number;
    submillisecond_value?: number;
    leap_second?: boolean;
    time_code_id?: number;
    coarse_octets?: number;
    fine_octets?: number;
    coarse?: number;
    fine?: number;
    seconds_since_epoch: string | null;
    iso?: string;
    iso_tai?: string;
  };
}

const file = loadVectors<{ vectors: TimeVector[] }>('spp/timecodes.json');

function digitsAfterPoint(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

test('timecodes.json: 28 vectors, all CUC or CDS', () => {
  assert.equal(file.vectors.length, 28);
  assert.equal(file.vectors.filter((v) => v.fields.code === 'CDS').length, 14);
  assert.equal(file.vectors.filter((v) => v.fields.code === 'CUC').length, 14);
});

test('timecodes.json: every vector decodes through the P-field dispatcher and re-encodes', () => {
  for (const v of file.vectors) {
    assert.equal(v.hex, v.p_field + v.t_field, v.name);
    const bytes = fromHex(v.hex);
    const d = decodeTimeCode(bytes);
    assert.equal(d.code, v.fields.code, v.name);
    assert.equal(d.length, bytes.length, `${v.name} length`);
    assert.equal(toHex(encodeTimeCode(d)), v.hex, `${v.name} re-encode`);
    // Trailing octets (e.g. packet data after a secondary header) are not part of the code.
    const padded = fromHex(v.hex + 'a5a5');
    assert.equal(decodeTimeCode(padded).length, bytes.length, `${v.name} trailing`);
    // At an offset, as inside a packet.
    const shifted = fromHex('0000' + v.hex);
    assert.deepEqual(decodeTimeCode(shifted, { offset: 2 }), d, `${v.name} offset`);
  }
});

test('timecodes.json CDS: fields, implicit P-field, instant and ISO rendering', () => {
  for (const v of file.vectors.filter((x) => x.fields.code === 'CDS')) {
    const f = v.fields;
    const t = decodeCds(fromHex(v.hex));
    assert.equal(t.pField.agencyEpoch, f.epoch_flag === 1, v.name);
    assert.equal(t.pField.dayOctets, f.day_octets, v.name);
    assert.equal(t.pField.subMs, f.submillisecond ?? 'none', v.name);
    assert.equal(t.day, f.days, v.name);
    assert.equal(t.msOfDay, f.ms_of_day, v.name);
    assert.equal(t.subMs, f.submillisecond_value ?? 0, v.name);
    // Implicit P-field: the T-field alone with the agreed configuration.
    const implicit = decodeCds(fromHex(v.t_field), { pField: t.pField });
    assert.deepEqual(implicit, t, v.name);
    assert.equal(toHex(encodeCds(t, { explicitPField: false })), v.t_field, v.name);
    assert.equal(toHex(encodeCds(t)), v.hex, v.name);
    // ISO rendering in the code's own scale, with the vector's number of digits.
    const iso = f.iso!;
    const dt = cdsToDateTime(t);
    assert.equal(formatDateTime(dt, { fractionDigits: digitsAfterPoint(iso) }), iso, v.name);
    if (f.leap_second === true) {
      assert.equal(f.seconds_since_epoch, null);
      assert.equal(dt.second, 60);
      // A TAI code cannot hold second 60; as UTC it is the leap second before 2017.
      assert.throws(
        () => cdsToInstant(t, { timeScale: TimeScale.TAI }),
        (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      );
      const tai = cdsToInstant(t);
      assert.equal(instantToIso(tai, { timeScale: 'TAI' }), '2017-01-01T00:00:36.50025');
      assert.equal(instantToIso(tai, { fractionDigits: 6 }), '2016-12-31T23:59:60.500250Z');
    } else {
      const s = f.seconds_since_epoch!;
      // 86400-s days in the code's own scale = the TAI reading of the same count.
      const inst = cdsToInstant(t, { timeScale: TimeScale.TAI });
      assert.equal(instantToDecimal(inst, digitsAfterPoint(s)), s, v.name);
      assert.ok(instantsEqual(inst, instantFromDecimal(s)), v.name);
      assert.ok(instantsEqual(inst, instantFromIso(iso, { timeScale: 'TAI' })), v.name);
    }
  }
});

test('timecodes.json CUC: fields, implicit P-field, exact seconds and TAI calendar', () => {
  for (const v of file.vectors.filter((x) => x.fields.code === 'CUC')) {
    const f = v.fields;
    const t = decodeCuc(fromHex(v.hex));
    assert.equal(t.pField.timeCodeId, f.time_code_id, v.name);
    assert.equal(t.pField.coarseOctets, f.coarse_octets, v.name);
    assert.equal(t.pField.fineOctets, f.fine_octets, v.name);
    assert.equal(t.pField.extension, v.p_field.length === 4, v.name);
    assert.equal(t.coarseTime, BigInt(f.coarse!), v.name);
    assert.equal(t.fineTime, BigInt(f.fine!), v.name);
    const implicit = decodeCuc(fromHex(v.t_field), { pField: t.pField });
    assert.deepEqual(implicit, t, v.name);
    assert.equal(toHex(encodeCuc(t, { explicitPField: false })), v.t_field, v.name);
    assert.equal(toHex(encodeCuc(t)), v.hex, v.name);
    // seconds_since_epoch is the exact decimal expansion.
    const elapsed = cucElapsed(t);
    assert.equal(instantToDecimal(elapsed), f.seconds_since_epoch, v.name);
    assert.ok(instantsEqual(elapsed, instantFromDecimal(f.seconds_since_epoch!)), v.name);
    if (f.time_code_id === 1) {
      const inst = cucToInstant(t);
      assert.equal(instantToIso(inst, { timeScale: 'TAI' }), f.iso_tai, v.name);
      assert.ok(instantsEqual(inst, instantFromIso(f.iso_tai!, { timeScale: 'TAI' })), v.name);
    } else {
      // Level 2 needs the mission's epoch.
      assert.throws(
        () => cucToInstant(t),
        (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      );
      const epoch = instantFromIso('2000-01-01T00:00:00', { timeScale: 'TAI' });
      const inst = cucToInstant(t, { agencyEpoch: epoch });
      assert.equal(instantToIso(inst, { timeScale: 'TAI' }), '2000-01-02T00:00:00.75');
      assert.ok(
        instantsEqual(
          makeInstant(0),
          cucToInstant({ ...t, coarseTime: 0n, fineTime: 0n }, { agencyEpoch: makeInstant(0) }),
        ),
      );
    }
  }
});

test('timecodes.json: the UTC note holds (UTC = TAI - 37 s after 2017)', () => {
  const v = file.vectors.find((x) => x.name === 'cuc_p1e_c4_f2_2025')!;
  const inst = cucToInstant(decodeCuc(fromHex(v.hex)));
  assert.equal(instantToIso(inst), '2025-01-01T00:00:00.5Z');
});
