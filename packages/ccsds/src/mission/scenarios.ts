/**
 * The three shipped scenarios of the simulated mission: a LEO cubesat pass, a lunar orbiter and
 * a Mars orbiter at 20 minutes one-way light time. Each takes its Eb/N0 from the matching link
 * budget preset (`LINK_BUDGET_PRESETS`) at the scenario's own data rates. `ccsds sim <name>`
 * runs one; `ccsds sim <name> --print` writes it out as a starting point for a scenario file.
 */
import type { Scenario } from './scenario.js';

/** LEO cubesat: one 10-minute pass, S-band down, UHF up under COP-1. */
export const LEO_SCENARIO: Scenario = {
  name: 'leo',
  description:
    'LEO cubesat pass (10 min): a flight plan uploaded under COP-1 at 9.6 kbit/s, an image and housekeeping downloaded through RS + convolutional coding at 2 Msymbol/s',
  seed: 1,
  maxDurationS: 600,
  lightTimeS: 0.005,
  passes: [{ startS: 0, endS: 600 }],
  spacecraft: { entityId: 2, spacecraftId: 42 },
  ground: { entityId: 1 },
  downlink: {
    symbolRate: 2_000_000,
    frameLength: 1115,
    rs: { E: 16, interleave: 5 },
    conv: '1/2',
    budget: { preset: 'leo' },
  },
  uplink: {
    symbolRate: 9600,
    cop1: true,
    fop: { transmissionLimit: 5, slidingWindowWidth: 15 },
    budget: { preset: 'leo' },
  },
  cfdp: {
    maxFileSegmentLength: 960,
    ackTimerMs: 15_000,
    nakTimerMs: 15_000,
    ackLimit: 10,
    nakLimit: 20,
    inactivityTimerMs: 120_000,
  },
  telemetry: { intervalS: 1 },
  commands: { intervalS: 10 },
  transfers: [
    { direction: 'up', file: 'flight-plan.bin', size: 48 * 1024, atS: 2 },
    { direction: 'down', file: 'image.raw', size: 1024 * 1024, atS: 2 },
  ],
};

/** Lunar orbiter: continuous contact, 1.28 s light time. */
export const LUNAR_SCENARIO: Scenario = {
  name: 'lunar',
  description:
    'Lunar orbiter at 384,400 km (1.28 s light time): X-band down at 1 Msymbol/s, S-band up at 4 kbit/s under COP-1',
  seed: 2,
  maxDurationS: 3600,
  lightTimeS: 1.28,
  spacecraft: { entityId: 20, spacecraftId: 120 },
  ground: { entityId: 1 },
  downlink: {
    symbolRate: 1_000_000,
    frameLength: 1115,
    rs: { E: 16, interleave: 5 },
    conv: '1/2',
    budget: { preset: 'lunar' },
  },
  uplink: {
    symbolRate: 4000,
    cop1: true,
    fop: { transmissionLimit: 5, slidingWindowWidth: 20 },
    budget: { preset: 'lunar' },
  },
  cfdp: {
    maxFileSegmentLength: 960,
    ackTimerMs: 30_000,
    nakTimerMs: 30_000,
    ackLimit: 10,
    nakLimit: 20,
    inactivityTimerMs: 600_000,
  },
  telemetry: { intervalS: 5 },
  commands: { intervalS: 60 },
  transfers: [
    { direction: 'up', file: 'ephemeris.bin', size: 16 * 1024, atS: 1 },
    { direction: 'down', file: 'survey.raw', size: 512 * 1024, atS: 1 },
  ],
};

/** Mars orbiter: 20 minutes one-way light time, Type-BD uplink, CFDP Class 2 does the rest. */
export const MARS_SCENARIO: Scenario = {
  name: 'mars',
  description:
    'Mars orbiter at 2.25e11 m (20 min light time): X-band both ways, Type-BD uplink at 2 kbit/s (COP-1 cannot wait 40 min per window), CFDP Class 2 recovers losses',
  seed: 3,
  maxDurationS: 6 * 3600,
  lightTimeS: 1200,
  passes: [{ startS: 0, endS: 6 * 3600 }],
  spacecraft: { entityId: 76, spacecraftId: 76 },
  ground: { entityId: 1 },
  downlink: {
    symbolRate: 200_000,
    frameLength: 1115,
    rs: { E: 16, interleave: 5 },
    conv: '1/2',
    budget: { preset: 'mars' },
  },
  uplink: {
    symbolRate: 2000,
    cop1: false,
    budget: { preset: 'mars' },
  },
  cfdp: {
    maxFileSegmentLength: 960,
    ackTimerMs: 2_520_000,
    nakTimerMs: 2_520_000,
    ackLimit: 5,
    nakLimit: 10,
    inactivityTimerMs: 4 * 3600_000,
  },
  telemetry: { intervalS: 60 },
  commands: { intervalS: 600 },
  transfers: [
    { direction: 'up', file: 'sequence.bin', size: 8 * 1024, atS: 0 },
    { direction: 'down', file: 'panorama.raw', size: 256 * 1024, atS: 0 },
  ],
};

/** The shipped scenarios by name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  leo: LEO_SCENARIO,
  lunar: LUNAR_SCENARIO,
  mars: MARS_SCENARIO,
};
