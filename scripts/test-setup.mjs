// Loaded before every test file. Under CI (CI=true) property tests run from a fixed seed so that
// a landing does not depend on luck; locally every run explores new cases. FC_SEED overrides.
import fc from 'fast-check';

if (process.env.CI || process.env.FC_SEED) {
  fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122) });
}
