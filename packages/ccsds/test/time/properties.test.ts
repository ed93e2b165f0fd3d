import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  asciiToInstant,
  ccsFromDateTime,
  ccsToDateTime,
  cdsFromDateTime,
  cdsFromInstant,
  cdsToDateTime,
  cdsToInstant,
  compareInstants,
  cucFromInstant,
  cucPField,
  cucToInstant,
  daysFromCivil,
  daysInMonth,
  decodeAsciiTime,
  decodeCcs,
  decodeCds,
  decodeCuc,
  decodeTimeCode,
  encodeAsciiTime,
  encodeAsciiTimeBytes,
  encodeCcs,
  encodeCds,
  encodeCuc,
  encodeTimeCode,
  civilFromDays,
  FIVE_POW_24,
  FRACTION_SCALE,
  IERS_LEAP_SECONDS,
  instantFromDate,
  instantFromDecimal,
  instantFromIso,
  instantFromSeconds,
  instantFromUnits,
  instantToDate,
  instantToDecimal,
  instantToIso,
  instantToSeconds,
  instantToUnits,
  taiToUtc,
  utcToTai,
  type CcsConfig,
  type CdsConfig,
  type CucConfig,
  type DateTime,
  type Instant,
} from 'ccsds/time';

const RUNS = { numRuns: 400 };

const cucConfig: fc.Arbitrary<CucConfig> = fc
  .record({
    timeCodeId: fc.constantFrom(1 as const, 2 as const),
    coarseOctets: fc.integer({ min: 1, max: 7 }),
    fineOctets: fc.integer({ min: 0, max: 10 }),
    forceExtension: fc.boolean(),
    moveCoarse: fc.integer({ min: 0, max: 3 }),
    moveFine: fc.integer({ min: 0, max: 7 }),
  })
  .map(({ timeCodeId, coarseOctets, fineOctets, forceExtension, moveCoarse, moveFine }) => {
    // Any legal split of the totals between the basic and the extension octet.
    const addC = Math.min(
      3,
      coarseOctets - 1,
      Math.max(coarseOctets - 4, forceExtension ? moveCoarse : 0),
    );
    const addF = Math.min(7, fineOctets, Math.max(fineOctets - 3, forceExtension ? moveFine : 0));
    const c: CucConfig = {
      timeCodeId,
      coarseOctets,
      fineOctets,
      additionalCoarseOctets: addC,
      additionalFineOctets: addF,
    };
    if (forceExtension) c.extension = true;
    return c;
  });

const cucTime = cucConfig.chain((config) => {
  const p = cucPField(config);
  return fc
    .record({
      coarseTime: fc.bigInt({ min: 0n, max: (1n << BigInt(8 * p.coarseOctets)) - 1n }),
      fineTime: fc.bigInt({ min: 0n, max: (1n << BigInt(8 * p.fineOctets)) - 1n }),
    })
    .map((r) => ({ pField: p, coarseTime: r.coarseTime, fineTime: r.fineTime }));
});

const anyInstant: fc.Arbitrary<Instant> = fc
  .record({
    seconds: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
    fraction: fc.bigInt({ min: 0n, max: FRACTION_SCALE - 1n }),
  })
  .map((r) => ({ ...r }));

test('CUC: encode -> decode is the identity (explicit and implicit P-field, any split)', () => {
  fc.assert(
    fc.property(cucTime, (t) => {
      const bytes = encodeCuc(t);
      assert.deepEqual(decodeCuc(bytes), t);
      const d = decodeTimeCode(bytes);
      assert.equal(d.length, bytes.length);
      assert.deepEqual(d.value, t);
      const tf = encodeCuc(t, { explicitPField: false });
      assert.equal(tf.length, t.pField.coarseOctets + t.pField.fineOctets);
      assert.deepEqual(decodeCuc(tf, { pField: t.pField }), t);
      assert.deepEqual(encodeTimeCode({ code: 'CUC', value: t }), bytes);
    }),
    RUNS,
  );
});

