import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CcsdsErrorCode,
  fromHex,
  isCcsdsError,
  toHex,
  type CcsdsErrorCode as Code,
} from 'ccsds/core';
import {
  CCSDS_EPOCH,
  ccsFromDateTime,
  ccsToDateTime,
  ccsToInstant,
  cdsToDateTime,
  createLeapSecondTable,
  cucFromInstant,
  cucPField,
  daysFromCivil,
  decodeAsciiTime,
  decodeCcs,
  decodeCds,
  decodeCuc,
  decodeTimeCode,
  encodeAsciiTime,
  encodeCcs,
  encodeCds,
  encodeCuc,
  formatDateTime,
  FRACTION_SCALE,
  IERS_LEAP_SECOND_ENTRIES,
  IERS_LEAP_SECONDS,
  instantFromDate,
  instantFromIso,
  instantFromSeconds,
  instantToDate,
  instantToIso,
  instantToSeconds,
  taiMinusUtc,
  taiToUtc,
  utcDayLength,
  utcToTai,
} from 'ccsds/time';

function throwsCode(fn: () => unknown, code: Code, offset?: number): void {
  assert.throws(fn, (e) => {
    assert.ok(isCcsdsError(e, code), `expected ${code}, got ${String(e)}`);
    if (offset !== undefined) assert.equal(e.offset, offset, String(e));
    return true;
  });
}

const tai = (iso: string) => instantFromIso(iso, { timeScale: 'TAI' });
const utc = (iso: string) => instantFromIso(iso);

test('UTC -> TAI known answers from the IERS table', () => {
  // 2017-01-01T00:00:00Z UTC = TAI 2017-01-01T00:00:37 (TAI-UTC = 37 s since then).
  assert.deepEqual(utc('2017-01-01T00:00:00Z'), tai('2017-01-01T00:00:37'));
  assert.equal(
    instantToIso(utc('2017-01-01T00:00:00Z'), { timeScale: 'TAI' }),
    '2017-01-01T00:00:37',
  );
  // The first entry: 1972-01-01 UTC = TAI + 10 s.
  assert.deepEqual(utc('1972-01-01T00:00:00Z'), tai('1972-01-01T00:00:10'));
  // GPS epoch 1980-01-06T00:00:00 UTC = TAI 00:00:19 (GPS = TAI - 19 s).
  assert.deepEqual(utc('1980-01-06T00:00:00Z'), tai('1980-01-06T00:00:19'));
  // J2000.0 = 2000-01-01T12:00:00 TT = 11:59:27.816 TAI = 11:58:55.816 UTC.
  assert.deepEqual(utc('2000-01-01T11:58:55.816Z'), tai('2000-01-01T11:59:27.816'));
  // The leap second itself and the second after it.
  assert.deepEqual(utc('2016-12-31T23:59:60Z'), tai('2017-01-01T00:00:36'));
  assert.deepEqual(utc('2016-12-31T23:59:59Z'), tai('2017-01-01T00:00:35'));
  assert.deepEqual(utc('1972-06-30T23:59:60.25Z'), tai('1972-07-01T00:00:10.25'));
  assert.equal(instantToIso(tai('2017-01-01T00:00:36.75')), '2016-12-31T23:59:60.75Z');
  assert.equal(instantToIso(tai('2017-01-01T00:00:37')), '2017-01-01T00:00:00Z');
  assert.equal(instantToIso(tai('2017-01-01T00:00:35.5')), '2016-12-31T23:59:59.5Z');
});

test('the IERS table: 28 rows from 10 s (1972) to 37 s (2017), 27 leap seconds', () => {
  assert.equal(IERS_LEAP_SECOND_ENTRIES.length, 28);
  assert.deepEqual(IERS_LEAP_SECOND_ENTRIES[0], { date: '1972-01-01', taiMinusUtc: 10 });
  assert.deepEqual(IERS_LEAP_SECOND_ENTRIES.at(-1), { date: '2017-01-01', taiMinusUtc: 37 });
  assert.equal(taiMinusUtc({ year: 2016, month: 12, day: 31 }), 36);
  assert.equal(taiMinusUtc({ year: 2030, month: 6, day: 1 }), 37);
  assert.equal(taiMinusUtc({ year: 1999, month: 1, day: 1 }), 32);
  assert.equal(taiMinusUtc({ year: 1998, month: 12, day: 31 }), 31);
  let leapDays = 0;
  for (let d = daysFromCivil(1972, 1, 1); d < daysFromCivil(2030, 1, 1); d++) {
    const len = utcDayLength(d);
    assert.ok(len === 86400 || len === 86401);
    if (len === 86401) leapDays++;
  }
  assert.equal(leapDays, 27);
  assert.equal(utcDayLength(daysFromCivil(2016, 12, 31)), 86401);
  assert.equal(utcDayLength(daysFromCivil(2016, 12, 30)), 86400);
});