test('CUC: code -> instant -> code is exact; instant -> code truncates by less than one step', () => {
  fc.assert(
    fc.property(cucTime, anyInstant, (t, epoch) => {
      const opts = { agencyEpoch: epoch };
      const i = cucToInstant(t, opts);
      assert.deepEqual(cucFromInstant(i, t.pField, opts), t);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(
      cucConfig,
      fc.bigInt({ min: 0n, max: (1n << 32n) * FRACTION_SCALE - 1n }),
      (config, units) => {
        const p = cucPField({ ...config, timeCodeId: 1 });
        fc.pre(units < (1n << BigInt(8 * p.coarseOctets)) * FRACTION_SCALE);
        const i = instantFromUnits(units);
        const back = instantToUnits(cucToInstant(cucFromInstant(i, p)));
        const step = FIVE_POW_24 << BigInt(80 - 8 * p.fineOctets);
        assert.ok(back <= units && units - back < step);
      },
    ),
    RUNS,
  );
});

const cdsConfig: fc.Arbitrary<Required<CdsConfig>> = fc
  .record({
    agencyEpoch: fc.boolean(),
    dayOctets: fc.constantFrom(2 as const, 3 as const),
    subMs: fc.constantFrom('none' as const, 'microseconds' as const, 'picoseconds' as const),
  })
  .map((r) => ({ ...r }));

const cdsTime = cdsConfig.chain((pField) =>
  fc
    .record({
      day: fc.integer({ min: 0, max: pField.dayOctets === 2 ? 0xffff : 0xffffff }),
      msOfDay: fc.oneof(
        fc.integer({ min: 0, max: 86_399_999 }),
        fc.integer({ min: 86_400_000, max: 86_400_999 }),
      ),
      subMs: fc.integer({
        min: 0,
        max:
          pField.subMs === 'microseconds' ? 999 : pField.subMs === 'picoseconds' ? 999_999_999 : 0,
      }),
    })
    .map((r) => ({ pField, day: r.day, msOfDay: r.msOfDay, subMs: r.subMs })),
);

test('CDS: encode -> decode is the identity for every configuration', () => {
  fc.assert(
    fc.property(cdsTime, (t) => {
      const bytes = encodeCds(t);
      assert.deepEqual(decodeCds(bytes), t);
      assert.deepEqual(decodeTimeCode(bytes).value, t);
      assert.deepEqual(decodeCds(encodeCds(t, { explicitPField: false }), { pField: t.pField }), t);
      // The calendar reading (leap milliseconds as second 60) converts back exactly.
      const agencyEpoch = { year: 2000, month: 1, day: 1 };
      assert.deepEqual(
        cdsFromDateTime(cdsToDateTime(t, { agencyEpoch }), t.pField, { agencyEpoch }),
        t,
      );
      if (t.msOfDay < 86_400_000 && !t.pField.agencyEpoch) {
        // Read as TAI (86400-s days), the same code converts back exactly too.
        const i = cdsToInstant(t, { timeScale: 'TAI' });
        assert.deepEqual(cdsFromInstant(i, t.pField, { timeScale: 'TAI' }), t);
      }
    }),
    RUNS,
  );
});

const leapDays = IERS_LEAP_SECONDS.days.slice(1).map((d) => d - 1);

test('CDS (UTC): code -> TAI instant -> code, including leap seconds', () => {
  const base = daysFromCivil(1972, 1, 1);
  const utcCds = cdsConfig.chain((pField) =>
    fc
      .record({
        day: fc.oneof(fc.integer({ min: base, max: 0xffff }), fc.constantFrom(...leapDays)),
        ms: fc.integer({ min: 0, max: 86_400_999 }),
        subMs: fc.integer({
          min: 0,
          max:
            pField.subMs === 'microseconds'
              ? 999
              : pField.subMs === 'picoseconds'
                ? 999_999_999
                : 0,
        }),
      })
      .map(({ day, ms, subMs }) => ({
        pField: { ...pField, agencyEpoch: false },
        day,
        msOfDay: leapDays.includes(day) ? ms : ms % 86_400_000,
        subMs,
      })),
  );
  fc.assert(
    fc.property(utcCds, (t) => {
      const i = cdsToInstant(t);
      assert.deepEqual(cdsFromInstant(i, t.pField), t);
    }),
    RUNS,
  );
});

const dateTime = (minYear: number, maxYear: number): fc.Arbitrary<DateTime> =>
  fc
    .record({
      year: fc.integer({ min: minYear, max: maxYear }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 60 }),
      fraction: fc.bigInt({ min: 0n, max: FRACTION_SCALE - 1n }),
    })
    .map((r) => {
      r = { ...r };
      const day = Math.min(r.day, daysInMonth(r.year, r.month));
      return r.second === 60 ? { ...r, day, hour: 23, minute: 59 } : { ...r, day };
    });

const ccsConfig: fc.Arbitrary<Required<CcsConfig>> = fc
  .record({
    calendarVariation: fc.constantFrom('monthDay' as const, 'dayOfYear' as const),
    resolution: fc.integer({ min: 0, max: 6 }),
  })
  .map((r) => ({ ...r }));

test('CCS: date -> code -> bytes -> code -> date, both variations, 0-6 sub-second octets', () => {
  fc.assert(
    fc.property(dateTime(1, 9999), ccsConfig, (dt, config) => {
      const t = ccsFromDateTime(dt, config);
      const bytes = encodeCcs(t);
      assert.equal(bytes.length, 8 + config.resolution);
      assert.deepEqual(decodeCcs(bytes), t);
      assert.deepEqual(decodeTimeCode(bytes).value, t);
      assert.deepEqual(decodeCcs(encodeCcs(t, { explicitPField: false }), { pField: config }), t);
      const back = ccsToDateTime(t);
      const unit = FRACTION_SCALE / 100n ** BigInt(config.resolution);
      assert.deepEqual(back, { ...dt, fraction: (dt.fraction / unit) * unit });
    }),
    RUNS,
  );
});

test('ASCII A and B: encode -> decode is the identity', () => {
  fc.assert(
    fc.property(
      dateTime(1, 9999),
      fc.integer({ min: 0, max: 30 }),
      fc.constantFrom('A' as const, 'B' as const),
      fc.boolean(),
      (dt, fractionDigits, variant, terminator) => {
        const digits = BigInt(Math.min(fractionDigits, 24));
        const unit = FRACTION_SCALE / 10n ** digits;
        const t = {
          variant,
          dateTime: { ...dt, fraction: (dt.fraction / unit) * unit },
          fractionDigits,
          terminator,
        };
        const text = encodeAsciiTime(t);
        assert.deepEqual(decodeAsciiTime(text), t);
        assert.deepEqual(decodeAsciiTime(encodeAsciiTimeBytes(t)), t);
      },
    ),
    RUNS,
  );
});

// Instants from 1972-01-01T00:00:10 TAI (= 1972-01-01 UTC) to about 2200, with fractions of up
// to 2^-80 s, plus instants inside each leap second.
const utcInstant: fc.Arbitrary<Instant> = fc.oneof(
  fc
    .record({
      seconds: fc.bigInt({
        min: BigInt(daysFromCivil(1972, 1, 1)) * 86400n + 10n,
        max: 7_000_000_000n,
      }),
      fraction: fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }).map((s) => s * FIVE_POW_24),
    })
    .map((r) => ({ ...r })),
  fc
    .record({
      seconds: fc.constantFrom(
        ...IERS_LEAP_SECONDS.days
          .slice(1)
          .map((d, k) => BigInt(d) * 86400n + BigInt(IERS_LEAP_SECONDS.offsets[k]!)),
      ),
      fraction: fc.bigInt({ min: 0n, max: FRACTION_SCALE - 1n }),
    })
    .map((r) => ({ ...r })),
);

test('UTC <-> TAI is a bijection from 1972 on, and ISO strings round-trip exactly', () => {
  fc.assert(
    fc.property(utcInstant, (i) => {
      const utc = taiToUtc(i);
      assert.deepEqual(utcToTai(utc), i);
      assert.deepEqual(instantFromIso(instantToIso(i)), i);
      assert.deepEqual(instantFromIso(instantToIso(i, { dayOfYear: true })), i);
      assert.deepEqual(
        instantFromIso(instantToIso(i, { timeScale: 'TAI' }), { timeScale: 'TAI' }),
        i,
      );
      assert.deepEqual(asciiToInstant(decodeAsciiTime(instantToIso(i))), i);
    }),
    RUNS,
  );
});

test('UTC rendering preserves order (monotonic across leap seconds)', () => {
  fc.assert(
    fc.property(utcInstant, utcInstant, (a, b) => {
      // 80 digits are exact for every fraction of 2^-80 s steps and of the leap-second cases.
      const sa = instantToIso(a, { fractionDigits: 80 });
      const sb = instantToIso(b, { fractionDigits: 80 });
      const c = compareInstants(a, b);
      if (sa.length === sb.length) assert.equal(c, sa < sb ? -1 : sa > sb ? 1 : 0);
    }),
    RUNS,
  );
});

test('JS Date -> instant -> Date is exact from 1972 to 2200', () => {
  const min = Date.UTC(1972, 0, 1);
  const max = Date.UTC(2200, 0, 1);
  fc.assert(
    fc.property(fc.integer({ min, max }), (ms) => {
      const d = new Date(ms);
      assert.equal(instantToDate(instantFromDate(d)).getTime(), ms);
    }),
    RUNS,
  );
});

test('number and decimal conversions', () => {
  fc.assert(
    // Exact for every double without bits below 2^-80 s, i.e. any magnitude above 2^-27 s.
    fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (x) => {
      fc.pre(x === 0 || Math.abs(x) >= 2 ** -27);
      assert.equal(instantToSeconds(instantFromSeconds(x)), x === 0 ? 0 : x);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(anyInstant, (i) => {
      assert.deepEqual(instantFromDecimal(instantToDecimal(i)), i);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.integer({ min: -100000, max: 3_000_000 }), (days) => {
      const d = civilFromDays(days);
      assert.equal(daysFromCivil(d.year, d.month, d.day), days);
    }),
    RUNS,
  );
});