test('UTC before 1972 is not defined: INVALID_ARGUMENT (TAI-UTC was not integral)', () => {
  throwsCode(() => utc('1971-12-31T23:59:59.999Z'), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => instantToIso(CCSDS_EPOCH), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => taiToUtc(tai('1972-01-01T00:00:09.999')), CcsdsErrorCode.INVALID_ARGUMENT);
  assert.equal(instantToIso(tai('1972-01-01T00:00:10')), '1972-01-01T00:00:00Z');
  throwsCode(() => instantFromDate(new Date(0)), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => instantToDate(CCSDS_EPOCH), CcsdsErrorCode.INVALID_ARGUMENT);
  // TAI itself has no such limit: the epoch renders as TAI.
  assert.equal(instantToIso(CCSDS_EPOCH, { timeScale: 'TAI' }), '1958-01-01T00:00:00');
});

test('leap seconds that do not exist are rejected', () => {
  throwsCode(() => utc('2017-12-31T23:59:60Z'), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => utc('2016-12-31T22:59:60Z'), CcsdsErrorCode.INVALID_FIELD, 17);
  throwsCode(() => tai('2016-12-31T23:59:60'), CcsdsErrorCode.INVALID_ARGUMENT);
});

test('a user-supplied newer table (and a negative leap second)', () => {
  const newer = createLeapSecondTable([
    ...IERS_LEAP_SECOND_ENTRIES,
    { date: '2030-01-01', taiMinusUtc: 38 },
  ]);
  throwsCode(() => utc('2029-12-31T23:59:60Z'), CcsdsErrorCode.INVALID_ARGUMENT);
  const leap = instantFromIso('2029-12-31T23:59:60Z', { leapSeconds: newer });
  assert.equal(instantToIso(leap, { timeScale: 'TAI' }), '2030-01-01T00:00:37');
  assert.equal(instantToIso(leap, { leapSeconds: newer }), '2029-12-31T23:59:60Z');
  assert.deepEqual(
    instantFromIso('2030-01-01T00:00:00Z', { leapSeconds: newer }),
    tai('2030-01-01T00:00:38'),
  );
  assert.deepEqual(utc('2030-01-01T00:00:00Z'), tai('2030-01-01T00:00:37'));

  const negative = createLeapSecondTable([
    { date: '1972-01-01', taiMinusUtc: 10 },
    { date: '1973-01-01', taiMinusUtc: 9 },
  ]);
  assert.equal(utcDayLength(daysFromCivil(1972, 12, 31), negative), 86399);
  throwsCode(
    () => instantFromIso('1972-12-31T23:59:59Z', { leapSeconds: negative }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  assert.deepEqual(
    instantFromIso('1973-01-01T00:00:00Z', { leapSeconds: negative }),
    tai('1973-01-01T00:00:09'),
  );
  assert.equal(
    instantToIso(tai('1973-01-01T00:00:08.5'), { leapSeconds: negative }),
    '1972-12-31T23:59:58.5Z',
  );

  for (const bad of [
    [],
    [
      { date: '2000-01-01', taiMinusUtc: 1 },
      { date: '1999-01-01', taiMinusUtc: 2 },
    ],
    [
      { date: '2000-01-01', taiMinusUtc: 1 },
      { date: '2001-01-01', taiMinusUtc: 3 },
    ],
    [{ date: '2000-02-30', taiMinusUtc: 1 }],
    [{ date: '2000-01-01', taiMinusUtc: 1.5 }],
  ]) {
    throwsCode(() => createLeapSecondTable(bad), CcsdsErrorCode.INVALID_ARGUMENT);
  }
});

test('JS Date conversions', () => {
  const i = instantFromDate(new Date(Date.UTC(2017, 0, 1)));
  assert.equal(i.seconds, BigInt(daysFromCivil(2017, 1, 1)) * 86400n + 37n);
  assert.equal(i.seconds, 1861920037n);
  assert.equal(instantToDate(i).toISOString(), '2017-01-01T00:00:00.000Z');
  // Inside the leap second a Date shows the last millisecond of the day.
  assert.equal(
    instantToDate(tai('2017-01-01T00:00:36.5')).toISOString(),
    '2016-12-31T23:59:59.999Z',
  );
  // Sub-millisecond parts are truncated.
  assert.equal(
    instantToDate(utc('2020-05-05T05:05:05.123999Z')).toISOString(),
    '2020-05-05T05:05:05.123Z',
  );
  throwsCode(() => instantFromDate(new Date(NaN)), CcsdsErrorCode.INVALID_ARGUMENT);
  // CUC 4+2 from a Date: fine time truncated (0.001 s * 65536 = 65.536 -> 65).
  const cuc = cucFromInstant(instantFromDate(new Date(Date.UTC(2017, 0, 1, 0, 0, 0, 1))), {
    coarseOctets: 4,
    fineOctets: 2,
  });
  assert.equal(toHex(encodeCuc(cuc)), '1e6efaa5250041');
});

test('number seconds conversions', () => {
  assert.equal(instantToSeconds(tai('1958-01-01T00:04:15.5')), 255.5);
  assert.deepEqual(instantFromSeconds(255.5), { seconds: 255n, fraction: FRACTION_SCALE / 2n });
  assert.deepEqual(instantFromSeconds(-0.25), {
    seconds: -1n,
    fraction: (FRACTION_SCALE * 3n) / 4n,
  });
  throwsCode(() => instantFromSeconds(Infinity), CcsdsErrorCode.INVALID_ARGUMENT);
});

test('CCS known answers (hand-derived from 301.0-B-4 3.4)', () => {
  const cases: [string, string, string][] = [
    // P = 0 101 0 010: month/day, 2 sub-second octets; the leap second 2016-12-31T23:59:60.5025.
    ['52201612312359605025', '2016-12-31T23:59:60.5025', 'monthDay'],
    // P = 0 101 1 000: day of year; 2024-02-29 is day 060.
    ['5820240060010203', '2024-02-29T01:02:03', 'dayOfYear'],
    // P = 0 101 0 110: six sub-second octets = picoseconds.
    ['5619991231235959123456789012', '1999-12-31T23:59:59.123456789012', 'monthDay'],
    // Day of year 366 of a leap year.
    ['5920000366000000' + '99', '2000-12-31T00:00:00.99', 'dayOfYear'],
  ];
  for (const [hex, iso, variation] of cases) {
    const t = decodeCcs(fromHex(hex));
    assert.equal(t.pField.calendarVariation, variation);
    const dt = ccsToDateTime(t);
    assert.equal(formatDateTime(dt), iso, hex);
    assert.equal(toHex(encodeCcs(t)), hex);
    assert.equal(toHex(encodeCcs(ccsFromDateTime(dt, t.pField))), hex);
    assert.equal(decodeTimeCode(fromHex(hex)).code, 'CCS');
    assert.deepEqual(decodeCcs(fromHex(hex.slice(2)), { pField: t.pField }), t);
  }
  const leap = decodeCcs(fromHex('52201612312359605025'));
  assert.equal(instantToIso(ccsToInstant(leap), { timeScale: 'TAI' }), '2017-01-01T00:00:36.5025');
});

test('CCS rejects non-BCD digits and out-of-range segments with the octet offset', () => {
  const bad: [string, Code, number][] = [
    ['57', CcsdsErrorCode.INVALID_FIELD, 0], // resolution 7
    ['d0', CcsdsErrorCode.UNSUPPORTED, 0], // extension flag
    ['5020161a31235960', CcsdsErrorCode.INVALID_FIELD, 3], // 0x1a
    ['502016123123595a', CcsdsErrorCode.INVALID_FIELD, 7],
    ['50a016123123595a', CcsdsErrorCode.INVALID_FIELD, 1],
    ['5000001231235900', CcsdsErrorCode.INVALID_FIELD, 1], // year 0000
    ['5020161331235900', CcsdsErrorCode.INVALID_FIELD, 3], // month 13
    ['5020230229000000', CcsdsErrorCode.INVALID_FIELD, 4], // 2023-02-29
    ['5820230366000000', CcsdsErrorCode.INVALID_FIELD, 3], // day 366 of 2023
    ['5820230000000000', CcsdsErrorCode.INVALID_FIELD, 3], // day 0
    ['5820230400000000', CcsdsErrorCode.INVALID_FIELD, 3], // day 400
    ['5020230101240000', CcsdsErrorCode.INVALID_FIELD, 5], // hour 24
    ['5020230101236000', CcsdsErrorCode.INVALID_FIELD, 6], // minute 60
    ['5020230101120060', CcsdsErrorCode.INVALID_FIELD, 7], // second 60 at 12:00
    ['5120230101235960', CcsdsErrorCode.TRUNCATED, 1], // 1 sub-second octet missing
    ['5020230101', CcsdsErrorCode.TRUNCATED, 1],
    ['', CcsdsErrorCode.TRUNCATED, 0],
  ];
  for (const [hex, code, offset] of bad) throwsCode(() => decodeCcs(fromHex(hex)), code, offset);
  assert.equal(decodeCcs(fromHex('5020230101235960')).second, 60);
  throwsCode(
    () => encodeCcs({ ...decodeCcs(fromHex('5020230101235960')), minute: 58 }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    () => encodeCcs({ ...decodeCcs(fromHex('5020230101235960')), year: 10000 }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
});

test('CDS and CUC decoders reject bad input with offsets', () => {
  const cds: [string, Code, number][] = [
    ['43', CcsdsErrorCode.INVALID_FIELD, 0], // reserved sub-ms code
    ['c0000000000000', CcsdsErrorCode.UNSUPPORTED, 0],
    ['50000000000000', CcsdsErrorCode.INVALID_FIELD, 0],
    ['40000005265fe8', CcsdsErrorCode.INVALID_FIELD, 3], // 86401000 ms
    ['4100000000000003e8', CcsdsErrorCode.INVALID_FIELD, 7], // 1000 us
    ['420000000000003b9aca00', CcsdsErrorCode.INVALID_FIELD, 7], // 1e9 ps
    ['400000000000', CcsdsErrorCode.TRUNCATED, 1],
    ['', CcsdsErrorCode.TRUNCATED, 0],
  ];
  for (const [hex, code, offset] of cds) throwsCode(() => decodeCds(fromHex(hex)), code, offset);
  // 86,400,999 is the last legal millisecond (a leap second).
  assert.equal(decodeCds(fromHex('40000005265fe7')).msOfDay, 86_400_999);
  const cuc: [string, Code, number][] = [
    ['10', CcsdsErrorCode.TRUNCATED, 1],
    ['90', CcsdsErrorCode.TRUNCATED, 1],
    ['908000', CcsdsErrorCode.UNSUPPORTED, 1],
    ['900100', CcsdsErrorCode.UNSUPPORTED, 1],
    ['1e00000000ff', CcsdsErrorCode.TRUNCATED, 1],
    ['4000', CcsdsErrorCode.INVALID_FIELD, 0],
  ];
  for (const [hex, code, offset] of cuc) throwsCode(() => decodeCuc(fromHex(hex)), code, offset);
  for (const p of ['00', '30', '60', '70', 'f0']) {
    throwsCode(() => decodeTimeCode(fromHex(p + '00000000000000')), CcsdsErrorCode.UNSUPPORTED, 0);
  }
  throwsCode(() => decodeTimeCode(new Uint8Array(0)), CcsdsErrorCode.TRUNCATED, 0);
  throwsCode(() => decodeTimeCode(fromHex('1c00'), { offset: 5 }), CcsdsErrorCode.INVALID_ARGUMENT);
});

test('encoders and configurations reject out-of-range arguments', () => {
  throwsCode(() => cucPField({ coarseOctets: 8, fineOctets: 0 }), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => cucPField({ coarseOctets: 4, fineOctets: 11 }), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(
    () => cucPField({ coarseOctets: 5, fineOctets: 0, extension: false }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    () => cucPField({ coarseOctets: 2, fineOctets: 0, additionalCoarseOctets: 2 }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  const p = cucPField({ coarseOctets: 2, fineOctets: 1 });
  throwsCode(
    () => encodeCuc({ pField: p, coarseTime: 65536n, fineTime: 0n }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    () => encodeCuc({ pField: p, coarseTime: 0n, fineTime: 256n }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    () => encodeCuc({ pField: p, coarseTime: -1n, fineTime: 0n }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(() => cucFromInstant(instantFromSeconds(-1), p), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => cucFromInstant(instantFromSeconds(65536), p), CcsdsErrorCode.INVALID_ARGUMENT);
  const cds = decodeCds(fromHex('40000000000000'));
  throwsCode(() => encodeCds({ ...cds, day: 65536 }), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => encodeCds({ ...cds, msOfDay: 86_401_000 }), CcsdsErrorCode.INVALID_ARGUMENT);
  throwsCode(() => encodeCds({ ...cds, subMs: 1 }), CcsdsErrorCode.INVALID_ARGUMENT);
  // A non-canonical P-field split (3 basic + 2 additional coarse octets) round-trips exactly.
  const odd = decodeCuc(fromHex('98400102030405'));
  assert.equal(odd.pField.coarseOctets, 5);
  assert.equal(odd.pField.additionalCoarseOctets, 2);
  assert.equal(toHex(encodeCuc(odd)), '98400102030405');
});

test('ASCII time codes A and B (301.0-B-4 3.5)', () => {
  const a = decodeAsciiTime('2016-12-31T23:59:60.5Z');
  assert.equal(a.variant, 'A');
  assert.deepEqual(a.dateTime, {
    year: 2016,
    month: 12,
    day: 31,
    hour: 23,
    minute: 59,
    second: 60,
    fraction: FRACTION_SCALE / 2n,
  });
  assert.equal(a.fractionDigits, 1);
  assert.equal(a.terminator, true);
  const b = decodeAsciiTime(new TextEncoder().encode('2016-366T23:59:60.5Z'));
  assert.equal(b.variant, 'B');
  assert.deepEqual(b.dateTime, a.dateTime);
  assert.equal(encodeAsciiTime(b), '2016-366T23:59:60.5Z');
  assert.equal(
    encodeAsciiTime({ ...a, variant: 'B', fractionDigits: 3, terminator: false }),
    '2016-366T23:59:60.500',
  );
  const c = decodeAsciiTime('2021-001T00:00:00');
  assert.equal(c.fractionDigits, 0);
  assert.equal(c.terminator, false);
  assert.equal(encodeAsciiTime(c), '2021-001T00:00:00');
  // 30 digits are exact when the digits beyond 10^-24 are zero.
  assert.equal(
    decodeAsciiTime('2021-01-01T00:00:00.000000000000000000000001000000').dateTime.fraction,
    FRACTION_SCALE / 10n ** 24n,
  );
  const bad: [string, Code, number][] = [
    ['2021-13-01T00:00:00Z', CcsdsErrorCode.INVALID_FIELD, 5],
    ['2021-02-29T00:00:00Z', CcsdsErrorCode.INVALID_FIELD, 8],
    ['2021-366T00:00:00Z', CcsdsErrorCode.INVALID_FIELD, 5],
    ['2021-01-01T24:00:00Z', CcsdsErrorCode.INVALID_FIELD, 11],
    ['2021-01-01T12:00:60Z', CcsdsErrorCode.INVALID_FIELD, 17],
    ['2021-01-01T00:00:00.Z', CcsdsErrorCode.INVALID_FIELD, 20],
    ['2021-01-01T00:00:00.', CcsdsErrorCode.TRUNCATED, 20],
    ['2021-01-01', CcsdsErrorCode.TRUNCATED, 10],
    ['2021-01-01T00:00:00Zx', CcsdsErrorCode.INVALID_FIELD, 20],
    ['2021-01-01T00:00:00+01:00', CcsdsErrorCode.INVALID_FIELD, 19],
    ['0000-01-01T00:00:00', CcsdsErrorCode.INVALID_FIELD, 0],
    ['2021/01/01T00:00:00', CcsdsErrorCode.INVALID_FIELD, 4],
    ['2021-01-01 00:00:00', CcsdsErrorCode.INVALID_FIELD, 10],
    ['2021-01-01T00:00:00.0000000000000000000000001', CcsdsErrorCode.UNSUPPORTED, 45],
    ['', CcsdsErrorCode.TRUNCATED, 0],
  ];
  for (const [s, code, offset] of bad) throwsCode(() => decodeAsciiTime(s), code, offset);
  throwsCode(
    () => decodeAsciiTime('2021-01-01T00:00:00.' + '0'.repeat(101)),
    CcsdsErrorCode.UNSUPPORTED,
    120,
  );
  throwsCode(() => decodeAsciiTime(Uint8Array.of(0xb2, 0x30)), CcsdsErrorCode.INVALID_FIELD, 0);
  throwsCode(
    () => encodeAsciiTime({ ...a, dateTime: { ...a.dateTime, year: 10000 } }),
    CcsdsErrorCode.INVALID_ARGUMENT,
  );
});

test('CDS with an agency-defined epoch and the microsecond field', () => {
  const t = decodeCds(fromHex('490001000000000001'));
  assert.equal(t.pField.agencyEpoch, true);
  throwsCode(() => cdsToDateTime(t), CcsdsErrorCode.INVALID_ARGUMENT);
  const inst = utcToTai(cdsToDateTime(t, { agencyEpoch: { year: 2000, month: 1, day: 1 } }));
  assert.equal(instantToIso(inst), '2000-01-02T00:00:00.000001Z');
});

test('the IERS default table object is frozen', () => {
  assert.ok(Object.isFrozen(IERS_LEAP_SECONDS));
  assert.ok(Object.isFrozen(IERS_LEAP_SECONDS.entries));
});
